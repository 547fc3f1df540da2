package io.tributary.connect.config;

import io.tributary.connect.ConnectorTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class ConnectorFileParserTest
{
    private static final ConnectorTypes TYPES = ConnectorTypes.load();
    private final ConnectorFileParser parser = new ConnectorFileParser(TYPES, Map.of("HOOK_TOKEN", "s3cret"));

    private static final String ISSUE_EXAMPLE = """
        name: sensors-in
        source:
          mqtt: { url: tcp://127.0.0.1:1883, topics: ["plant/+/temperature"], qos: 1 }
        to: { topic: sensor-readings, key: "${mqtt.topic}" }
        ---
        name: alerts-out
        from: { topics: [alerts], group: alerts-out }
        sink:
          http: { url: https://example.invalid/hook, method: POST, headers: { Authorization: "Bearer ${HOOK_TOKEN}" } }
        batching: { count: 500, period: 100ms }
        retry: { max_attempts: 10, backoff: 200ms, max_backoff: 10s }
        dead_letter: { topic: alerts-out.dlq }
        """;

    @Test
    void readsTheIssueExample()
    {
        final List<ConnectorConfig> configs = parser.parse("both.yaml", ISSUE_EXAMPLE);
        assertEquals(2, configs.size());
        final ConnectorConfig in = configs.get(0);
        assertEquals("sensors-in", in.name());
        assertEquals(ConnectorConfig.Kind.SOURCE, in.kind());
        assertEquals("mqtt", in.type());
        assertEquals(List.of("plant/+/temperature"), in.settings().list("topics"));
        assertEquals("${mqtt.topic}", in.to().key());
        assertEquals("sensors-in.dlq", in.deadLetter().topic());
        assertEquals(500, in.batching().count());
        final ConnectorConfig out = configs.get(1);
        assertEquals(ConnectorConfig.Kind.SINK, out.kind());
        assertEquals("alerts-out", out.from().group());
        assertEquals(Duration.ofMillis(100), out.batching().period());
        assertEquals(new BlockConfigs.Retry(10, Duration.ofMillis(200), Duration.ofSeconds(10)), out.retry());
        assertEquals("Bearer s3cret", out.settings().map("headers").get("Authorization"));
        assertNull(out.to());
    }

    /**
     * The name keys the connector's offsets, leases and groups; nothing in it may leave a directory or split a key.
     */
    @Test
    void namesThatCouldLeaveADirectoryAreRefused()
    {
        for (final String name : List.of("../x", "..", ".", "a/b", "a\\\\b", "x\\u0000y", "tab\\there", ""))
        {
            final ConfigException ex = assertThrows(ConfigException.class, () -> parser.parse("c.yaml",
                "name: \"" + name + "\"\nsource:\n  generator: {}\nto: { topic: t }\n"), name);
            assertTrue(ex.getMessage().contains("name: expected 1 to 200 of a-z A-Z 0-9 . _ - (and not '.' or '..')"),
                ex.getMessage());
        }
    }

    @Test
    void unknownKeySuggestsTheFieldAndNamesLineColumnAndPath()
    {
        final ConfigException ex = assertThrows(ConfigException.class, () -> parser.parse("in.yaml", """
            name: sensors-in
            source:
              mqtt:
                url: tcp://127.0.0.1:1883
                topics: [a]
                qso: 1
            to: { topic: t }
            """));
        assertEquals(1, ex.errors().size(), ex.getMessage());
        final ConfigError error = ex.errors().get(0);
        assertEquals("in.yaml", error.file());
        assertEquals(6, error.line());
        assertEquals(5, error.column());
        assertEquals("source.mqtt.qso", error.path());
        assertTrue(error.message().contains("did you mean 'qos'?"), error.message());
        assertTrue(ex.getMessage().startsWith("in.yaml:6:5: source.mqtt.qso: unknown key"), ex.getMessage());
    }

    @Test
    void everyProblemIsReportedNotJustTheFirst()
    {
        final ConfigException ex = assertThrows(ConfigException.class, () -> parser.parse("bad.yaml", """
            name: out
            from: { topics: alerts }
            sink:
              http: { method: GET, timeout: 10 }
            batching: { count: many, perod: 1s }
            retry: { backoff: 5x }
            dead_leter: { topic: x }
            """));
        final String all = ex.getMessage();
        assertTrue(all.contains("from.topics: expected a list of strings"), all);
        assertTrue(all.contains("sink.http.url: missing required field"), all);
        assertTrue(all.contains("sink.http.method: expected one of POST, PUT, got 'GET'"), all);
        assertTrue(all.contains("sink.http.timeout: expected a duration"), all);
        assertTrue(all.contains("batching.count: expected a whole number, got 'many'"), all);
        assertTrue(all.contains("batching.perod: unknown key (did you mean 'period'?)"), all);
        assertTrue(all.contains("retry.backoff: expected a duration"), all);
        assertTrue(all.contains("dead_leter: unknown key (did you mean 'dead_letter'?)"), all);
        assertEquals(8, ex.errors().size(), all);
    }

    @Test
    void unknownTypeSuggestsOne()
    {
        final ConfigException ex = assertThrows(ConfigException.class, () -> parser.parse("t.yaml", """
            name: x
            source: { mqqt: { url: tcp://h:1 } }
            to: { topic: t }
            """));
        assertTrue(ex.getMessage().contains("t.yaml:2:11: source.mqqt: unknown source type (did you mean 'mqtt'?)"),
            ex.getMessage());
    }

    @Test
    void missingEnvironmentVariableIsAnError()
    {
        final ConfigException ex = assertThrows(ConfigException.class, () -> parser.parse("e.yaml", """
            name: x
            sink: { jdbc: { url: "jdbc:postgresql://h/db", table: t, password: "${PGPASS}" } }
            from: { topics: [a] }
            """));
        assertTrue(ex.getMessage().contains("sink.jdbc.password: environment variable PGPASS is not set"),
            ex.getMessage());
    }

    @Test
    void typeChecksAcrossFieldsAreReportedAtTheComponent()
    {
        final ConfigException ex = assertThrows(ConfigException.class, () -> parser.parse("j.yaml", """
            name: x
            sink: { jdbc: { url: "jdbc:postgresql://h/db", table: t, mode: upsert } }
            from: { topics: [a] }
            """));
        assertTrue(ex.getMessage().contains("j.yaml:2:9: sink.jdbc: mode upsert needs key_column"), ex.getMessage());
    }

    @Test
    void wrongShapesAndDuplicatesAreErrors()
    {
        assertTrue(assertThrows(ConfigException.class, () -> parser.parse("a.yaml", "- 1\n- 2\n"))
            .getMessage().contains("expected a connector"));
        assertTrue(assertThrows(ConfigException.class, () -> parser.parse("b.yaml", """
            name: x
            name: y
            source: { generator: {} }
            to: { topic: t }
            """)).getMessage().contains("b.yaml:2:1: name: duplicate key"));
        assertTrue(assertThrows(ConfigException.class, () -> parser.parse("c.yaml", """
            name: x
            source: { generator: {} }
            sink: { stdout: {} }
            """)).getMessage().contains("either source or sink"));
        assertTrue(assertThrows(ConfigException.class, () -> parser.parse("d.yaml", """
            name: x
            source: { generator: {} }
            from: { topics: [a] }
            to: { topic: t }
            """)).getMessage().contains("d.yaml:3:1: from: from applies to sinks"));
        assertTrue(assertThrows(ConfigException.class, () -> parser.parse("e.yaml", "name: [x\n"))
            .getMessage().contains("e.yaml:"));
        assertTrue(assertThrows(ConfigException.class, () -> parser.parse("f.yaml", ""))
            .getMessage().contains("no connector"));
    }

    @Test
    void defaultsFillWhatIsNotWritten()
    {
        final ConnectorConfig config = parser.parse("g.yaml", """
            name: gen
            source: { generator: { rate: 5 } }
            to: { topic: readings }
            """).get(0);
        assertEquals(5.0, config.settings().number("rate"));
        assertEquals(10, config.settings().integer("sensors"));
        assertEquals(new BlockConfigs.Batching(500, Duration.ofMillis(100)), config.batching());
        assertEquals(5, config.retry().maxAttempts());
        assertEquals(1, config.to().partitions());
    }

    @Test
    void envSubstitutionCoercesToTheFieldType()
    {
        final ConnectorFileParser withPort = new ConnectorFileParser(TYPES, Map.of("PORT", "9091"));
        final ConnectorConfig config = withPort.parse("h.yaml", """
            name: hook
            source: { http_server: { address: 127.0.0.1, port: "${PORT}", path: /in } }
            to: { topic: hooks }
            """).get(0);
        assertEquals(9091, config.settings().integer("port"));
    }
}
