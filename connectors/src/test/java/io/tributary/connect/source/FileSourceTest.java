package io.tributary.connect.source;

import io.tributary.connect.ConnectorContext;
import io.tributary.connect.SourceRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

@Timeout(10)
class FileSourceTest
{
    private static final ConnectorContext CONTEXT =
        new ConnectorContext("f", "0=127.0.0.1:9100", new PrintWriter(new StringWriter()));

    @TempDir
    Path dir;

    @Test
    void readsCompleteLinesAndResumesAtThePositionOfTheLastOne() throws Exception
    {
        final Path file = dir.resolve("in.log");
        Files.writeString(file, "{\"a\":1}\nnot json\n{\"b\":2}\n{\"partial\"");
        final FileSource source = new FileSource(new FileSource.Config(file, true, false, Duration.ofMillis(5)));
        source.start(CONTEXT, null);
        final List<SourceRecord> first = source.poll(2, Duration.ofMillis(50));
        assertEquals(2, first.size());
        assertNull(first.get(0).failure());
        assertNotNull(first.get(1).failure());
        final String position = first.get(1).position();
        source.close();

        final FileSource resumed = new FileSource(new FileSource.Config(file, true, false, Duration.ofMillis(5)));
        resumed.start(CONTEXT, position);
        final List<SourceRecord> next = resumed.poll(10, Duration.ofMillis(50));
        assertEquals(1, next.size());
        assertEquals("{\"b\":2}", new String(next.get(0).value(), StandardCharsets.UTF_8));
        Files.writeString(file, ":3}\n", StandardOpenOption.APPEND);
        final List<SourceRecord> tail = resumed.poll(10, Duration.ofMillis(500));
        assertEquals("{\"partial\":3}", new String(tail.get(0).value(), StandardCharsets.UTF_8));
        assertEquals(Long.toString(Files.size(file)), tail.get(0).position());
        resumed.close();
    }
}
