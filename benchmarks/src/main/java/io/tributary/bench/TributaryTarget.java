package io.tributary.bench;

import io.tributary.log.Admin;
import io.tributary.log.Consumer;
import io.tributary.log.ConsumerConfig;
import io.tributary.log.ConsumerRecord;
import io.tributary.log.Deserializer;
import io.tributary.log.NewTopic;
import io.tributary.log.Producer;
import io.tributary.log.ProducerConfig;
import io.tributary.log.ProducerRecord;
import io.tributary.log.Serializer;
import io.tributary.pipeline.Consumed;
import io.tributary.pipeline.Grouped;
import io.tributary.pipeline.KeyValue;
import io.tributary.pipeline.Pipeline;
import io.tributary.pipeline.PipelineRunner;
import io.tributary.pipeline.Produced;
import io.tributary.pipeline.RunnerConfig;
import io.tributary.pipeline.Serdes;
import io.tributary.pipeline.StartAt;
import io.tributary.pipeline.Stateful;
import io.tributary.pipeline.Topology;
import io.tributary.pipeline.Windows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Tributary through its public client API with default settings, apart from the batching a workload asks for. Sends
 * are acknowledged once the cluster has committed them (Tributary's only mode).
 */
final class TributaryTarget implements Target
{
    private final String cluster;
    private final Admin admin;

    /**
     * @param cluster members list, e.g. {@code 0=127.0.0.1:9100}.
     * @param startup how long to wait for the cluster to answer.
     */
    TributaryTarget(final String cluster, final Duration startup)
    {
        this.cluster = cluster;
        this.admin = Admin.create(cluster);
        Await.until("Tributary at " + cluster + " answers", startup, () ->
        {
            admin.listTopics();
            return true;
        });
    }

    public String name()
    {
        return "tributary";
    }

    public void createTopic(final String topic, final int partitions)
    {
        admin.createTopic(new NewTopic(topic, partitions));
    }

    public void deleteTopic(final String topic)
    {
        admin.deleteTopic(topic);
    }

    public Sender producer(final int batchSize, final Duration linger)
    {
        final Producer<byte[], byte[]> producer = Producer.create(ProducerConfig.builder()
            .cluster(cluster)
            .batchSize(batchSize)
            .maxRequestSize(Math.max(batchSize, 1024 * 1024))
            .linger(linger)
            .build(), Serializer.bytes(), Serializer.bytes());
        return new Sender()
        {
            public void send(final String topic, final byte[] key, final byte[] value, final long timestampMs,
                final Completion completion)
            {
                producer.send(new ProducerRecord<>(topic, null, key, value, timestampMs, List.of()),
                    (metadata, exception) -> completion.completed(exception));
            }

            public void flush()
            {
                producer.flush();
            }

            public void close()
            {
                producer.close();
            }
        };
    }

    public Reader consumer(final String topic)
    {
        final Consumer<byte[], byte[]> consumer = Consumer.create(ConsumerConfig.builder()
            .cluster(cluster)
            .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST)
            .fetchMaxWait(Duration.ofMillis(100))
            .build(), Deserializer.bytes(), Deserializer.bytes());
        consumer.assignAll(topic);
        consumer.seekToBeginning(consumer.assignment());
        return new Reader()
        {
            public int poll(final Duration timeout, final RecordHandler handler)
            {
                int count = 0;
                for (final ConsumerRecord<byte[], byte[]> record : consumer.poll(timeout))
                {
                    handler.onRecord(record.value(), record.timestamp());
                    count++;
                }
                return count;
            }

            public void close()
            {
                consumer.close();
            }
        };
    }

    public RunningPipeline pipeline(final PipelineWorkload.Kind kind, final String input, final String output,
        final long inputRecords)
    {
        final String name = output + "-app";
        final Pipeline p = Pipeline.create(name);
        if (kind == PipelineWorkload.Kind.FILTER_MAP)
        {
            p.stream(input, Consumed.with(Serdes.string(), Serdes.bytes()))
                .filter((k, v) -> v.length >= Long.BYTES)
                .map((k, v) -> KeyValue.of(k, v))
                .to(output, Produced.with(Serdes.string(), Serdes.bytes()));
        }
        else
        {
            p.stream(input, Consumed.with(Serdes.string(), Serdes.bytes()))
                .keyBy((k, v) -> k, Grouped.as("by-key", Serdes.string(), Serdes.bytes()))
                .window(Windows.tumbling(PipelineWorkload.WINDOW))
                .count(Stateful.named("counts"))
                .map((w, count) -> KeyValue.of(w.key() + "@" + w.end(), count))
                .to(output, Produced.with(Serdes.string(), Serdes.longs()));
        }
        final Topology topology = p.build();
        // Each record is processed once from the input and, when keyed, once more from the repartition topic.
        final long expected = kind == PipelineWorkload.Kind.FILTER_MAP ? inputRecords : 2 * inputRecords;
        final PipelineRunner runner = PipelineRunner.create(topology, RunnerConfig.of(cluster)
            .withStartAt(StartAt.beginning()));
        final AtomicReference<RuntimeException> failure = new AtomicReference<>();
        final Thread thread = new Thread(() ->
        {
            try
            {
                runner.run();
            }
            catch (final RuntimeException ex)
            {
                failure.set(ex);
            }
        }, "pipeline-" + name);
        thread.start();
        return new RunningPipeline()
        {
            public boolean started()
            {
                rethrow();
                return runner.processedRecords() > 0;
            }

            public boolean finished()
            {
                rethrow();
                return runner.processedRecords() >= expected;
            }

            private void rethrow()
            {
                if (failure.get() != null)
                {
                    throw failure.get();
                }
            }

            public void close()
            {
                runner.close();
                try
                {
                    thread.join(TimeUnit.MINUTES.toMillis(1));
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
                final List<String> internal = new ArrayList<>(topology.repartitionTopics());
                internal.addAll(topology.changelogTopics().values());
                for (final String topic : internal)
                {
                    if (admin.listTopics().contains(topic))
                    {
                        admin.deleteTopic(topic);
                    }
                }
            }
        };
    }

    public void close()
    {
        admin.close();
    }
}
