package io.tributary.ops;

import io.tributary.connect.cdc.LogSchemaHistory;
import io.tributary.connect.runtime.SourcePositions;
import io.tributary.connect.support.Json;
import io.tributary.log.Admin;
import io.tributary.log.Consumer;
import io.tributary.log.ConsumerConfig;
import io.tributary.log.ConsumerRecord;
import io.tributary.log.Deserializer;
import io.tributary.log.TopicPartition;
import io.tributary.testing.MariaDbServer;
import io.tributary.testing.PostgresServer;
import io.tributary.testing.TestCluster;
import io.tributary.testing.TransactionSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code tributary connector run} of a {@code postgres_cdc} or {@code mariadb_cdc} connector, in a JVM of its own, is
 * SIGKILLed during a burst of inserts and updates and started again: every change arrives exactly once (duplicates
 * counted, zero expected), because Debezium's offsets are appended atomically with the change events, the
 * replication slot only moves past changes the log holds, and MariaDB's schema history is in the cluster before any
 * change after it. {@code connector delete} then forgets what the connector stored.
 */
@Tag("fault")
@Timeout(600)
class CdcKillIT
{
    private static final int ROWS = 6000;
    private static final String TOPIC = "kill.public.readings";
    private static final String MARIADB_TOPIC = "kill.plant.readings";

    private TestCluster cluster;
    private PostgresServer postgres;
    private MariaDbServer mariadb;
    private Path dir;
    private ConnectorProcesses connectors;

    @BeforeEach
    void start() throws IOException
    {
        cluster = TestCluster.start(1);
        dir = Files.createTempDirectory("tributary-cdc-kill-");
        connectors = new ConnectorProcesses(dir, cluster.members(), "384m", "1s", Duration.ofSeconds(120));
        org.junit.jupiter.api.Assumptions.assumeTrue(TransactionSupport.available(cluster.members()),
            TransactionSupport.MISSING);
    }

    @AfterEach
    void stop() throws IOException
    {
        // Slots are dropped with the server: it stops (and its data goes) below, even when a test failed.
        if (connectors != null)
        {
            connectors.close();
        }
        if (postgres != null)
        {
            postgres.close();
        }
        if (mariadb != null)
        {
            mariadb.close();
        }
        if (cluster != null)
        {
            cluster.close();
        }
        TestCluster.deleteRecursively(dir);
    }

    @Test
    void postgresEveryChangeArrivesExactlyOnceAfterTheConnectorIsKilledMidBurst() throws Exception
    {
        postgres = PostgresServer.start();
        postgres.createDatabase("plant");
        postgres.execute("postgres", "CREATE ROLE cdc LOGIN REPLICATION");
        postgres.execute("plant", "GRANT CREATE ON SCHEMA public TO cdc");
        postgres.execute("postgres", "GRANT CREATE ON DATABASE plant TO cdc");
        sql("CREATE TABLE readings (id int PRIMARY KEY, value int NOT NULL)");
        sql("INSERT INTO readings VALUES (-1, 0)");
        final Path yaml = dir.resolve("cdc.yaml");
        Files.writeString(yaml, """
            name: kill-cdc
            source:
              postgres_cdc:
                host: 127.0.0.1
                port: %d
                database: plant
                user: cdc
                tables: [public.readings]
                topic_prefix: kill
            batching: { count: 100, period: 10ms }
            """.formatted(postgres.port()));
        final Process connector = killMidBurstAndCount(yaml, TOPIC, from ->
            "INSERT INTO readings SELECT g, 0 FROM generate_series(" + from + ", " + (from + 9) + ") g", from ->
            "UPDATE readings SET value = 1 WHERE id BETWEEN " + from + " AND " + (from + 9), null, this::connect);
        connector.destroy();
        assertTrue(connector.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, slots(), "a stopped connector keeps its slot");
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int exit = TributaryCli.run(new CliContext(Map.of(CliContext.CLUSTER_ENV, cluster.members()),
            new ByteArrayInputStream(new byte[0]), new PrintWriter(out), new PrintWriter(err), false),
            "connector", "delete", "kill-cdc", "--file", yaml.toString(), "--drop-slot");
        assertEquals(0, exit, err.toString());
        assertEquals("dropped replication slot tributary_kill_cdc\nforgot the stored position of kill-cdc\n",
            out.toString());
        assertEquals(0, slots(), "delete --drop-slot dropped the slot");
        assertNull(new SourcePositions(cluster.members()).read("kill-cdc"), "the position is forgotten");
    }

    @Test
    void mariadbEveryChangeArrivesExactlyOnceAfterTheConnectorIsKilledMidBurst() throws Exception
    {
        mariadb = MariaDbServer.start();
        mariadb.createDatabase("plant");
        mariadb.execute("", "CREATE USER 'cdc'@'%' IDENTIFIED BY 'secret'",
            "GRANT SELECT, RELOAD, SHOW DATABASES, LOCK TABLES, REPLICATION SLAVE, REPLICATION CLIENT ON *.* " +
                "TO 'cdc'@'%'");
        mariadb.execute("plant", "CREATE TABLE readings (id int PRIMARY KEY, value int NOT NULL)",
            "INSERT INTO readings VALUES (-1, 0)");
        final Path yaml = dir.resolve("mariadb-cdc.yaml");
        Files.writeString(yaml, """
            name: kill-mdb
            source:
              mariadb_cdc:
                host: 127.0.0.1
                port: %d
                databases: [plant]
                user: cdc
                password: secret
                tables: [plant.readings]
                topic_prefix: kill
            batching: { count: 100, period: 10ms }
            """.formatted(mariadb.port()));
        // A column is added between the inserts and the updates: the restarted connector decodes the rows on either
        // side of it with the schema history stored in the cluster.
        final Process connector = killMidBurstAndCount(yaml, MARIADB_TOPIC, from ->
            "INSERT INTO readings SELECT seq, 0 FROM seq_" + from + "_to_" + (from + 9), from ->
            "UPDATE readings SET value = 1, note = 'x' WHERE id BETWEEN " + from + " AND " + (from + 9),
            "ALTER TABLE readings ADD COLUMN note varchar(10)", () -> DriverManager.getConnection(
                mariadb.jdbcUrl("plant", "root", null)));

        connector.destroy();
        assertTrue(connector.waitFor(60, TimeUnit.SECONDS));
        assertTrue(LogSchemaHistory.size(cluster.members(), "kill-mdb") > 0, "the schema history is stored");
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int exit = TributaryCli.run(new CliContext(Map.of(CliContext.CLUSTER_ENV, cluster.members()),
            new ByteArrayInputStream(new byte[0]), new PrintWriter(out), new PrintWriter(err), false),
            "connector", "delete", "kill-mdb", "--file", yaml.toString(), "--drop-slot");
        assertEquals(0, exit, err.toString());
        assertTrue(out.toString().startsWith("mariadb_cdc holds no replication slot") &&
            out.toString().contains("nothing to drop\nforgot the stored position of kill-mdb\n" +
                "forgot the schema history of kill-mdb ("), out.toString());
        assertNull(new SourcePositions(cluster.members()).read("kill-mdb"), "the position is forgotten");
        assertEquals(0, LogSchemaHistory.size(cluster.members(), "kill-mdb"), "the schema history is forgotten");
    }

    /**
     * Run the connector, write a burst of inserts then updates ({@value #ROWS} rows, ten per transaction) while it
     * is SIGKILLed and started again, and assert every change arrived exactly once.
     *
     * @param ddl a statement run between the inserts and the updates, or null.
     * @return the running second connector process.
     */
    private Process killMidBurstAndCount(final Path yaml, final String topic, final IntFunction<String> insert,
        final IntFunction<String> update, final String ddl, final Database database) throws Exception
    {
        Process connector = connectors.launch(yaml, "first");
        // The snapshot (the one row) is in: every later change is streamed.
        awaitCount(topic, 1);
        final CompletableFuture<Void> writer = CompletableFuture.runAsync(() ->
        {
            try (Connection c = database.connect(); Statement s = c.createStatement())
            {
                for (int from = 0; from < ROWS; from += 10)
                {
                    s.execute(insert.apply(from));
                }
                if (ddl != null)
                {
                    s.execute(ddl);
                }
                for (int from = 0; from < ROWS; from += 10)
                {
                    s.execute(update.apply(from));
                }
            }
            catch (final SQLException ex)
            {
                throw new IllegalStateException(ex);
            }
        });
        awaitCount(topic, 1500);
        connector.destroyForcibly().waitFor();
        final long atKill = endOffset(topic);
        connector = connectors.launch(yaml, "second");
        writer.get(5, TimeUnit.MINUTES);

        final int changes = 1 + 2 * ROWS;
        final Map<String, Integer> counts = awaitChanges(topic, changes);
        final long repeated = counts.values().stream().filter(c -> c > 1).count();
        System.out.println("cdc kill " + yaml.getFileName() + ": " + counts.size() + " of " + changes +
            " changes, " + atKill + " appended before the kill, " + repeated + " repeated");
        assertTrue(atKill < changes, "the kill came during the burst");
        assertEquals(changes, counts.size(), "the snapshot row and every insert and update arrived");
        assertEquals(0, repeated, "no change repeated");
        assertEquals(1, counts.get("-1/r"), "the position was kept: no second snapshot");
        return connector;
    }

    /** Opens a connection to the test's database. */
    @FunctionalInterface
    private interface Database
    {
        Connection connect() throws SQLException;
    }

    private int slots() throws SQLException
    {
        try (Connection c = connect(); Statement s = c.createStatement();
            ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_replication_slots"))
        {
            rs.next();
            return rs.getInt(1);
        }
    }

    private long endOffset(final String topic)
    {
        try (Admin admin = Admin.create(cluster.members()))
        {
            if (!admin.listTopics().contains(topic))
            {
                return 0;
            }
            final TopicPartition tp = new TopicPartition(topic, 0);
            return admin.endOffsets(List.of(tp)).get(tp);
        }
    }

    private void awaitCount(final String topic, final long count) throws InterruptedException
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (System.nanoTime() < deadline)
        {
            if (endOffset(topic) >= count)
            {
                return;
            }
            Thread.sleep(20);
        }
        fail(topic + " did not reach " + count + " records");
    }

    /**
     * @return how often each change ("id/op") was read.
     */
    private Map<String, Integer> awaitChanges(final String topic, final int expected)
    {
        final Map<String, Integer> counts = new TreeMap<>();
        final TopicPartition tp = new TopicPartition(topic, 0);
        try (Consumer<byte[], byte[]> consumer = Consumer.create(ConsumerConfig.builder().cluster(cluster.members())
            .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST).build(), Deserializer.bytes(), Deserializer.bytes()))
        {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            final long deadline = System.nanoTime() + Duration.ofSeconds(240).toNanos();
            long settle = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, settle))
            {
                for (final ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200)))
                {
                    final var change = Json.parseOrNull(r.value());
                    final int id = change.get("after").get("id").asInt();
                    counts.merge(id + "/" + change.get("op").asText(), 1, Integer::sum);
                }
                if (counts.size() >= expected && settle == Long.MAX_VALUE)
                {
                    // Read on a little: duplicates may follow the last new change.
                    settle = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                }
            }
        }
        return counts;
    }

    private void sql(final String statement) throws SQLException
    {
        try (Connection c = connect(); Statement s = c.createStatement())
        {
            s.execute(statement);
        }
    }

    private Connection connect() throws SQLException
    {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + postgres.port() + "/plant?user=cdc");
    }
}
