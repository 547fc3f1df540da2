package io.tributary.examples;

import io.tributary.log.Admin;
import io.tributary.log.Consumer;
import io.tributary.log.ConsumerConfig;
import io.tributary.log.ConsumerRecord;
import io.tributary.log.NewTopic;
import io.tributary.log.PartitionInfo;
import io.tributary.log.Producer;
import io.tributary.log.ProducerConfig;
import io.tributary.log.ProducerRecord;
import io.tributary.log.RecordMetadata;
import io.tributary.log.TopicDescription;
import io.tributary.log.internal.FileTrees;
import io.tributary.log.internal.cluster.ClusterMembers;
import io.tributary.log.internal.cluster.TributaryNode;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The quick-start demo: an embedded single-node cluster, a topic, 10,000 keyed orders written and read back with a
 * consumer group, then everything stopped and removed.
 */
public final class QuickstartDemo
{
    private static final String TOPIC = "orders";
    private static final int RECORDS = 10_000;

    private QuickstartDemo()
    {
    }

    /**
     * Run the demo.
     *
     * @param out     where to narrate.
     * @param members the single node to run, e.g. {@link ClusterMembers#DEFAULT}.
     */
    public static void run(final PrintWriter out, final String members) throws IOException
    {
        final Path dataDir = Files.createTempDirectory("tributary-demo-");
        say(out, "starting an embedded node " + members + " with data in " + dataDir);
        try (TributaryNode node = TributaryNode.launch(new TributaryNode.Context()
            .members(ClusterMembers.parse(members))
            .dataDir(dataDir)))
        {
            try (Admin admin = Admin.create(members))
            {
                admin.createTopic(new NewTopic(TOPIC, 4, Map.of("retention.ms", "86400000")));
                say(out, "created topic '" + TOPIC + "' with 4 partitions, retention 24 h");
            }

            final long start = System.nanoTime();
            try (Producer<String, String> producer = Producer.create(ProducerConfig.builder().cluster(members).build()))
            {
                final List<CompletableFuture<RecordMetadata>> acks = new ArrayList<>();
                for (int i = 0; i < RECORDS; i++)
                {
                    final String customer = "customer-" + (i % 100);
                    acks.add(producer.send(ProducerRecord.of(TOPIC, customer, "{\"order\":" + i + ",\"amount\":" +
                        (i % 97) + "}")));
                }
                producer.flush();
                final RecordMetadata last = acks.get(acks.size() - 1).join();
                sayf(out, "produced %,d records in %d ms; the last went to partition %d at offset %d%n",
                    RECORDS, Duration.ofNanos(System.nanoTime() - start).toMillis(), last.partition(), last.offset());
            }

            try (Consumer<String, String> consumer = Consumer.create(ConsumerConfig.builder()
                .cluster(members)
                .groupId("demo-readers")
                .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST)
                .build()))
            {
                consumer.assignAll(TOPIC);
                int read = 0;
                final List<ConsumerRecord<String, String>> firstOfEach = new ArrayList<>();
                final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (read < RECORDS && System.nanoTime() < deadline)
                {
                    for (final ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500)))
                    {
                        if (record.offset() == 0)
                        {
                            firstOfEach.add(record);
                        }
                        read++;
                    }
                }
                consumer.commitSync();
                sayf(out, "consumed %,d records as group 'demo-readers' and committed their offsets%n", read);
                firstOfEach.sort(Comparator.comparingInt(ConsumerRecord::partition));
                for (final ConsumerRecord<String, String> record : firstOfEach)
                {
                    sayf(out, "  partition %d offset %d key %s value %s%n",
                        record.partition(), record.offset(), record.key(), record.value());
                }
            }

            try (Admin admin = Admin.create(members))
            {
                final TopicDescription description = admin.describeTopic(TOPIC);
                for (final PartitionInfo partition : description.partitions())
                {
                    sayf(out, "partition %d holds offsets %d..%d, group demo-readers committed %d%n",
                        partition.partition(), partition.startOffset(), partition.endOffset() - 1,
                        admin.committedOffsets("demo-readers").get(
                            new io.tributary.log.TopicPartition(TOPIC, partition.partition())));
                }
            }
            say(out, "stopping the node");
        }
        finally
        {
            FileTrees.deleteRecursively(dataDir);
        }
        say(out, "done");
    }

    private static void say(final PrintWriter out, final String line)
    {
        out.println(line);
        out.flush();
    }

    private static void sayf(final PrintWriter out, final String format, final Object... args)
    {
        out.printf(format, args);
        out.flush();
    }

    public static void main(final String[] args) throws IOException
    {
        run(new PrintWriter(System.out, true), args.length > 0 ? args[0] : ClusterMembers.DEFAULT);
    }
}
