package io.tributary.connect.config;

import io.tributary.connect.ConnectorTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Every example connector file in {@code examples/connectors} validates, and together they cover every type.
 */
@Timeout(30)
class ExamplesTest
{
    private static final Path EXAMPLES = Path.of("..", "examples", "connectors");

    @Test
    void everyExampleValidatesAndEveryTypeHasOne() throws IOException
    {
        final ConnectorTypes types = ConnectorTypes.load();
        final ConnectorFileParser parser = new ConnectorFileParser(types, Map.of(
            "WEBHOOK_SECRET", "x", "API_TOKEN", "x", "PGPASSWORD", "x", "HOOK_TOKEN", "x", "MARIADB_PASSWORD", "x"));
        final Set<String> sources = new TreeSet<>();
        final Set<String> sinks = new TreeSet<>();
        final List<Path> files;
        try (Stream<Path> list = Files.list(EXAMPLES))
        {
            files = list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertFalse(files.isEmpty());
        for (final Path file : files)
        {
            for (final ConnectorConfig config : parser.parse(file))
            {
                (config.kind() == ConnectorConfig.Kind.SOURCE ? sources : sinks).add(config.type());
            }
        }
        assertEquals(types.sources().keySet(), sources);
        assertEquals(types.sinks().keySet(), sinks);
    }
}
