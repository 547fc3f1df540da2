package io.tributary.connect.cdc;

import io.tributary.connect.ConnectorContext;
import io.tributary.connect.ConnectorTypes;
import io.tributary.connect.config.ConnectorConfig;
import io.tributary.connect.config.ConnectorFileParser;
import io.tributary.connect.runtime.ConnectorRunner;
import io.tributary.connect.runtime.SourcePositions;
import io.tributary.log.Consumer;
import io.tributary.log.ConsumerConfig;
import io.tributary.log.ConsumerRecord;
import io.tributary.log.Deserializer;
import io.tributary.log.TopicPartition;
import io.tributary.testing.MariaDbServer;
import io.tributary.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * mariadb_cdc against a real one-node cluster and a real MariaDB (Debian's 10.11) with its binlog in row format,
 * captured as a user with the replication privileges and a password (not root): snapshot then streaming, 10,000 rows
 * inserted, updated and deleted arriving complete and in commit order per key, a column added while running, a
 * restart that resumes from the stored binlog position and the schema history kept in the cluster (rows written
 * before and after a column was added while it was stopped), a schema change stored ahead of the position read
 * again on restart but not stored twice, heartbeats moving the stored position on while the captured table is
 * idle, and clear refusals of a server without a binlog or in statement format, or a user without replication
 * privileges. MariaDB starts once for the class.
 */
@Timeout(600)
class MariaDbCdcIT
{
    private static final String DB = "shop";
    private static TestCluster cluster;
    private static MariaDbServer mariadb;

    private final List<ConnectorRunner> runners = new ArrayList<>();

    @BeforeAll
    static void startServers()
    {
        cluster = TestCluster.start(1);
        mariadb = MariaDbServer.start();
        mariadb.createDatabase(DB);
        mariadb.execute("", "CREATE USER 'cdc'@'%' IDENTIFIED BY 'secret'",
            "GRANT SELECT, RELOAD, SHOW DATABASES, LOCK TABLES, REPLICATION SLAVE, REPLICATION CLIENT ON *.* " +
                "TO 'cdc'@'%'",
            "CREATE USER 'app'@'%' IDENTIFIED BY 'secret'",
            "GRANT SELECT, RELOAD, SHOW DATABASES ON *.* TO 'app'@'%'");
    }

    @AfterAll
    static void stopServers()
    {
        if (mariadb != null)
        {
            mariadb.close();
        }
        if (cluster != null)
        {
            cluster.close();
        }
    }

    @AfterEach
    void stopConnectors()
    {
        runners.forEach(r -> r.stop(Duration.ofSeconds(30)));
    }

    @Test
    void snapshotsExistingRowsThenStreamsTenThousandInsertsUpdatesAndDeletesInCommitOrder()
    {
        sql("CREATE TABLE orders (id int PRIMARY KEY, qty int NOT NULL, note varchar(100))",
            "INSERT INTO orders SELECT 100000 + seq, 1, 'before' FROM seq_1_to_500");
        start(yaml("orders-cdc", "shop.orders", ""));
        ChangeLog.readUntil(runners.get(0), cluster.members(), "shop.shop.orders", c -> c.size() >= 500,
            Duration.ofMinutes(3));
        for (int from = 1; from <= 10_000; from += 1000)
        {
            sql("INSERT INTO orders SELECT seq, 1, CONCAT('row ', seq) FROM seq_" + from + "_to_" + (from + 999));
        }
        for (int from = 1; from <= 10_000; from += 2000)
        {
            sql("UPDATE orders SET qty = qty + 1 WHERE id BETWEEN " + from + " AND " + (from + 1999));
        }
        sql("DELETE FROM orders WHERE id <= 10000 AND id % 2 = 0");

        final int expected = 500 + 10_000 + 10_000 + 5_000 * 2;
        ChangeLog.readUntil(runners.get(0), cluster.members(), "shop.shop.orders",
            c -> c.size() >= expected, Duration.ofMinutes(5));
        sleepSeconds(3);
        final List<ChangeLog.Change> changes = ChangeLog.readUntil(runners.get(0), cluster.members(),
            "shop.shop.orders", c -> c.size() >= expected, Duration.ofMinutes(1));
        assertEquals(expected, changes.size(), "every change once, no more");

        final Map<Long, List<ChangeLog.Change>> byKey = new TreeMap<>();
        changes.forEach(c -> byKey.computeIfAbsent(c.id(), k -> new ArrayList<>()).add(c));
        assertEquals(10_500, byKey.size());
        for (final Map.Entry<Long, List<ChangeLog.Change>> e : byKey.entrySet())
        {
            final long id = e.getKey();
            final List<String> ops = e.getValue().stream().map(ChangeLog.Change::op).toList();
            final List<String> want = id > 100000 ? List.of("r") :
                id % 2 == 0 ? List.of("c", "u", "d", "tombstone") : List.of("c", "u");
            assertEquals(want, ops, "changes of id " + id + " in commit order");
        }
        final ChangeLog.Change update = byKey.get(7L).get(1);
        assertEquals(1, update.value().get("before").get("qty").asInt());
        assertEquals(2, update.value().get("after").get("qty").asInt());
        assertEquals("u", update.header(ChangeEvents.OP));
        assertNotNull(update.header(ChangeEvents.FILE), "binlog file header");
        assertTrue(Long.parseLong(update.header(ChangeEvents.POS)) > 0, "binlog position header");
        assertNotNull(update.header(ChangeEvents.SOURCE_TS_MS));
        assertEquals("shop", update.value().get("source").get("db").asText());
        assertEquals("orders", update.value().get("source").get("table").asText());
        assertEquals("r", byKey.get(100001L).get(0).header(ChangeEvents.OP));
    }

    @Test
    void aColumnAddedWhileRunningFlowsThroughAndUnwrapGivesRowsAndTombstones()
    {
        sql("CREATE TABLE items (id int PRIMARY KEY, name varchar(50) NOT NULL)");
        start(yaml("items-cdc", "shop.items", "    unwrap: true\n"));
        sql("INSERT INTO items VALUES (1, 'bolt')");
        ChangeLog.readUntil(runners.get(0), cluster.members(), "shop.shop.items", c -> c.size() >= 1,
            Duration.ofMinutes(3));
        sql("ALTER TABLE items ADD COLUMN price int",
            "INSERT INTO items VALUES (2, 'nut', 7)",
            "UPDATE items SET price = 3 WHERE id = 1",
            "DELETE FROM items WHERE id = 2");
        final List<ChangeLog.Change> changes = ChangeLog.readUntil(runners.get(0), cluster.members(),
            "shop.shop.items", c -> c.size() >= 4, Duration.ofMinutes(3));
        assertEquals(4, changes.size());
        assertEquals("bolt", changes.get(0).value().get("name").asText());
        assertFalse(changes.get(0).value().has("price"), "the first row predates the column");
        assertEquals(7, changes.get(1).value().get("price").asInt());
        assertEquals(3, changes.get(2).value().get("price").asInt());
        assertEquals(1, changes.get(2).id());
        assertEquals(2, changes.get(3).id());
        assertNull(changes.get(3).value(), "a delete is a tombstone");
        assertEquals("d", changes.get(3).header(ChangeEvents.OP));
    }

    @Test
    void aRestartResumesFromTheStoredPositionAndSchemaHistoryRepeatingNothing()
    {
        sql("CREATE TABLE parts (id int PRIMARY KEY, name varchar(50) NOT NULL)",
            "INSERT INTO parts SELECT seq, CONCAT('part ', seq) FROM seq_1_to_100");
        final String yaml = yaml("parts-cdc", "shop.parts", "    unwrap: true\n");
        start(yaml);
        sql("INSERT INTO parts SELECT seq, CONCAT('part ', seq) FROM seq_101_to_200");
        ChangeLog.readUntil(runners.get(0), cluster.members(), "shop.shop.parts", c -> c.size() >= 200,
            Duration.ofMinutes(3));
        runners.get(0).stop(Duration.ofSeconds(30));

        // While stopped: rows in the old schema, a column added, rows in the new one. Decoding the first needs the
        // schema at the stored binlog position, which only the stored history has.
        sql("INSERT INTO parts SELECT seq, CONCAT('part ', seq) FROM seq_201_to_300",
            "ALTER TABLE parts ADD COLUMN weight int",
            "INSERT INTO parts SELECT seq, CONCAT('part ', seq), seq FROM seq_301_to_400");
        start(yaml);
        sql("UPDATE parts SET weight = 1 WHERE id <= 10");
        final List<ChangeLog.Change> changes = ChangeLog.readUntil(runners.get(1), cluster.members(),
            "shop.shop.parts", c -> c.size() >= 410, Duration.ofMinutes(3));
        sleepSeconds(3);
        final List<ChangeLog.Change> all = ChangeLog.readUntil(runners.get(1), cluster.members(),
            "shop.shop.parts", c -> c.size() >= changes.size(), Duration.ofMinutes(1));
        assertEquals(410, all.size(), "400 rows and 10 updates, none repeated after the restart");
        final Set<Long> ids = new HashSet<>();
        for (int i = 0; i < 400; i++)
        {
            assertTrue(ids.add(all.get(i).id()), "row " + all.get(i).id() + " once");
        }
        assertEquals(400, ids.size());
        assertFalse(all.get(250).value().has("weight"), "a row written before the column was added");
        assertEquals(all.get(350).id(), all.get(350).value().get("weight").asLong());
        assertEquals(1, all.get(405).value().get("weight").asInt());
        assertTrue(historyEntries("parts-cdc") > 0, "the schema history is in " + LogSchemaHistory.TOPIC);
    }

    @Test
    void aSchemaChangeStoredAheadOfThePositionIsReadAgainButNotStoredTwice() throws Exception
    {
        sql("CREATE TABLE gears (id int PRIMARY KEY, name varchar(50) NOT NULL)", "INSERT INTO gears VALUES (1, 'a')");
        // No heartbeats: nothing but a change to the table moves the stored position on.
        final String yaml = yaml("gears-cdc", "shop.gears", "    unwrap: true\n    heartbeat: 0s\n");
        start(yaml);
        ChangeLog.readUntil(runners.get(0), cluster.members(), "shop.shop.gears", c -> c.size() >= 1,
            Duration.ofMinutes(3));
        final int before = LogSchemaHistory.size(cluster.members(), "gears-cdc");
        sql("ALTER TABLE gears ADD COLUMN teeth int");
        final long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (LogSchemaHistory.size(cluster.members(), "gears-cdc") == before && System.nanoTime() < deadline)
        {
            TimeUnit.MILLISECONDS.sleep(100);
        }
        final int stored = LogSchemaHistory.size(cluster.members(), "gears-cdc");
        assertEquals(before + 1, stored, "the ALTER is in the history");
        // Stopped now, the history holds the ALTER and the stored position is still before it.
        runners.get(0).stop(Duration.ofSeconds(30));

        start(yaml);
        sql("INSERT INTO gears VALUES (2, 'b', 12)");
        ChangeLog.readUntil(runners.get(1), cluster.members(), "shop.shop.gears", c -> c.size() >= 2,
            Duration.ofMinutes(3));
        sleepSeconds(2);
        final List<ChangeLog.Change> changes = ChangeLog.readUntil(runners.get(1), cluster.members(),
            "shop.shop.gears", c -> c.size() >= 2, Duration.ofMinutes(1));
        assertEquals(2, changes.size(), "nothing repeated");
        assertEquals(12, changes.get(1).value().get("teeth").asInt());
        assertEquals(stored, LogSchemaHistory.size(cluster.members(), "gears-cdc"),
            "the ALTER read again from the binlog was not stored a second time");
    }

    @Test
    void heartbeatsMoveTheStoredPositionOnWhileTheCapturedTableIsIdle() throws Exception
    {
        sql("CREATE TABLE quiet (id int PRIMARY KEY)", "CREATE TABLE busy (id int PRIMARY KEY)",
            "INSERT INTO quiet VALUES (1)");
        start(yaml("quiet-cdc", "shop.quiet", "    heartbeat: 1s\n"));
        ChangeLog.readUntil(runners.get(0), cluster.members(), "shop.shop.quiet", c -> c.size() >= 1,
            Duration.ofMinutes(3));
        final SourcePositions positions = new SourcePositions(cluster.members());
        final String before = positions.read("quiet-cdc");
        assertNotNull(before);
        final long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        String after = before;
        for (int i = 0; after.equals(before) && System.nanoTime() < deadline; i++)
        {
            sql("INSERT INTO busy VALUES (" + i + ")");
            TimeUnit.MILLISECONDS.sleep(300);
            after = positions.read("quiet-cdc");
        }
        assertFalse(after.equals(before), "the stored position moved on with no change to the captured table: " +
            before);
        assertEquals(1, ChangeLog.readUntil(runners.get(0), cluster.members(), "shop.shop.quiet",
            c -> c.size() >= 1, Duration.ofMinutes(1)).size(), "heartbeats add no records to the table's topic");
    }

    @Test
    void refusesAUserWithoutReplicationPrivilegesSayingWhatToGrant() throws Exception
    {
        final ConnectorRunner runner = runner("""
            name: app-cdc
            source:
              mariadb_cdc:
                host: 127.0.0.1
                port: %d
                user: app
                password: secret
            """.formatted(mariadb.port()));
        assertFalse(runner.awaitStarted(Duration.ofMinutes(2)));
        final String status = runner.status().line();
        assertTrue(status.contains("user 'app' lacks REPLICATION SLAVE and REPLICATION CLIENT") &&
            status.contains("GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'app'"), status);
    }

    @Test
    void refusesAStatementFormatBinlogSayingWhatToSet() throws Exception
    {
        mariadb.execute("", "SET GLOBAL binlog_format = 'STATEMENT'");
        try
        {
            final ConnectorRunner runner = runner(yaml("statement-cdc", "shop.none", ""));
            assertFalse(runner.awaitStarted(Duration.ofMinutes(2)));
            final String status = runner.status().line();
            assertTrue(status.contains("has binlog_format=STATEMENT; mariadb_cdc needs binlog_format=ROW: " +
                "SET GLOBAL binlog_format = 'ROW'"), status);
        }
        finally
        {
            mariadb.execute("", "SET GLOBAL binlog_format = 'ROW'");
        }
    }

    @Test
    void refusesAServerWithoutBinlogSayingWhatToSet() throws Exception
    {
        try (MariaDbServer noBinlog = MariaDbServer.start(List.of("--skip-log-bin")))
        {
            final ConnectorRunner runner = runner("""
                name: nobinlog-cdc
                source:
                  mariadb_cdc:
                    host: 127.0.0.1
                    port: %d
                    user: root
                """.formatted(noBinlog.port()));
            assertFalse(runner.awaitStarted(Duration.ofMinutes(2)));
            final String status = runner.status().line();
            assertTrue(status.contains("has its binlog off (log_bin)") && status.contains("binlog_format=ROW"),
                status);
        }
    }

    private static String yaml(final String name, final String table, final String more)
    {
        return """
            name: %s
            source:
              mariadb_cdc:
                host: 127.0.0.1
                port: %d
                databases: [shop]
                user: cdc
                password: secret
                tables: [%s]
                topic_prefix: shop
            %s""".formatted(name, mariadb.port(), table, more);
    }

    private static int historyEntries(final String connector)
    {
        final TopicPartition tp = new TopicPartition(LogSchemaHistory.TOPIC, 0);
        int entries = 0;
        try (Consumer<byte[], byte[]> consumer = Consumer.create(ConsumerConfig.builder().cluster(cluster.members())
            .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST).build(), Deserializer.bytes(), Deserializer.bytes()))
        {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            for (final ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofSeconds(5)))
            {
                if (LogSchemaHistory.sequence(r.key(), connector) != null)
                {
                    entries++;
                }
            }
        }
        return entries;
    }

    private void start(final String yaml)
    {
        final ConnectorRunner runner = runner(yaml);
        try
        {
            assertTrue(runner.awaitStarted(Duration.ofMinutes(2)), () -> runner.status().line());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", ex);
        }
    }

    private ConnectorRunner runner(final String yaml)
    {
        final List<ConnectorConfig> configs = new ConnectorFileParser(ConnectorTypes.load(), Map.of())
            .parse("cdc.yaml", yaml);
        final ConnectorRunner runner = new ConnectorRunner(configs.get(0), ConnectorTypes.load(),
            new ConnectorContext(configs.get(0).name(), cluster.members(), new PrintWriter(new StringWriter())));
        runners.add(runner);
        return runner.start();
    }

    private static void sql(final String... statements)
    {
        mariadb.execute(DB, statements);
    }

    private static void sleepSeconds(final int seconds)
    {
        try
        {
            TimeUnit.SECONDS.sleep(seconds);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", ex);
        }
    }
}
