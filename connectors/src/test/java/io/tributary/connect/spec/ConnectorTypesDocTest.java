package io.tributary.connect.spec;

import io.tributary.connect.ConnectorTypes;
import io.tributary.connect.config.SharedBlocks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * docs/connector-types.md is generated from the specs and must match them. To regenerate it after changing a spec,
 * run this test with {@code -Dtributary.docs.write=true}.
 */
@Timeout(10)
class ConnectorTypesDocTest
{
    private static final Path DOC = Path.of("..", "docs", "connector-types.md");

    @Test
    void theDocMatchesTheSpecs() throws IOException
    {
        final String expected = generate();
        if (Boolean.getBoolean("tributary.docs.write"))
        {
            Files.writeString(DOC, expected);
        }
        assertEquals(expected, Files.exists(DOC) ? Files.readString(DOC) : "",
            DOC + " is stale: rerun this test with -Dtributary.docs.write=true");
    }

    static String generate()
    {
        final ConnectorTypes types = ConnectorTypes.load();
        final StringBuilder sb = new StringBuilder("""
            # Connector types

            Generated from the connector specs by `ConnectorTypesDocTest` (connectors module); `tributary connector
            types` prints the same. Durations are written `100ms`, `10s`, `5m`, `1h`; sizes `1048576`, `64KB`, `10MB`.
            Any value may use `${ENV_VAR}`.

            ## Sources

            """);
        types.sources().forEach((name, type) -> sb.append(SpecDocs.markdown("source: `" + name + "`", type.spec())));
        sb.append("## Sinks\n\n");
        types.sinks().forEach((name, type) -> sb.append(SpecDocs.markdown("sink: `" + name + "`", type.spec())));
        sb.append("## Shared blocks\n\n");
        SharedBlocks.ALL.forEach(spec -> sb.append(SpecDocs.markdown("`" + spec.name() + "`", spec)));
        return sb.toString();
    }
}
