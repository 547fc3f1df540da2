package io.tributary.connect.fault;

import io.tributary.connect.ConnectorContext;
import io.tributary.connect.ConnectorTypes;
import io.tributary.connect.config.ConnectorConfig;
import io.tributary.connect.config.ConnectorFileParser;
import io.tributary.connect.runtime.ConnectorRunner;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Runs the first connector of a file in a JVM of its own until it is killed, printing {@code RUNNING} once started
 * and a status line every 200 ms: what the fault test SIGKILLs. Arguments: FILE.yaml CLUSTER.
 */
public final class ConnectorProcessMain
{
    private ConnectorProcessMain()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final ConnectorConfig config = new ConnectorFileParser(ConnectorTypes.load(), Map.of())
            .parse(Path.of(args[0])).get(0);
        final PrintWriter out = new PrintWriter(System.out, true);
        final ConnectorRunner runner = new ConnectorRunner(config, ConnectorTypes.load(),
            new ConnectorContext(config.name(), args[1], out)).start();
        if (!runner.awaitStarted(Duration.ofSeconds(60)))
        {
            out.println("FAILED " + runner.status().line());
            System.exit(1);
        }
        out.println("RUNNING");
        while (!runner.done().isDone())
        {
            Thread.sleep(200);
            out.println(runner.status().line());
        }
        out.println("STOPPED " + runner.status().line());
        System.exit(runner.done().isCompletedExceptionally() ? 1 : 0);
    }
}
