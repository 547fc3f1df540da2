package io.tributary.connect;

import io.tributary.connect.source.GeneratorSource;
import io.tributary.connect.spec.ComponentSpec;
import io.tributary.connect.spec.Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectorTypesTest
{
    @TempDir
    Path dir;

    @Test
    void twoTypesOfOneKindWithOneNameAreRefused()
    {
        final SourceConnectorType impostor = new SourceConnectorType()
        {
            public ComponentSpec spec()
            {
                return ComponentSpec.of("generator", "not the real one");
            }

            public SourceConnector create(final Settings settings)
            {
                throw new UnsupportedOperationException();
            }
        };
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> new ConnectorTypes(List.of(new GeneratorSource.Type(), impostor), List.of()));
        assertTrue(ex.getMessage().startsWith("two source connector types are named 'generator'"), ex.getMessage());
    }

    @Test
    void anEmptyPluginPathAddsNothingAndOneThatIsNotADirectoryIsRefused()
    {
        assertEquals(ConnectorTypes.load().sources().keySet(), ConnectorTypes.load(dir).sources().keySet());
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> ConnectorTypes.load(dir.resolve("missing")));
        assertEquals("plugin path " + dir.resolve("missing") + " is not a directory", ex.getMessage());
    }
}
