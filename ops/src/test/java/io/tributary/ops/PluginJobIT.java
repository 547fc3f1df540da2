package io.tributary.ops;

import io.tributary.log.Admin;
import io.tributary.log.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A connector job of a third-party type: {@code job deploy} knows the type only with {@code --plugin-path}, and a
 * {@code tributary worker} whose class path lacks it runs the job from the plugin jar.
 */
@Timeout(240)
class PluginJobIT
{
    private static final String TOPIC = "numbers";

    @TempDir
    Path dir;

    @Test
    void aWorkerWithThePluginPathRunsAConnectorJobOfAPluginType() throws Exception
    {
        final Path plugins = PluginPathTest.pluginDir(dir);
        Files.writeString(dir.resolve("count.yaml"),
            "name: count\nsource: { counter: { limit: 99 } }\nto: { topic: " + TOPIC + " }\n");
        final Path job = dir.resolve("count-job.yaml");
        Files.writeString(job, "name: count\nkind: connector\nconnector: { file: count.yaml }\n");
        try (JobWorkers jobs = JobWorkers.start("plugin-job-it-"))
        {
            try (Admin admin = Admin.create(jobs.members()))
            {
                admin.createTopic(new NewTopic(TOPIC, 1));
            }
            final JobWorkers.Cli unknown = jobs.cli("job", "deploy", job.toString());
            assertEquals(ConnectorCommand.INVALID, unknown.exit(), unknown.err());
            assertTrue(unknown.err().contains("unknown source type"), unknown.err());

            final JobWorkers.Cli deployed = jobs.cli("job", "deploy", job.toString(), "--plugin-path",
                plugins.toString());
            assertEquals(0, deployed.exit(), deployed.err());
            jobs.startWorker("w1", "--plugin-path", plugins.toString());

            final long deadline = System.nanoTime() + 120_000_000_000L;
            while (jobs.count(TOPIC) < 100 && System.nanoTime() < deadline)
            {
                Thread.sleep(200);
            }
            assertEquals(100, jobs.count(TOPIC), "the counter's 0 to 99, each once");
            Thread.sleep(2_000);
            assertEquals(100, jobs.count(TOPIC), "and nothing after");
        }
    }
}
