package io.tributary.connect.runtime;

import io.tributary.connect.ConnectorContext;
import io.tributary.connect.DeliveryException;
import io.tributary.connect.RecordConversionException;
import io.tributary.connect.SinkConnector;
import io.tributary.connect.config.BlockConfigs;
import io.tributary.connect.spec.Secrets;
import io.tributary.log.ConsumerRecord;
import io.tributary.log.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;

@Timeout(10)
class SinkDeliveryTest
{
    private final List<Duration> waits = new ArrayList<>();
    private final List<ProducerRecord<byte[], byte[]>> dead = new ArrayList<>();
    private final ConnectorStatus status = new ConnectorStatus();

    @Test
    void aRecordThatCannotBeConvertedIsDeadLetteredAndTheRestDelivered() throws Exception
    {
        final FakeSink sink = new FakeSink();
        sink.poison = r -> new String(r.value(), StandardCharsets.UTF_8).equals("bad");
        delivery(sink, 3).deliver(List.of(record(0, "a"), record(1, "bad"), record(2, "c")));

        assertEquals(List.of("a", "c"), sink.delivered);
        assertEquals(1, dead.size());
        final ProducerRecord<byte[], byte[]> letter = dead.get(0);
        assertEquals("out.dlq", letter.topic());
        assertEquals("in", DeadLetters.headerText(letter.headers(), DeadLetters.TOPIC));
        assertEquals("0", DeadLetters.headerText(letter.headers(), DeadLetters.PARTITION));
        assertEquals("1", DeadLetters.headerText(letter.headers(), DeadLetters.OFFSET));
        assertEquals(RecordConversionException.class.getName(),
            DeadLetters.headerText(letter.headers(), DeadLetters.ERROR_CLASS));
        assertEquals(List.of(), waits);
    }

    @Test
    void retriesWaitWithBackoffAndHonourRetryAfter() throws Exception
    {
        final FakeSink sink = new FakeSink();
        sink.failures.add(new DeliveryException("503", true, null));
        sink.failures.add(new DeliveryException("429", true, Duration.ofSeconds(3)));
        sink.failures.add(new java.io.IOException("reset"));
        delivery(sink, 5).deliver(List.of(record(0, "a")));

        assertEquals(List.of(Duration.ofMillis(100), Duration.ofSeconds(3), Duration.ofMillis(400)), waits);
        assertEquals(List.of("a"), sink.delivered);
        assertEquals(List.of(), dead);
    }

    @Test
    void aBatchThatKeepsFailingIsSplitSoOnlyTheFailingRecordsAreDeadLettered() throws Exception
    {
        final FakeSink sink = new FakeSink();
        sink.reject = r -> new String(r.value(), StandardCharsets.UTF_8).equals("refused");
        delivery(sink, 2).deliver(List.of(record(0, "a"), record(1, "refused"), record(2, "c")));

        assertEquals(List.of("a", "c"), sink.delivered);
        assertEquals(1, dead.size());
        assertEquals("1", DeadLetters.headerText(dead.get(0).headers(), DeadLetters.OFFSET));
        assertEquals(DeliveryException.class.getName(),
            DeadLetters.headerText(dead.get(0).headers(), DeadLetters.ERROR_CLASS));
    }

    @Test
    void aFailureNamingACredentialShowsItMaskedInTheStatusAndTheDeadLetter() throws Exception
    {
        final ConnectorStatus masked = new ConnectorStatus(Secrets.none().with(List.of("hunter2-pw")));
        final FakeSink sink = new FakeSink();
        sink.failures.add(new DeliveryException("503 from http://svc:hunter2-pw@127.0.0.1/x", true, null));
        sink.failures.add(new DeliveryException("401 for https://api.invalid/hook?api_key=k-123456&x=1 with " +
            "password hunter2-pw", false, null));
        new SinkDelivery("out", sink, new BlockConfigs.Retry(3, Duration.ofMillis(100), Duration.ofSeconds(5)),
            "out.dlq", dead::addAll, masked, waits::add).deliver(List.of(record(0, "a")));

        assertEquals("io.tributary.connect.DeliveryException: 503 from http://svc:***@127.0.0.1/x",
            masked.lastError());
        assertEquals(1, dead.size());
        assertEquals("401 for https://api.invalid/hook?api_key=***&x=1 with password ***",
            DeadLetters.headerText(dead.get(0).headers(), DeadLetters.ERROR_MESSAGE));
    }

    private SinkDelivery delivery(final SinkConnector sink, final int maxAttempts)
    {
        return new SinkDelivery("out", sink, new BlockConfigs.Retry(maxAttempts, Duration.ofMillis(100),
            Duration.ofSeconds(5)), "out.dlq", dead::addAll, status, waits::add);
    }

    private static ConsumerRecord<byte[], byte[]> record(final long offset, final String value)
    {
        return new ConsumerRecord<>("in", 0, offset, 0L, 0L, null, value.getBytes(StandardCharsets.UTF_8), List.of());
    }

    private static final class FakeSink implements SinkConnector
    {
        final List<String> delivered = new ArrayList<>();
        final List<Exception> failures = new ArrayList<>();
        Predicate<ConsumerRecord<byte[], byte[]>> poison = r -> false;
        Predicate<ConsumerRecord<byte[], byte[]>> reject = r -> false;

        public void start(final ConnectorContext context)
        {
        }

        public void deliver(final List<ConsumerRecord<byte[], byte[]>> records) throws Exception
        {
            for (final ConsumerRecord<byte[], byte[]> r : records)
            {
                if (poison.test(r))
                {
                    throw new RecordConversionException(r, "not JSON");
                }
            }
            if (!failures.isEmpty())
            {
                throw failures.remove(0);
            }
            if (records.stream().anyMatch(reject))
            {
                throw new DeliveryException("400 Bad Request", false, null);
            }
            records.forEach(r -> delivered.add(new String(r.value(), StandardCharsets.UTF_8)));
        }

        public void close()
        {
        }
    }
}
