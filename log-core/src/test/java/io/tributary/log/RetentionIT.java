package io.tributary.log;

import io.tributary.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Retention by time and by size deletes whole closed segments on the cluster's timer: the start offset moves, disk
 * use falls, readers before the start follow their reset policy, a restarted node agrees, and configs changed on a
 * running topic take effect.
 */
@Timeout(300)
class RetentionIT
{
    /** Makes each value about 100 bytes. */
    private static final String PADDING = "x".repeat(92) + "-";
    private static TestCluster cluster;
    private static String members;

    @BeforeAll
    static void startCluster()
    {
        cluster = TestCluster.start(1, List.of("--retention-check-interval-ms", "500"));
        members = cluster.members();
    }

    @AfterAll
    static void stopCluster()
    {
        if (cluster != null)
        {
            cluster.close();
        }
    }

    @Test
    void recordsPastRetentionMsAreDeletedAndReadersFollowTheirResetPolicy() throws Exception
    {
        create("aging", Map.of("retention.ms", "3000", "segment.ms", "1000", "segment.bytes", "65536"));
        Records.produce(members, "aging", "old-" + PADDING, 3_000, 10);
        final long written = diskUse("aging-0");
        assertTrue(written > 300_000, "about 375 KB written: " + written);

        await("every record aged out", () -> start("aging") == 3_000);
        assertEquals(3_000, end("aging"));
        assertTrue(diskUse("aging-0") < written / 2, "disk use fell: " + diskUse("aging-0"));

        final TopicPartition tp = new TopicPartition("aging", 0);
        try (Consumer<String, String> strict = Consumer.create(ConsumerConfig.builder()
            .cluster(members).autoOffsetReset(ConsumerConfig.OffsetReset.NONE).build()))
        {
            strict.assign(List.of(tp));
            strict.seek(tp, 0);
            final TributaryException ex = assertThrows(TributaryException.class, () ->
            {
                for (int i = 0; i < 20; i++)
                {
                    strict.poll(Duration.ofMillis(200));
                }
            });
            assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE, ex.errorCode());
        }

        Records.produce(members, "aging", "new-" + PADDING, 10, 10);
        try (Consumer<String, String> forgiving = Consumer.create(ConsumerConfig.builder()
            .cluster(members).autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST).build()))
        {
            forgiving.assign(List.of(tp));
            forgiving.seek(tp, 0);
            final ConsumerRecord<String, String> first = forgiving.poll(Duration.ofSeconds(5)).iterator().next();
            assertEquals(3_000, first.offset(), "reset to the new start");
            assertEquals("new-" + PADDING + "0", first.value());
        }

        cluster.kill(0);
        cluster.restart(0);
        cluster.awaitLeader(Duration.ofSeconds(60));
        // Replaying the log repeats every deletion; by now the ten new records may have aged out as well.
        final long restartedStart = start("aging");
        assertTrue(restartedStart == 3_000 || restartedStart == 3_010, "start after restart: " + restartedStart);
        assertEquals(3_010, end("aging"));
    }

    @Test
    void retentionBytesKeepsAPartitionUnderItsSizeByWholeSegments() throws Exception
    {
        create("sized", Map.of("retention.bytes", "200000", "segment.bytes", "65536"));
        Records.produce(members, "sized", "r-" + PADDING, 8_000, 10);
        await("oldest segments deleted", () -> start("sized") > 0);
        TestCluster.sleep(1500);
        final long kept = end("sized") - start("sized");
        // A record takes its ~100-byte value and some 30 bytes of key and framing.
        assertTrue(kept * 100 <= 200_000 + 65_536, "kept " + kept + " records");
        assertTrue(kept * 140 >= 200_000 - 65_536, "but no more than needed deleted: " + kept);
        final List<ConsumerRecord<String, String>> left = Records.readAll(members, "sized");
        assertEquals(kept, left.size());
        assertEquals("r-" + PADDING + "7999", left.get(left.size() - 1).value());
    }

    @Test
    void configsChangedOnARunningTopicTakeEffect() throws Exception
    {
        create("kept", Map.of("retention.ms", "-1", "segment.ms", "1000", "segment.bytes", "65536"));
        Records.produce(members, "kept", "k-", 1_000, 10);
        TestCluster.sleep(3_000);
        assertEquals(0, start("kept"), "-1 keeps forever");

        try (Admin admin = Admin.create(members))
        {
            admin.alterTopicConfigs("kept", Map.of("retention.ms", "1000"));
            assertEquals("1000", admin.describeTopic("kept").configs().get("retention.ms"));
            assertEquals("1000", admin.describeTopic("kept").configs().get("segment.ms"), "others unchanged");
            final TributaryException bad = assertThrows(TributaryException.class,
                () -> admin.alterTopicConfigs("kept", Map.of("retention.mss", "1")));
            assertEquals(ErrorCode.INVALID_CONFIG, bad.errorCode());
            assertEquals(ErrorCode.UNKNOWN_TOPIC, assertThrows(TributaryException.class,
                () -> admin.alterTopicConfigs("nope", Map.of("retention.ms", "1"))).errorCode());
        }
        await("records deleted after the change", () -> start("kept") == 1_000);
    }

    private static void create(final String topic, final Map<String, String> configs)
    {
        try (Admin admin = Admin.create(members))
        {
            admin.createTopic(new NewTopic(topic, 1, configs));
        }
    }

    private static long start(final String topic)
    {
        try (Admin admin = Admin.create(members))
        {
            return admin.describeTopic(topic).partitions().get(0).startOffset();
        }
    }

    private static long end(final String topic)
    {
        try (Admin admin = Admin.create(members))
        {
            return admin.describeTopic(topic).partitions().get(0).endOffset();
        }
    }

    /**
     * @return bytes the partition's files take on disk (sparse preallocation not counted).
     */
    private static long diskUse(final String partitionDir) throws IOException, InterruptedException
    {
        final Path dir = cluster.dataDir(0).resolve("log").resolve(partitionDir);
        final Process du = new ProcessBuilder("du", "-sk", dir.toString()).start();
        final String out = new String(du.getInputStream().readAllBytes()).trim();
        du.waitFor();
        return Long.parseLong(out.split("\\s+")[0]) * 1024;
    }

    private static void await(final String what, final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("timed out waiting until " + what);
            }
            TestCluster.sleep(200);
        }
    }
}
