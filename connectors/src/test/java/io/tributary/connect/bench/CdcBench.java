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
import io.tributary.testing.MariaDbServer;
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
import java.util.function.BiFunction;
import java.util.function.IntFunction;

/**
 * postgres_cdc and mariadb_cdc figures for docs/benchmarks.md, not run by default (no IT suffix): run it with
 * {@code mvn verify -pl connectors -am -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=CdcBench}.
 * One-node cluster and PostgreSQL 15 or MariaDB 10.11 on this machine. Prints changes/s from the database into a
 * topic (a burst of inserts, 1,000 rows per transaction) and, at a fixed rate, the lag from the commit to the
 * record's append time in the cluster: PostgreSQL's commit time (the {@code __source_ts_ms} header); for MariaDB,
 * whose binlog times are whole seconds, the client's clock when the commit returned.
 * {@code -Dbench.cdc.synchronous_commit=off} runs PostgreSQL as the tests do; {@code -Dbench.cdc.poll_interval_ms}
 * sets Debezium's {@code poll.interval.ms}. {@code -Dit.test=CdcBench#mariadbToTopic} runs one database only.
 */
@Timeout(900)
class CdcBench
{
    private static final int BURST_ROWS = Integer.getInteger("bench.cdc.rows", 100_000);
    private static final int RATE = Integer.getInteger("bench.cdc.rate", 1000);
    private static final int SECONDS = Integer.getInteger("bench.cdc.seconds", 20);
    private static final com.fasterxml.jackson.databind.ObjectMapper KEYS =
        new com.fasterxml.jackson.databind.ObjectMapper();

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

                burst("postgres_cdc", cluster.members(), "bench.public.burst", s, from ->
                    "INSERT INTO burst SELECT g, 's' || (g % 100), random() FROM generate_series(" + from + ", " +
                        (from + 999) + ") g");
                paced("postgres_cdc", cluster.members(), "bench.public.paced", s, (id, n) ->
                    "INSERT INTO paced SELECT g, 's' || (g % 100), random() FROM generate_series(" + id + ", " +
                        (id + n - 1) + ") g", null);
            }
            finally
            {
                runner.stop(Duration.ofSeconds(30));
                pg.execute("bench", "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots");
            }
        }
    }

    @Test
    void mariadbToTopic() throws Exception
    {
        try (TestCluster cluster = TestCluster.start(1); MariaDbServer db = MariaDbServer.start())
        {
            db.createDatabase("bench");
            db.execute("bench", "CREATE TABLE burst (id int PRIMARY KEY, sensor varchar(16), value double)",
                "CREATE TABLE paced (id int PRIMARY KEY, sensor varchar(16), value double)");
            final List<ConnectorConfig> configs = new ConnectorFileParser(ConnectorTypes.load(), Map.of())
                .parse("bench.yaml", """
                    name: bench-mariadb-cdc
                    source:
                      mariadb_cdc:
                        host: 127.0.0.1
                        port: %d
                        databases: [bench]
                        user: root
                        tables: [bench.burst, bench.paced]
                        topic_prefix: bench
                        unwrap: true
                        debezium: { "poll.interval.ms": "%s" }
                    batching: { count: 2000, period: 5ms }
                    """.formatted(db.port(), System.getProperty("bench.cdc.poll_interval_ms", "50")));
            final ConnectorRunner runner = new ConnectorRunner(configs.get(0), ConnectorTypes.load(),
                new ConnectorContext("bench-mariadb-cdc", cluster.members(), new PrintWriter(new StringWriter())))
                .start();
            try (Connection c = DriverManager.getConnection(db.jdbcUrl("bench")); Statement s = c.createStatement())
            {
                if (!runner.awaitStarted(Duration.ofMinutes(2)))
                {
                    throw new IllegalStateException(runner.status().line());
                }
                s.execute("INSERT INTO paced VALUES (-1, 'warmup', 0)");
                awaitEnd(cluster.members(), "bench.bench.paced", 1, Duration.ofMinutes(3));
                burst("mariadb_cdc", cluster.members(), "bench.bench.burst", s, from ->
                    "INSERT INTO burst SELECT seq, CONCAT('s', seq % 100), RAND() FROM seq_" + from + "_to_" +
                        (from + 999));
                // The binlog's event times are whole seconds: the lag is measured from the client's clock when the
                // commit returned instead.
                final long[] committed = new long[RATE * SECONDS];
                paced("mariadb_cdc", cluster.members(), "bench.bench.paced", s, (id, n) ->
                    "INSERT INTO paced SELECT seq, CONCAT('s', seq % 100), RAND() FROM seq_" + id + "_to_" +
                        (id + n - 1), committed);
            }
            finally
            {
                runner.stop(Duration.ofSeconds(30));
            }
        }
    }

    /**
     * Insert {@link #BURST_ROWS} rows, 1,000 per transaction, and print changes/s until all are in the topic.
     */
    private static void burst(final String type, final String cluster, final String topic, final Statement s,
        final IntFunction<String> insert) throws Exception
    {
        final long start = System.nanoTime();
        for (int from = 0; from < BURST_ROWS; from += 1000)
        {
            s.execute(insert.apply(from));
        }
        final long written = System.nanoTime();
        awaitEnd(cluster, topic, BURST_ROWS, Duration.ofMinutes(10));
        final long done = System.nanoTime();
        System.out.printf("%s burst: %,d inserts (1,000 per transaction) written in %.1f s, in the topic after " +
                "%.1f s: %,.0f changes/s%n", type, BURST_ROWS, (written - start) / 1e9, (done - start) / 1e9,
            BURST_ROWS / ((done - start) / 1e9));
    }

    /**
     * Insert {@link #RATE} rows/s for {@link #SECONDS} s (a transaction every 10 ms) and print the lag from commit
     * to append: from the source's commit time ({@code __source_ts_ms}), or with {@code committed} from the
     * client's clock when each commit returned.
     */
    private static void paced(final String type, final String cluster, final String topic, final Statement s,
        final BiFunction<Integer, Integer, String> insert, final long[] committed) throws Exception
    {
        final CompletableFuture<Histogram> lag = CompletableFuture.supplyAsync(
            () -> lag(cluster, topic, 1 + (long)RATE * SECONDS, committed));
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
            s.execute(insert.apply(id, perTransaction));
            if (committed != null)
            {
                final long now = System.currentTimeMillis();
                for (int i = id; i < id + perTransaction && i < committed.length; i++)
                {
                    committed[i] = now;
                }
            }
            id += perTransaction;
        }
        final Histogram h = lag.get(5, TimeUnit.MINUTES);
        System.out.printf("%s at %,d changes/s (%d per transaction every 10 ms) for %d s: commit -> record " +
                "appended p50 %d ms, p99 %d ms, max %d ms (%,d changes)%n", type, RATE, perTransaction, SECONDS,
            h.getValueAtPercentile(50), h.getValueAtPercentile(99), h.getMaxValue(), h.getTotalCount());
    }

    private static Histogram lag(final String cluster, final String topic, final long records,
        final long[] committedAt)
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
                    if (seen == 1)
                    {
                        continue;
                    }
                    if (committedAt != null)
                    {
                        final int id = keyId(r.key());
                        if (id >= 0 && id < committedAt.length && committedAt[id] > 0)
                        {
                            h.recordValue(Math.max(0, Math.min(60_000, r.appendTime() - committedAt[id])));
                        }
                        continue;
                    }
                    for (final Header header : r.headers())
                    {
                        if (header.key().equals("__source_ts_ms"))
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

    private static int keyId(final byte[] key)
    {
        try
        {
            return KEYS.readTree(key).get("id").asInt();
        }
        catch (final java.io.IOException ex)
        {
            return -1;
        }
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
