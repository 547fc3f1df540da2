package io.tributary.connect.spec;

import io.tributary.connect.ConnectorTypes;
import io.tributary.connect.config.ConnectorConfig;
import io.tributary.connect.config.ConnectorFileParser;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SecretsTest
{
    private static final String FILE = """
        name: readings-to-db
        from: { topics: [readings] }
        sink:
          jdbc: { url: "jdbc:postgresql://127.0.0.1:5432/plant", table: readings, user: plant, password: "${PGPASSWORD}" }
        ---
        name: alerts-out
        from: { topics: [alerts] }
        sink:
          http:
            url: https://hooks.example.invalid/alerts
            headers: { Authorization: "Bearer ${HOOK_TOKEN}", Content-Type: application/json, X-Api-Key: k-7788 }
        """;

    private final List<ConnectorConfig> configs = new ConnectorFileParser(ConnectorTypes.load(),
        Map.of("PGPASSWORD", "pg-Pa55word", "HOOK_TOKEN", "tok-abcdef")).parse("out.yaml", FILE);

    @Test
    void aConnectorsSecretSettingsAndSensitiveHeadersAreRedacted()
    {
        final Secrets jdbc = Secrets.of(configs.get(0).settings());
        assertEquals("FATAL: password *** rejected for plant",
            jdbc.redact("FATAL: password pg-Pa55word rejected for plant"));

        final Secrets http = Secrets.of(configs.get(1).settings());
        assertEquals("sent Authorization: *** and ***; type application/json",
            http.redact("sent Authorization: Bearer tok-abcdef and k-7788; type application/json"));
    }

    @Test
    void settingsAndConfigsNeverPrintASecret()
    {
        final String jdbc = configs.get(0).toString();
        assertFalse(jdbc.contains("pg-Pa55word"), jdbc);
        assertTrue(jdbc.contains("password=***"), jdbc);
        assertTrue(jdbc.contains("user=plant"), jdbc);

        final String http = configs.get(1).settings().toString();
        assertFalse(http.contains("tok-abcdef") || http.contains("k-7788"), http);
        assertTrue(http.contains("Authorization=***") && http.contains("Content-Type=application/json"), http);
    }

    @Test
    void credentialsWrittenIntoUrlsAreHiddenEvenWhenNotKnown()
    {
        final Secrets none = Secrets.none();
        assertEquals("cannot reach mqtt://sensor:***@127.0.0.1:1883 (refused)",
            none.redact("cannot reach mqtt://sensor:s3nsor@127.0.0.1:1883 (refused)"));
        assertEquals("GET https://api.invalid/v1?since=5&access_token=***&page=2 -> 500",
            none.redact("GET https://api.invalid/v1?since=5&access_token=eyJhbGci.x.y&page=2 -> 500"));
        assertEquals("jdbc:postgresql://db/plant?user=plant&password=***",
            none.redact("jdbc:postgresql://db/plant?user=plant&password=pw1234"));
        assertEquals("https://example.invalid/path and user@example.invalid stay",
            none.redact("https://example.invalid/path and user@example.invalid stay"));
    }

    @Test
    void aLoggedFailureKeepsItsStackAndCausesButNotTheSecret()
    {
        final Secrets secrets = Secrets.none().with(List.of("pg-Pa55word", "ab"));
        final RuntimeException failure = new IllegalStateException("connect failed",
            new SQLException("password pg-Pa55word rejected"));
        failure.addSuppressed(new RuntimeException("close: pg-Pa55word"));

        final Throwable shown = secrets.redact(failure);
        final StringWriter trace = new StringWriter();
        shown.printStackTrace(new PrintWriter(trace));
        assertFalse(trace.toString().contains("pg-Pa55word"), trace.toString());
        assertTrue(trace.toString().startsWith("java.lang.IllegalStateException: connect failed"), trace.toString());
        assertTrue(trace.toString().contains("Caused by: java.sql.SQLException: password *** rejected"));
        assertTrue(trace.toString().contains("Suppressed: java.lang.RuntimeException: close: ***"));
        assertEquals(failure.getStackTrace()[0], shown.getStackTrace()[0]);
        assertEquals("java.sql.SQLException: password *** rejected", secrets.describe(failure.getCause()));
        assertEquals("about", secrets.redact("about"), "values too short to be credentials are not searched for");
    }
}
