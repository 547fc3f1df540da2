package io.tributary.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tributary connector validate} and {@code types}, without a cluster.
 */
@Timeout(30)
class ConnectorCommandTest
{
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void validateExitsZeroForAGoodFile() throws Exception
    {
        final Path file = dir.resolve("gen.yaml");
        Files.writeString(file, "name: gen\nsource: { generator: { rate: 10 } }\nto: { topic: readings }\n");
        assertEquals(0, run("connector", "validate", file.toString()), err.toString());
        assertTrue(out.toString().contains("gen (source generator) is valid"), out.toString());
    }

    @Test
    void validatePrintsEveryErrorWithFileLineColumnAndPath() throws Exception
    {
        final Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "name: gen\nsource:\n  generator: { rat: 10 }\nto: { topci: readings }\n");
        assertEquals(ConnectorCommand.INVALID, run("connector", "validate", file.toString()));
        final String errors = err.toString();
        assertTrue(errors.contains(file + ":3:16: source.generator.rat: unknown key (did you mean 'rate'?)"), errors);
        assertTrue(errors.contains(file + ":4:7: to.topci: unknown key (did you mean 'topic'?)"), errors);
        assertTrue(errors.contains("to.topic: missing required field"), errors);
    }

    @Test
    void typesListsEveryTypeWithFieldsAndDefaults()
    {
        assertEquals(0, run("connector", "types"));
        final String text = out.toString();
        for (final String type : new String[] {"source mqtt", "source http_server", "source http_poll", "source file",
            "source generator", "sink jdbc", "sink http", "sink mqtt", "sink file", "sink topic", "sink stdout"})
        {
            assertTrue(text.contains(type + " - "), type + " missing from\n" + text);
        }
        assertTrue(text.matches("(?s).*\\bqos\\s+int, default 1: .*"), text);
        assertTrue(text.matches("(?s).*\\bmax_backoff\\s+duration, default 10s: .*"), text);
    }

    private int run(final String... args)
    {
        return TributaryCli.run(new CliContext(Map.of(), new ByteArrayInputStream(new byte[0]), new PrintWriter(out),
            new PrintWriter(err), false), args);
    }
}
