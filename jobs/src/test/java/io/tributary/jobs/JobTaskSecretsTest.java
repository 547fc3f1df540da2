package io.tributary.jobs;

import io.tributary.connect.ConnectorTypes;
import io.tributary.connect.config.ConnectorConfig;
import io.tributary.connect.config.ConnectorFileParser;
import io.tributary.connect.spec.Secrets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JobTaskSecretsTest
{
    @Test
    void aTasksErrorsHideTheJobsEnvValuesAndItsConnectorsSecrets(@TempDir final Path dir) throws IOException
    {
        Files.writeString(dir.resolve("db.yaml"), """
            name: to-db
            from: { topics: [readings] }
            sink:
              jdbc: { url: "jdbc:postgresql://127.0.0.1:5432/plant", table: readings, user: plant, password: "${DB_PASSWORD}" }
            ---
            name: to-hook
            from: { topics: [alerts] }
            sink:
              http: { url: "https://hooks.invalid/a", headers: { Authorization: "${HOOK_AUTH}" } }
            """);
        final Map<String, String> workerEnv = Map.of("HOOK_AUTH", "Bearer worker-held-token");
        final JobSpecParser deployer =
            new JobSpecParser(ConnectorTypes.load(), Map.of("PW", "deployer-pg-pass", "HOOK_AUTH", "x"));
        final JobSpec spec = deployer.parse(
            "job.yaml", "name: db\nkind: connector\nconnector: { file: db.yaml }\nenv: { DB_PASSWORD: \"${PW}\" }\n",
            dir);
        final Map<String, String> variables = new HashMap<>(workerEnv);
        variables.putAll(spec.env());
        final List<ConnectorConfig> configs = new ConnectorFileParser(ConnectorTypes.load(), variables)
            .parse(spec.connectorFile(), spec.connectorYaml());

        final Secrets beforeStart = JobTask.secretsOf(spec, List.of());
        assertEquals("java.sql.SQLException: password *** refused",
            beforeStart.redact(JobTask.describe(new java.sql.SQLException("password deployer-pg-pass refused"))));

        final Secrets running = JobTask.secretsOf(spec, configs);
        assertEquals("java.io.IOException: 401 with Authorization *** (password ***)", running.redact(JobTask.describe(
            new IOException("401 with Authorization Bearer worker-held-token (password deployer-pg-pass)"))));
    }
}
