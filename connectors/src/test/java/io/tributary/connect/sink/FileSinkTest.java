package io.tributary.connect.sink;

import io.tributary.connect.ConnectorContext;
import io.tributary.connect.RecordConversionException;
import io.tributary.log.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class FileSinkTest
{
    @TempDir
    Path dir;

    @Test
    void writesJsonLinesAndRotatesBySize() throws Exception
    {
        final Path file = dir.resolve("out.jsonl");
        final FileSink sink = new FileSink(file, 300, 2);
        sink.start(new ConnectorContext("f", "0=127.0.0.1:9100", new PrintWriter(new StringWriter())));
        final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 10; i++)
        {
            records.add(new ConsumerRecord<>("t", 0, i, 0L, 0L, null,
                ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8), List.of()));
        }
        sink.deliver(records);
        sink.close();

        assertTrue(Files.exists(dir.resolve("out.jsonl.1")));
        assertTrue(Files.exists(dir.resolve("out.jsonl.2")));
        assertFalse(Files.exists(dir.resolve("out.jsonl.3")));
        for (final String name : List.of("out.jsonl", "out.jsonl.1", "out.jsonl.2"))
        {
            assertTrue(Files.size(dir.resolve(name)) <= 300, name);
        }
        final List<String> last = Files.readAllLines(file);
        assertTrue(last.get(last.size() - 1).contains("\"offset\":9"), last.toString());
        assertTrue(last.get(last.size() - 1).contains("\"value\":{\"n\":9}"), last.toString());
    }

    @Test
    void aValueThatIsNotUtf8IsNamedAndNothingOfTheBatchIsWritten() throws Exception
    {
        final Path file = dir.resolve("out.jsonl");
        final FileSink sink = new FileSink(file, 1 << 20, 2);
        sink.start(new ConnectorContext("f", "0=127.0.0.1:9100", new PrintWriter(new StringWriter())));
        final ConsumerRecord<byte[], byte[]> bad = new ConsumerRecord<>("t", 0, 1, 0L, 0L, null,
            new byte[] {'{', (byte) 0x80, '}'}, List.of());
        final List<ConsumerRecord<byte[], byte[]>> batch = List.of(
            new ConsumerRecord<>("t", 0, 0, 0L, 0L, null, "{\"n\":0}".getBytes(StandardCharsets.UTF_8), List.of()),
            bad);
        final RecordConversionException ex = assertThrows(RecordConversionException.class, () -> sink.deliver(batch));
        assertSame(bad, ex.record());
        assertTrue(ex.getMessage().contains("not UTF-8"), ex.getMessage());
        assertEquals(0, Files.size(file), "the batch is checked before any of it is written");
        sink.close();
    }
}
