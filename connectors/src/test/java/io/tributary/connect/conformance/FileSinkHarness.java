package io.tributary.connect.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import io.tributary.connect.support.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The file sink writing JSON lines to a file of this harness.
 */
final class FileSinkHarness implements ConnectorHarness
{
    private final Path file;

    FileSinkHarness(final ConformanceEnv env) throws IOException
    {
        file = Files.createTempDirectory(env.dir(), "sink-").resolve("out.jsonl");
    }

    public String type()
    {
        return "file";
    }

    public boolean source()
    {
        return false;
    }

    public String block(final String name)
    {
        return "{ path: \"" + file + "\", max_bytes: 1MB }";
    }

    public String[] badBlock()
    {
        return new String[] {"{ path: /tmp/x, max_bytes: lots }", "sink.file.max_bytes"};
    }

    public String poisonError()
    {
        return "value is not UTF-8 text";
    }

    /**
     * @return bytes that are not UTF-8 (a lone continuation byte), which cannot be written as text without loss.
     */
    public byte[] poisonValue()
    {
        return new byte[] {'{', (byte) 0x80, '}'};
    }

    public List<Integer> delivered() throws IOException
    {
        final List<Integer> ids = new ArrayList<>();
        if (Files.exists(file))
        {
            for (final String line : Files.readAllLines(file))
            {
                final JsonNode node = Json.parseOrNull(line.getBytes(StandardCharsets.UTF_8));
                ids.add(node.get("value").get("id").asInt());
            }
        }
        return ids;
    }
}
