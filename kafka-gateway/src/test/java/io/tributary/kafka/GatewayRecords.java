package io.tributary.kafka;

import io.tributary.log.ConsumerConfig;
import io.tributary.log.Deserializer;
import io.tributary.log.Header;
import io.tributary.log.TopicPartition;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A record as both kinds of consumer see it, and readers for each: what the gateway tests compare.
 */
record GatewayRecords(long offset, String key, String value, long timestamp, List<String> headers)
{
    static GatewayRecords of(final ConsumerRecord<byte[], byte[]> r)
    {
        final List<String> headers = new ArrayList<>();
        for (final org.apache.kafka.common.header.Header h : r.headers())
        {
            headers.add(h.key() + "=" + string(h.value()));
        }
        return new GatewayRecords(r.offset(), string(r.key()), string(r.value()), r.timestamp(), headers);
    }

    static GatewayRecords of(final io.tributary.log.ConsumerRecord<byte[], byte[]> r)
    {
        final List<String> headers = new ArrayList<>();
        for (final Header h : r.headers())
        {
            headers.add(h.key() + "=" + string(h.value()));
        }
        return new GatewayRecords(r.offset(), string(r.key()), string(r.value()), r.timestamp(), headers);
    }

    private static String string(final byte[] bytes)
    {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    static Properties kafkaConsumerProps(final String bootstrap)
    {
        final Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        props.put("key.deserializer", ByteArrayDeserializer.class.getName());
        props.put("value.deserializer", ByteArrayDeserializer.class.getName());
        props.put("enable.auto.commit", "false");
        props.put("auto.offset.reset", "earliest");
        return props;
    }

    /**
     * @return the first {@code count} records of a partition, read by a kafka-clients consumer with assign().
     */
    static List<GatewayRecords> readWithKafka(final String bootstrap, final String topic, final int partition,
        final int count)
    {
        final List<GatewayRecords> result = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(kafkaConsumerProps(bootstrap)))
        {
            final org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(topic, partition);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (result.size() < count)
            {
                if (System.nanoTime() > deadline)
                {
                    fail("kafka consumer read " + result.size() + " of " + count + " records of " + tp);
                }
                for (final ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500)))
                {
                    result.add(of(r));
                }
            }
        }
        return result;
    }

    /**
     * @return the first {@code count} records of a partition, read by Tributary's own consumer.
     */
    static List<GatewayRecords> readWithTributary(final String cluster, final String topic, final int partition,
        final int count)
    {
        final List<GatewayRecords> result = new ArrayList<>();
        try (io.tributary.log.Consumer<byte[], byte[]> consumer = io.tributary.log.Consumer.create(
            ConsumerConfig.builder().cluster(cluster).build(), Deserializer.bytes(), Deserializer.bytes()))
        {
            final TopicPartition tp = new TopicPartition(topic, partition);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (result.size() < count)
            {
                if (System.nanoTime() > deadline)
                {
                    fail("tributary consumer read " + result.size() + " of " + count + " records of " + tp);
                }
                for (final io.tributary.log.ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500)))
                {
                    result.add(of(r));
                }
            }
        }
        return result;
    }

    static List<String> headers(final String... keyValues)
    {
        return Arrays.asList(keyValues);
    }
}
