package io.tributary.ops;

import com.example.connect.CounterSourceType;
import io.tributary.connect.SourceConnectorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --plugin-path DIR}: a connector type in a jar of DIR, registered by its {@code META-INF/services} entry,
 * is known to {@code connector types} and {@code validate}; without the option it is an unknown type.
 */
@Timeout(30)
class PluginPathTest
{
    @TempDir
    Path dir;

    private StringWriter out = new StringWriter();
    private StringWriter err = new StringWriter();

    @Test
    void aTypeInAPluginJarIsListedOnlyWithPluginPath() throws Exception
    {
        final Path plugins = pluginDir();

        assertEquals(0, run("connector", "types"));
        assertFalse(out.toString().contains("source counter - "), out.toString());

        reset();
        assertEquals(0, run("connector", "types", "--plugin-path", plugins.toString()), err.toString());
        final String text = out.toString();
        assertTrue(text.contains("source counter - Counts from 0 to limit"), text);
        assertTrue(text.matches("(?s).*\\blimit\\s+int, default 10: .*"), text);
        assertTrue(text.contains("source generator - "), "built-in types are still there:\n" + text);
    }

    @Test
    void aFileUsingAPluginTypeIsUnknownWithoutPluginPathAndValidWithIt() throws Exception
    {
        final Path plugins = pluginDir();
        final Path file = dir.resolve("count.yaml");
        Files.writeString(file, "name: count\nsource: { counter: { limit: 5 } }\nto: { topic: numbers }\n");

        assertEquals(ConnectorCommand.INVALID, run("connector", "validate", file.toString()));
        final String errors = err.toString();
        assertTrue(errors.contains(file + ":2:11: source.counter: unknown source type"), errors);
        assertTrue(errors.contains("--plugin-path"), "the error says how a third-party type is found: " + errors);

        reset();
        assertEquals(0, run("connector", "validate", file.toString(), "--plugin-path", plugins.toString()),
            err.toString());
        assertTrue(out.toString().contains("count (source counter) is valid"), out.toString());
    }

    @Test
    void aPluginPathThatIsNotADirectoryIsAUsageError()
    {
        final Path missing = dir.resolve("no-such-dir");
        assertEquals(TributaryCli.USAGE, run("connector", "types", "--plugin-path", missing.toString()));
        assertTrue(err.toString().contains("plugin path " + missing + " is not a directory"), err.toString());
    }

    private Path pluginDir() throws Exception
    {
        return pluginDir(dir);
    }

    /**
     * @return {@code parent/plugins}, holding one jar: the compiled {@link CounterSourceType} (and its inner
     *         classes) and a services file naming it.
     */
    static Path pluginDir(final Path parent) throws Exception
    {
        final Path plugins = Files.createDirectories(parent.resolve("plugins"));
        final Path classes = Path.of(CounterSourceType.class.getProtectionDomain().getCodeSource().getLocation()
            .toURI());
        final Path pkg = classes.resolve("com/example/connect");
        try (OutputStream file = Files.newOutputStream(plugins.resolve("counter-connector.jar"));
            JarOutputStream jar = new JarOutputStream(file))
        {
            jar.putNextEntry(new JarEntry("META-INF/services/" + SourceConnectorType.class.getName()));
            jar.write((CounterSourceType.class.getName() + "\n").getBytes(StandardCharsets.UTF_8));
            jar.closeEntry();
            try (var entries = Files.list(pkg))
            {
                for (final Path c : entries.filter(p -> p.getFileName().toString().startsWith("CounterSourceType"))
                    .toList())
                {
                    jar.putNextEntry(new JarEntry("com/example/connect/" + c.getFileName()));
                    try (InputStream in = Files.newInputStream(c))
                    {
                        in.transferTo(jar);
                    }
                    jar.closeEntry();
                }
            }
        }
        Files.writeString(plugins.resolve("README.txt"), "not a jar: ignored");
        return plugins;
    }

    private void reset()
    {
        out = new StringWriter();
        err = new StringWriter();
    }

    private int run(final String... args)
    {
        return TributaryCli.run(new CliContext(Map.of(), new ByteArrayInputStream(new byte[0]), new PrintWriter(out),
            new PrintWriter(err), false), args);
    }
}
