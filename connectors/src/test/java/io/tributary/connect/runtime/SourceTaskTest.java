package io.tributary.connect.runtime;

import io.tributary.connect.ConnectorContext;
import io.tributary.connect.SourceConnector;
import io.tributary.connect.SourceRecord;
import io.tributary.connect.config.BlockConfigs;
import io.tributary.log.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

@Timeout(10)
class SourceTaskTest
{
    private final List<List<ProducerRecord<byte[], byte[]>>> appends = new ArrayList<>();
    private final List<Duration> waits = new ArrayList<>();
    private final FakeSource source = new FakeSource();
    private final ConnectorStatus status = new ConnectorStatus();

    @Test
    void recordsAndTheLastPositionGoInOneAppendThenAreAcknowledged() throws Exception
    {
        source.next = List.of(
            SourceRecord.of(null, bytes("a"), Map.of("mqtt.topic", "plant/1"), "1", "h1"),
            SourceRecord.invalid(bytes("{bad"), "not JSON", Map.of(), "2", "h2"),
            SourceRecord.of(bytes("k"), bytes("c"), Map.of("mqtt.topic", "plant/3"), "3", "h3"));
        final SourceTask task = task(appender -> appends.add(appender), 3);

        assertEquals(3, task.runOnce());

        assertEquals(1, appends.size());
        final List<ProducerRecord<byte[], byte[]>> append = appends.get(0);
        assertEquals(4, append.size());
        assertEquals("out", append.get(0).topic());
        assertArrayEquals(bytes("plant/1"), append.get(0).key());
        assertEquals("in.dlq", append.get(1).topic());
        assertEquals("not JSON", DeadLetters.headerText(append.get(1).headers(), DeadLetters.ERROR_MESSAGE));
        assertArrayEquals(bytes("plant/3"), append.get(2).key());
        assertEquals(SourcePositions.TOPIC, append.get(3).topic());
        assertArrayEquals(bytes("in"), append.get(3).key());
        assertArrayEquals(bytes("3"), append.get(3).value());
        assertEquals(List.of("h1", "h2", "h3"), source.acked);
        assertEquals(2, status.records());
        assertEquals(1, status.deadLettered());
    }

    @Test
    void aFailedAppendIsRetriedWithBackoffAndNothingIsAcknowledgedUntilItSucceeds() throws Exception
    {
        source.next = List.of(SourceRecord.of(null, bytes("a"), Map.of(), null, "h1"));
        final int[] calls = {0};
        final SourceTask task = task(records ->
        {
            if (++calls[0] < 3)
            {
                throw new IllegalStateException("no leader");
            }
            appends.add(records);
        }, 5);

        task.runOnce();

        assertEquals(List.of(Duration.ofMillis(100), Duration.ofMillis(200)), waits);
        assertEquals(1, appends.size());
        assertEquals(1, appends.get(0).size(), "no position record when the source has none");
        assertEquals(List.of("h1"), source.acked);
        assertEquals(2, status.retries());
    }

    @Test
    void anAppendThatKeepsFailingRejectsTheBatchAndStopsTheTask()
    {
        source.next = List.of(SourceRecord.of(null, bytes("a"), Map.of(), "9", "h1"));
        final SourceTask task = task(records ->
        {
            throw new IllegalStateException("cluster down");
        }, 2);

        assertThrows(IllegalStateException.class, task::runOnce);

        assertEquals(List.of(), source.acked);
        assertEquals(List.of("h1"), source.rejected);
    }

    @Test
    void aBatchTooLargeForOneRequestGoesAsSeveralAppendsEachWithItsPosition() throws Exception
    {
        final byte[] big = new byte[400 * 1024];
        source.next = List.of(
            SourceRecord.of(null, big, Map.of(), "1", "h1"),
            SourceRecord.of(null, big, Map.of(), "2", "h2"),
            SourceRecord.of(null, big, Map.of(), "3", "h3"));
        final SourceTask task = task(appends::add, 3);

        task.runOnce();

        assertEquals(2, appends.size());
        assertEquals(3, appends.get(0).size(), "two records and position 2");
        assertArrayEquals(bytes("2"), appends.get(0).get(2).value());
        assertEquals(2, appends.get(1).size(), "one record and position 3");
        assertArrayEquals(bytes("3"), appends.get(1).get(1).value());
        assertEquals(List.of("h1", "h2", "h3"), source.acked);
    }

    private SourceTask task(final AtomicAppender appender, final int maxAttempts)
    {
        return new SourceTask("in", source, appender, new BlockConfigs.To("out", "${mqtt.topic}", 1),
            new BlockConfigs.Batching(100, Duration.ofMillis(10)),
            new BlockConfigs.Retry(maxAttempts, Duration.ofMillis(100), Duration.ofSeconds(1)), "in.dlq", status,
            waits::add);
    }

    private static byte[] bytes(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static final class FakeSource implements SourceConnector
    {
        List<SourceRecord> next = List.of();
        final List<Object> acked = new ArrayList<>();
        final List<Object> rejected = new ArrayList<>();

        public void start(final ConnectorContext context, final String position)
        {
        }

        public List<SourceRecord> poll(final int maxRecords, final Duration timeout)
        {
            final List<SourceRecord> out = next;
            next = List.of();
            return out;
        }

        public void acknowledge(final List<SourceRecord> records)
        {
            records.forEach(r -> acked.add(r.handle()));
        }

        public void reject(final List<SourceRecord> records, final Exception cause)
        {
            records.forEach(r -> rejected.add(r.handle()));
        }

        public void close()
        {
        }
    }
}
