package io.tributary.connect.sink;

import io.tributary.connect.ConnectorContext;
import io.tributary.connect.SinkConnector;
import io.tributary.connect.SinkConnectorType;
import io.tributary.connect.spec.ComponentSpec;
import io.tributary.connect.spec.FieldSpec;
import io.tributary.connect.spec.FieldType;
import io.tributary.connect.spec.Settings;
import io.tributary.log.ConsumerRecord;
import io.tributary.log.Producer;
import io.tributary.log.ProducerConfig;
import io.tributary.log.ProducerRecord;
import io.tributary.log.Serializer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Copies records into another topic of the same cluster, keys, values, timestamps and headers kept, partitioned by
 * key. Not thread-safe: used by the runner thread.
 */
public final class TopicSink implements SinkConnector
{
    /** The {@code topic} sink type. */
    public static final class Type implements SinkConnectorType
    {
        private static final ComponentSpec SPEC = ComponentSpec.of("topic",
            "Writes records into another topic (keys, values, timestamps and headers kept).",
            FieldSpec.required("topic", FieldType.STRING, "the target topic", "readings-copy"));

        public ComponentSpec spec()
        {
            return SPEC;
        }

        public SinkConnector create(final Settings s)
        {
            return new TopicSink(s.string("topic"));
        }
    }

    private final String topic;
    private Producer<byte[], byte[]> producer;

    TopicSink(final String topic)
    {
        this.topic = topic;
    }

    public void start(final ConnectorContext context)
    {
        producer = Producer.create(ProducerConfig.builder().cluster(context.cluster()).build(), Serializer.bytes(),
            Serializer.bytes());
    }

    public void deliver(final List<ConsumerRecord<byte[], byte[]>> records) throws Exception
    {
        final List<CompletableFuture<?>> sent = new ArrayList<>(records.size());
        for (final ConsumerRecord<byte[], byte[]> r : records)
        {
            sent.add(producer.send(new ProducerRecord<>(topic, null, r.key(), r.value(), r.timestamp(), r.headers())));
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    }

    public void close()
    {
        if (producer != null)
        {
            producer.close();
        }
    }
}
