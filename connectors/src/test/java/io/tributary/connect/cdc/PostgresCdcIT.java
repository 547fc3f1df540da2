package io.tributary.connect.cdc;

import io.tributary.connect.ConnectorContext;
import io.tributary.connect.ConnectorTypes;
import io.tributary.connect.config.ConnectorConfig;
import io.tributary.connect.config.ConnectorFileParser;
import io.tributary.connect.runtime.ConnectorRunner;
import io.tributary.testing.PostgresServer;
import io.tributary.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * postgres_cdc against a real one-node cluster and a real PostgreSQL 15 with wal_level=logical, captured as a user
 * with REPLICATION (not a superuser): snapshot then streaming, 10,000 rows inserted, updated and deleted arriving
 * complete and in commit order per key, a column added while running, and clear refusals of a database or user that
 * cannot serve logical replication. The slot moves on while the captured table is idle and others are busy.
 */
@Timeout(600)
class PostgresCdcIT
{
    private static final String DB = "shop";
    private static TestCluster cluster;
    private static PostgresServer postgres;

    private final List<ConnectorRunner> runners = new ArrayList<>();

    @BeforeAll
    static void startServers()
    {
        cluster = TestCluster.start(1);
        postgres = PostgresServer.start();
        postgres.createDatabase(DB);
        postgres.execute("postgres", "CREATE ROLE cdc LOGIN REPLICATION");
        postgres.execute("postgres", "CREATE ROLE app LOGIN");
        // Tables of its own, and a publication for them (CREATE on the database).
        postgres.execute(DB, "GRANT CREATE ON SCHEMA public TO cdc");
        postgres.execute("postgres", "GRANT CREATE ON DATABASE shop TO cdc");
    }

    @AfterAll
    static void stopServers()
    {
        if (postgres != null)
        {
            postgres.close();
        }
        if (cluster != null)
        {
            cluster.close();
        }
    }

    @AfterEach
    void stopConnectorsAndDropSlots()
    {
        runners.forEach(r -> r.stop(Duration.ofSeconds(30)));
        postgres.execute(DB, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active");
    }

    @Test
    void snapshotsExistingRowsThenStreamsTenThousandInsertsUpdatesAndDeletesInCommitOrder() throws Exception
    {
        // REPLICA IDENTITY FULL: updates and deletes carry the whole row before the change, not just the key.
        sql("CREATE TABLE orders (id int PRIMARY KEY, qty int NOT NULL, note text)",
            "ALTER TABLE orders REPLICA IDENTITY FULL",
            "INSERT INTO orders SELECT 100000 + g, 1, 'before' FROM generate_series(1, 500) g");
        start("""
            name: orders-cdc
            source:
              postgres_cdc:
                host: 127.0.0.1
                port: %d
                database: shop
                user: cdc
                tables: [public.orders]
                topic_prefix: shop
            """.formatted(postgres.port()));
        // The slot exists before the snapshot reads: once the snapshot is in, every later change is streamed.
        ChangeLog.readUntil(runners.get(0), cluster.members(), "shop.public.orders", c -> c.size() >= 500,
            Duration.ofMinutes(3));
        for (int from = 1; from <= 10_000; from += 1000)
        {
            sql("INSERT INTO orders SELECT g, 1, 'row ' || g FROM generate_series(" + from + ", " + (from + 999) +
                ") g");
        }
        for (int from = 1; from <= 10_000; from += 2000)
        {
            sql("UPDATE orders SET qty = qty + 1 WHERE id BETWEEN " + from + " AND " + (from + 1999));
        }
        sql("DELETE FROM orders WHERE id <= 10000 AND id % 2 = 0");

        final int expected = 500 + 10_000 + 10_000 + 5_000 * 2;
        ChangeLog.readUntil(runners.get(0), cluster.members(), "shop.public.orders",
            c -> c.size() >= expected, Duration.ofMinutes(5));
        TimeUnit.SECONDS.sleep(3);
        final List<ChangeLog.Change> changes = ChangeLog.readUntil(runners.get(0), cluster.members(),
            "shop.public.orders", c -> c.size() >= expected, Duration.ofMinutes(1));
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
        assertNotNull(update.header(ChangeEvents.LSN));
        assertNotNull(update.header(ChangeEvents.SOURCE_TS_MS));
        assertEquals("shop", update.value().get("source").get("db").asText());
        assertEquals("r", byKey.get(100001L).get(0).header(ChangeEvents.OP));
    }

    @Test
    void aColumnAddedWhileRunningFlowsThroughAndUnwrapGivesRowsAndTombstones() throws Exception
    {
        sql("CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)");
        start("""
            name: items-cdc
            source:
              postgres_cdc:
                host: 127.0.0.1
                port: %d
                database: shop
                user: cdc
                tables: [public.items]
                topic_prefix: shop
                unwrap: true
            """.formatted(postgres.port()));
        sql("INSERT INTO items VALUES (1, 'bolt')");
        ChangeLog.readUntil(runners.get(0), cluster.members(), "shop.public.items", c -> c.size() >= 1,
            Duration.ofMinutes(3));
        sql("ALTER TABLE items ADD COLUMN price int",
            "INSERT INTO items VALUES (2, 'nut', 7)",
            "UPDATE items SET price = 3 WHERE id = 1",
            "DELETE FROM items WHERE id = 2");
        final List<ChangeLog.Change> changes = ChangeLog.readUntil(runners.get(0), cluster.members(),
            "shop.public.items", c -> c.size() >= 4, Duration.ofMinutes(3));
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
    void anIdleCapturedTableDoesNotPinWal() throws Exception
    {
        sql("CREATE TABLE quiet (id int PRIMARY KEY)", "CREATE TABLE busy (id int PRIMARY KEY)",
            "INSERT INTO quiet VALUES (1)");
        start("""
            name: quiet-cdc
            source:
              postgres_cdc:
                host: 127.0.0.1
                port: %d
                database: shop
                user: cdc
                tables: [public.quiet]
                topic_prefix: shop
                heartbeat: 1s
            """.formatted(postgres.port()));
        ChangeLog.readUntil(runners.get(0), cluster.members(), "shop.public.quiet", c -> c.size() >= 1,
            Duration.ofMinutes(3));
        final String before = query("SELECT pg_current_wal_lsn()");
        sql("INSERT INTO busy SELECT g FROM generate_series(1, 20000) g");
        final long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        String flushed = null;
        while (System.nanoTime() < deadline)
        {
            flushed = query("SELECT confirmed_flush_lsn FROM pg_replication_slots " +
                "WHERE slot_name = 'tributary_quiet_cdc'");
            if (Boolean.parseBoolean(query("SELECT ('" + flushed + "'::pg_lsn > '" + before + "'::pg_lsn)::text")))
            {
                break;
            }
            sql("INSERT INTO busy VALUES (-" + System.nanoTime() % 1_000_000 + ") ON CONFLICT DO NOTHING");
            TimeUnit.MILLISECONDS.sleep(500);
        }
        assertTrue(Boolean.parseBoolean(query("SELECT ('" + flushed + "'::pg_lsn > '" + before + "'::pg_lsn)::text")),
            "the slot moved past " + before + " with no change to the captured table: confirmed " + flushed);
    }

    @Test
    void refusesAUserWithoutReplicationSayingWhatToGrant() throws Exception
    {
        final ConnectorRunner runner = runner("""
            name: app-cdc
            source:
              postgres_cdc:
                host: 127.0.0.1
                port: %d
                database: shop
                user: app
            """.formatted(postgres.port()));
        assertFalse(runner.awaitStarted(Duration.ofMinutes(2)));
        final String status = runner.status().line();
        assertTrue(status.contains("lacks the REPLICATION attribute") && status.contains("ALTER ROLE \"app\""),
            status);
    }

    @Test
    void refusesADatabaseWithoutLogicalWalSayingWhatToSet() throws Exception
    {
        try (PostgresServer replica = PostgresServer.start(List.of("wal_level = replica")))
        {
            final ConnectorRunner runner = runner("""
                name: replica-cdc
                source:
                  postgres_cdc:
                    host: 127.0.0.1
                    port: %d
                    database: postgres
                    user: postgres
                """.formatted(replica.port()));
            assertFalse(runner.awaitStarted(Duration.ofMinutes(2)));
            final String status = runner.status().line();
            assertTrue(status.contains("has wal_level=replica; postgres_cdc needs wal_level=logical"), status);
        }
    }

    @Test
    void aToBlockIsRefusedByName()
    {
        final ConnectorFileParser parser = new ConnectorFileParser(ConnectorTypes.load(), Map.of());
        final Exception ex = assertThrows(Exception.class, () -> parser.parse("cdc.yaml", """
            name: x
            source:
              postgres_cdc: { host: h, database: d, user: u }
            to: { topic: t }
            """));
        assertTrue(ex.toString().contains("cdc.yaml:4:1: to: postgres_cdc names its own topics"), ex.toString());
    }

    private void start(final String yaml) throws InterruptedException
    {
        final ConnectorRunner runner = runner(yaml);
        assertTrue(runner.awaitStarted(Duration.ofMinutes(2)), () -> runner.status().line());
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

    private static String query(final String sql) throws SQLException
    {
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(DB)); Statement s = c.createStatement();
            ResultSet rs = s.executeQuery(sql))
        {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void sql(final String... statements) throws SQLException
    {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + postgres.port() + "/" + DB +
            "?user=cdc"); Statement s = c.createStatement())
        {
            for (final String statement : statements)
            {
                s.execute(statement);
            }
        }
    }
}
