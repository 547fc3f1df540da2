package io.tributary.connect.cdc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.connect.runtime.ConnectorRunner;
import io.tributary.log.Admin;
import io.tributary.log.Consumer;
import io.tributary.log.ConsumerConfig;
import io.tributary.log.ConsumerRecord;
import io.tributary.log.Deserializer;
import io.tributary.log.Header;
import io.tributary.log.TopicPartition;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Reads a CDC topic (one partition) from its start: the records as change events with their JSON parsed.
 */
final class ChangeLog
{
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ChangeLog()
    {
    }

    /**
     * One record of a CDC topic.
     *
     * @param offset  its offset.
     * @param key     the key JSON.
     * @param value   the value JSON, or null for a tombstone.
     * @param headers its headers.
     */
    record Change(long offset, JsonNode key, JsonNode value, List<Header> headers)
    {
        String header(final String name)
        {
            return headers.stream().filter(h -> h.key().equals(name)).findFirst()
                .map(h -> new String(h.value(), StandardCharsets.UTF_8)).orElse(null);
        }

        long id()
        {
            return key.get("id").asLong();
        }

        String op()
        {
            return value == null ? "tombstone" : value.get("op").asText();
        }
    }

    /**
     * Read the topic until {@code done} holds for what was read, or fail after {@code timeout}.
     */
    static List<Change> readUntil(final ConnectorRunner runner, final String cluster, final String topic,
        final Predicate<List<Change>> done, final Duration timeout)
    {
        final TopicPartition tp = new TopicPartition(topic, 0);
        final List<Change> changes = new ArrayList<>();
        try (Consumer<byte[], byte[]> consumer = Consumer.create(ConsumerConfig.builder().cluster(cluster)
            .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST).build(), Deserializer.bytes(), Deserializer.bytes()))
        {
            final long deadline = System.nanoTime() + timeout.toNanos();
            awaitTopic(runner, cluster, topic, deadline);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            while (!done.test(changes))
            {
                failIfStopped(runner);
                if (System.nanoTime() > deadline)
                {
                    throw new AssertionError("after " + timeout.toSeconds() + " s " + topic + " holds " +
                        changes.size() + " records, not yet what the test waits for");
                }
                for (final ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500)))
                {
                    changes.add(new Change(r.offset(), parse(r.key()), r.value() == null ? null : parse(r.value()),
                        r.headers()));
                }
            }
        }
        return changes;
    }

    private static void failIfStopped(final ConnectorRunner runner)
    {
        if (runner.done().isDone())
        {
            throw new AssertionError("the connector stopped: " + runner.status().line());
        }
    }

    private static void awaitTopic(final ConnectorRunner runner, final String cluster, final String topic,
        final long deadline)
    {
        try (Admin admin = Admin.create(cluster))
        {
            while (!admin.listTopics().contains(topic))
            {
                failIfStopped(runner);
                if (System.nanoTime() > deadline)
                {
                    throw new AssertionError("topic " + topic + " was never created");
                }
                sleep();
            }
        }
    }

    static JsonNode parse(final byte[] json)
    {
        try
        {
            return MAPPER.readTree(json);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static void sleep()
    {
        try
        {
            Thread.sleep(500);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", ex);
        }
    }
}
