package io.tributary.connect.bench;

import io.tributary.connect.ConnectorContext;
import io.tributary.connect.ConnectorTypes;
import io.tributary.connect.config.ConnectorConfig;
import io.tributary.connect.config.ConnectorFileParser;
import io.tributary.connect.runtime.ConnectorRunner;
import io.tributary.log.Admin;
import io.tributary.log.Consumer;
import io.tributary.log.ConsumerConfig;
import io.tributary.log.ConsumerRecord;
import io.tributary.log.Deserializer;
import io.tributary.log.Header;
import io.tributary.log.TopicPartition;
import io.tributary.testing.PostgresServer;
import io.tributary.testing.TestCluster;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * postgres_cdc figures for docs/benchmarks.md, not run by default (no IT suffix): run it with
 * {@code mvn verify -pl connectors -am -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=CdcBench}.
 * One-node cluster and PostgreSQL 15 on this machine. Prints changes/s from PostgreSQL into a topic (a burst of
 * inserts, 1,000 rows per transaction) and, at a fixed rate, the lag from PostgreSQL's commit time (the
 * {@code __source_ts_ms} header) to the record's append time in the cluster. {@code -Dbench.cdc.synchronous_commit=off}
 * runs PostgreSQL as the tests do; {@code -Dbench.cdc.poll_interval_ms} sets Debezium's {@code poll.interval.ms}.
 */
@Timeout(900)
class CdcBench
{
    private static final int BURST_ROWS = Integer.getInteger("bench.cdc.rows", 100_000);
    private static final int RATE = Integer.getInteger("bench.cdc.rate", 1000);
    private static final int SECONDS = Integer.getInteger("bench.cdc.seconds", 20);

    @Test
    void postgresToTopic() throws Exception
    {
        // PostgreSQL's default synchronous_commit=on: with off (the test servers' setting) the WAL sender waits for
        // the WAL writer (wal_writer_delay, 200 ms), which would dominate the lag.
        try (TestCluster cluster = TestCluster.start(1);
            PostgresServer pg = PostgresServer.start(List.of("synchronous_commit = " +
                System.getProperty("bench.cdc.synchronous_commit", "on"))))
        {
            pg.createDatabase("bench");
            pg.execute("bench", "CREATE TABLE burst (id int PRIMARY KEY, sensor text, value double precision)");
            pg.execute("bench", "CREATE TABLE paced (id int PRIMARY KEY, sensor text, value double precision)");
            final List<ConnectorConfig> configs = new ConnectorFileParser(ConnectorTypes.load(), Map.of())
                .parse("bench.yaml", """
                    name: bench-cdc
                    source:
                      postgres_cdc:
                        host: 127.0.0.1
                        port: %d
                        database: bench
                        user: postgres
                        tables: [public.burst, public.paced]
                        topic_prefix: bench
                        unwrap: true
                        debezium: { "poll.interval.ms": "%s" }
                    batching: { count: 2000, period: 5ms }
                    """.formatted(pg.port(), System.getProperty("bench.cdc.poll_interval_ms", "50")));
            final ConnectorRunner runner = new ConnectorRunner(configs.get(0), ConnectorTypes.load(),
                new ConnectorContext("bench-cdc", cluster.members(), new PrintWriter(new StringWriter()))).start();
            try (Connection db = DriverManager.getConnection(pg.jdbcUrl("bench")); Statement s = db.createStatement())
            {
                if (!runner.awaitStarted(Duration.ofMinutes(2)))
                {
                    throw new IllegalStateException(runner.status().line());
                }
                // Streaming has begun once a row written now arrives.
                s.execute("INSERT INTO paced VALUES (-1, 'warmup', 0)");
                awaitEnd(cluster.members(), "bench.public.paced", 1, Duration.ofMinutes(3));

                final long start = System.nanoTime();
                for (int from = 0; from < BURST_ROWS; from += 1000)
                {
                    s.execute("INSERT INTO burst SELECT g, 's' || (g % 100), random() FROM generate_series(" + from +
                        ", " + (from + 999) + ") g");
                }
                final long written = System.nanoTime();
                awaitEnd(cluster.members(), "bench.public.burst", BURST_ROWS, Duration.ofMinutes(10));
                final long done = System.nanoTime();
                System.out.printf("postgres_cdc burst: %,d inserts (1,000 per transaction) written in %.1f s, in " +
                        "the topic after %.1f s: %,.0f changes/s%n", BURST_ROWS, (written - start) / 1e9,
                    (done - start) / 1e9, BURST_ROWS / ((done - start) / 1e9));

                final CompletableFuture<Histogram> lag = CompletableFuture.supplyAsync(
                    () -> lag(cluster.members(), "bench.public.paced", 1 + (long)RATE * SECONDS));
                final long periodNanos = 10_000_000L;
                final int perTransaction = Math.max(1, RATE / 100);
                final long paceStart = System.nanoTime();
                int id = 0;
                for (long tick = 0; id < RATE * SECONDS; tick++)
                {
                    final long due = paceStart + tick * periodNanos;
                    while (System.nanoTime() < due)
                    {
                        Thread.onSpinWait();
                    }
                    s.execute("INSERT INTO paced SELECT g, 's' || (g % 100), random() FROM generate_series(" + id +
                        ", " + (id + perTransaction - 1) + ") g");
                    id += perTransaction;
                }
                final Histogram h = lag.get(5, TimeUnit.MINUTES);
                System.out.printf("postgres_cdc at %,d changes/s (%d per transaction every 10 ms) for %d s: commit " +
                        "-> record appended p50 %d ms, p99 %d ms, max %d ms (%,d changes)%n", RATE, perTransaction,
                    SECONDS, h.getValueAtPercentile(50), h.getValueAtPercentile(99), h.getMaxValue(),
                    h.getTotalCount());
            }
            finally
            {
                runner.stop(Duration.ofSeconds(30));
                pg.execute("bench", "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots");
            }
        }
    }

    private static Histogram lag(final String cluster, final String topic, final long records)
    {
        final Histogram h = new Histogram(60_000, 3);
        final TopicPartition tp = new TopicPartition(topic, 0);
        try (Consumer<byte[], byte[]> consumer = Consumer.create(ConsumerConfig.builder().cluster(cluster)
            .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST).build(), Deserializer.bytes(), Deserializer.bytes()))
        {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long seen = 0;
            final long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (seen < records && System.nanoTime() < deadline)
            {
                for (final ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200)))
                {
                    seen++;
                    for (final Header header : r.headers())
                    {
                        if (header.key().equals("__source_ts_ms") && seen > 1)
                        {
                            final long committed = Long.parseLong(new String(header.value(), StandardCharsets.UTF_8));
                            h.recordValue(Math.max(0, Math.min(60_000, r.appendTime() - committed)));
                        }
                    }
                }
            }
        }
        return h;
    }

    private static void awaitEnd(final String cluster, final String topic, final long end, final Duration timeout)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        final TopicPartition tp = new TopicPartition(topic, 0);
        try (Admin admin = Admin.create(cluster))
        {
            while (System.nanoTime() < deadline)
            {
                if (admin.listTopics().contains(topic) && admin.endOffsets(List.of(tp)).get(tp) >= end)
                {
                    return;
                }
                TimeUnit.MILLISECONDS.sleep(5);
            }
        }
        throw new IllegalStateException(topic + " did not reach " + end + " records");
    }
}
