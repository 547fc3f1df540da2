package io.tributary.bench;

import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import java.time.Duration;
import java.util.List;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * Apache Kafka through kafka-clients with its documented production durability: producers {@code acks=all} with
 * idempotence (the 4.x default), topics created with the broker count as replication factor and, on three brokers,
 * {@code min.insync.replicas=2}. Everything else is the client's default, apart from the batching a workload asks
 * for. Pipelines are Kafka Streams applications with {@code processing.guarantee=exactly_once_v2} (which commits
 * every 100 ms) and its default RocksDB state stores.
 */
final class KafkaTarget implements Target
{
    private static final long TIMEOUT_S = 60;

    private final String bootstrap;
    private final short replicationFactor;
    private final AdminClient admin;

    /**
     * @param bootstrap         e.g. {@code 127.0.0.1:9092}.
     * @param replicationFactor of the topics this target creates: 1, or 3 on three brokers.
     * @param startup           how long to wait for the brokers to answer.
     */
    KafkaTarget(final String bootstrap, final int replicationFactor, final Duration startup)
    {
        this.bootstrap = bootstrap;
        this.replicationFactor = (short)replicationFactor;
        final Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        this.admin = AdminClient.create(props);
        Await.until(replicationFactor + " Kafka broker(s) at " + bootstrap + " answer", startup,
            () -> admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size() >= replicationFactor);
    }

    public String name()
    {
        return "kafka";
    }

    public void createTopic(final String topic, final int partitions)
    {
        final NewTopic newTopic = new NewTopic(topic, partitions, replicationFactor);
        if (replicationFactor >= 3)
        {
            newTopic.configs(Map.of("min.insync.replicas", "2"));
        }
        try
        {
            admin.createTopics(List.of(newTopic)).all().get(TIMEOUT_S, TimeUnit.SECONDS);
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("could not create topic " + topic, ex);
        }
        Await.until("every partition of " + topic + " has a leader", Duration.ofSeconds(TIMEOUT_S), () ->
        {
            final TopicDescription description =
                admin.describeTopics(List.of(topic)).allTopicNames().get(5, TimeUnit.SECONDS).get(topic);
            return description.partitions().size() == partitions &&
                description.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty());
        });
        // The controller names a leader before that broker serves the partition. An idempotent producer whose first
        // batch meets that window can retry it forever while later batches succeed (KAFKA-14359), so wait until
        // every leader answers for its partition.
        Await.until("every leader of " + topic + " serves it", Duration.ofSeconds(TIMEOUT_S), () ->
        {
            final Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < partitions; p++)
            {
                latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            admin.listOffsets(latest).all().get(5, TimeUnit.SECONDS);
            return true;
        });
    }

    public void deleteTopic(final String topic)
    {
        try
        {
            admin.deleteTopics(List.of(topic)).all().get(TIMEOUT_S, TimeUnit.SECONDS);
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("could not delete topic " + topic, ex);
        }
    }

    public Sender producer(final int batchSize, final Duration linger)
    {
        final Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(batchSize));
        props.put(ProducerConfig.LINGER_MS_CONFIG, Long.toString(linger.toMillis()));
        final KafkaProducer<byte[], byte[]> producer =
            new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        return new Sender()
        {
            public void send(final String topic, final byte[] key, final byte[] value, final long timestampMs,
                final Completion completion)
            {
                producer.send(new ProducerRecord<>(topic, null, timestampMs, key, value),
                    (metadata, exception) -> completion.completed(exception));
            }

            public void flush()
            {
                producer.flush();
            }

            public void close()
            {
                producer.close(Duration.ofSeconds(TIMEOUT_S));
            }
        };
    }

    public Reader consumer(final String topic)
    {
        final Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        final KafkaConsumer<byte[], byte[]> consumer =
            new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        final List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(TIMEOUT_S)).stream()
            .map((PartitionInfo p) -> new TopicPartition(p.topic(), p.partition()))
            .toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
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
                consumer.close(Duration.ofSeconds(TIMEOUT_S));
            }
        };
    }

    public RunningPipeline pipeline(final PipelineWorkload.Kind kind, final String input, final String output,
        final long inputRecords)
    {
        final String applicationId = output + "-app";
        final AtomicLong taken = new AtomicLong();
        final StreamsBuilder builder = new StreamsBuilder();
        final KStream<String, byte[]> stream = builder.stream(input, Consumed.with(Serdes.String(), Serdes.ByteArray()))
            .peek((k, v) -> taken.incrementAndGet());
        if (kind == PipelineWorkload.Kind.FILTER_MAP)
        {
            stream.filter((k, v) -> v.length >= Long.BYTES)
                .map((k, v) -> KeyValue.pair(k, v))
                .to(output, Produced.with(Serdes.String(), Serdes.ByteArray()));
        }
        else
        {
            stream.groupBy((k, v) -> k, Grouped.with("by-key", Serdes.String(), Serdes.ByteArray()))
                .windowedBy(TimeWindows.ofSizeWithNoGrace(PipelineWorkload.WINDOW))
                .count(Materialized.as("counts"))
                .toStream()
                .map((w, count) -> KeyValue.pair(w.key() + "@" + w.window().end(), count))
                .to(output, Produced.with(Serdes.String(), Serdes.Long()));
        }
        final Path stateDir;
        try
        {
            stateDir = Files.createTempDirectory("kafka-streams-");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        final Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, Short.toString(replicationFactor));
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        final KafkaStreams streams = new KafkaStreams(builder.build(), props);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        streams.setUncaughtExceptionHandler(ex ->
        {
            failure.set(ex);
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse
                .SHUTDOWN_CLIENT;
        });
        streams.start();
        return new RunningPipeline()
        {
            public boolean started()
            {
                rethrow();
                return taken.get() > 0;
            }

            public boolean finished()
            {
                rethrow();
                return committedToTheEnd(applicationId, input, inputRecords);
            }

            private void rethrow()
            {
                if (failure.get() != null)
                {
                    throw new IllegalStateException("Kafka Streams failed", failure.get());
                }
            }

            public void close()
            {
                streams.close(Duration.ofSeconds(TIMEOUT_S));
                streams.cleanUp();
                deleteTree(stateDir);
                try
                {
                    final List<String> internal = admin.listTopics().names().get(TIMEOUT_S, TimeUnit.SECONDS)
                        .stream().filter(t -> t.startsWith(applicationId + "-")).toList();
                    admin.deleteTopics(internal).all().get(TIMEOUT_S, TimeUnit.SECONDS);
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException("could not delete the internal topics of " + applicationId, ex);
                }
            }
        };
    }

    /**
     * @return true when the group has committed the whole input and every other partition it reads (the
     * repartition topic) up to its end.
     */
    private boolean committedToTheEnd(final String groupId, final String input, final long inputRecords)
    {
        try
        {
            final Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId)
                .partitionsToOffsetAndMetadata().get(TIMEOUT_S, TimeUnit.SECONDS);
            final long inputCommitted = committed.entrySet().stream()
                .filter(e -> e.getKey().topic().equals(input) && e.getValue() != null)
                .mapToLong(e -> e.getValue().offset()).sum();
            if (inputCommitted < inputRecords)
            {
                return false;
            }
            final Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            final Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
                admin.listOffsets(latest).all().get(TIMEOUT_S, TimeUnit.SECONDS);
            // A transaction's commit marker takes an offset, so the end may be one past the last record.
            return committed.entrySet().stream().allMatch(e -> e.getValue() != null &&
                e.getValue().offset() >= ends.get(e.getKey()).offset() - 1);
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("could not read the committed offsets of " + groupId, ex);
        }
    }

    private static void deleteTree(final Path dir)
    {
        try (Stream<Path> files = Files.walk(dir))
        {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    public void close()
    {
        admin.close(Duration.ofSeconds(TIMEOUT_S));
    }
}
