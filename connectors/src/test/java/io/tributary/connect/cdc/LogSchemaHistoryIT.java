package io.tributary.connect.cdc;

import io.debezium.config.Configuration;
import io.debezium.relational.history.HistoryRecord;
import io.debezium.relational.history.HistoryRecordComparator;
import io.debezium.relational.history.SchemaHistoryListener;
import io.tributary.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The schema history kept in the cluster, against a real one-node cluster: what one instance stored, another (a
 * worker elsewhere) recovers in order; an entry read again from the binlog after a crash is not stored twice; each
 * connector sees only its own history; forgetting one connector's history leaves the others'.
 */
@Timeout(120)
class LogSchemaHistoryIT
{
    private static TestCluster cluster;

    @BeforeAll
    static void startCluster()
    {
        cluster = TestCluster.start(1);
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
    void anotherInstanceRecoversTheEntriesInOrderOnceEachAndForgettingIsPerConnector()
    {
        final LogSchemaHistory first = history("shop-cdc");
        first.initializeStorage();
        assertTrue(first.storageExists());
        assertFalse(first.exists());
        first.storeRecord(entry(100, "CREATE TABLE a (id int PRIMARY KEY)"));
        first.storeRecord(entry(200, "ALTER TABLE a ADD COLUMN b int"));
        // Read again from the binlog after a crash that kept the entry but not the position after it.
        first.storeRecord(entry(200, "ALTER TABLE a ADD COLUMN b int"));
        first.storeRecord(entry(300, "ALTER TABLE a ADD COLUMN b int"));
        first.stop();
        final LogSchemaHistory other = history("other-cdc");
        other.storeRecord(entry(100, "CREATE TABLE z (id int PRIMARY KEY)"));
        other.stop();

        final LogSchemaHistory elsewhere = history("shop-cdc");
        assertTrue(elsewhere.exists());
        assertEquals(List.of("100 CREATE TABLE a (id int PRIMARY KEY)", "200 ALTER TABLE a ADD COLUMN b int",
            "300 ALTER TABLE a ADD COLUMN b int"), recovered(elsewhere));
        elsewhere.stop();

        assertEquals(3, LogSchemaHistory.forget(cluster.members(), "shop-cdc"));
        final LogSchemaHistory afresh = history("shop-cdc");
        assertFalse(afresh.exists());
        afresh.storeRecord(entry(400, "CREATE TABLE c (id int PRIMARY KEY)"));
        assertEquals(List.of("400 CREATE TABLE c (id int PRIMARY KEY)"), recovered(afresh));
        afresh.stop();
        final LogSchemaHistory kept = history("other-cdc");
        assertEquals(List.of("100 CREATE TABLE z (id int PRIMARY KEY)"), recovered(kept));
        kept.stop();
    }

    @Test
    void keysNameTheirConnectorExactly()
    {
        assertEquals(7L, LogSchemaHistory.sequence(LogSchemaHistory.key("a/b", 7), "a/b"));
        assertNull(LogSchemaHistory.sequence(LogSchemaHistory.key("a/b", 7), "a"));
        assertNull(LogSchemaHistory.sequence(LogSchemaHistory.key("a", 7), "a/b"));
        assertNull(LogSchemaHistory.sequence(null, "a"));
    }

    private static LogSchemaHistory history(final String connector)
    {
        final LogSchemaHistory history = new LogSchemaHistory();
        history.configure(Configuration.from(Map.of(LogSchemaHistory.CLUSTER, cluster.members(),
            LogSchemaHistory.CONNECTOR, connector)), HistoryRecordComparator.INSTANCE, SchemaHistoryListener.NOOP,
            false);
        history.start();
        return history;
    }

    private static HistoryRecord entry(final long pos, final String ddl)
    {
        return new HistoryRecord(Map.of("server", "shop"), Map.of("file", "binlog.000001", "pos", pos), "shop",
            null, ddl, null, Instant.ofEpochMilli(1_764_118_000_000L));
    }

    private static List<String> recovered(final LogSchemaHistory history)
    {
        final List<String> entries = new ArrayList<>();
        history.recoverRecords(r -> entries.add(r.document().getDocument("position").getLong("pos") + " " +
            r.document().getString("ddl")));
        return entries;
    }
}
