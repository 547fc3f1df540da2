package io.tributary.connect.sink;

import io.tributary.connect.ConnectorContext;
import io.tributary.connect.DeliveryException;
import io.tributary.connect.RecordConversionException;
import io.tributary.log.ConsumerRecord;
import io.tributary.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The jdbc sink against a real PostgreSQL: what a batch leaves in the table in upsert and insert mode, and that a
 * failing batch leaves nothing behind.
 */
@Timeout(120)
class JdbcSinkIT
{
    private static final String DATABASE = "jdbc_sink";
    private static final AtomicInteger TABLES = new AtomicInteger();
    private static PostgresServer postgres;

    private final AtomicLong offsets = new AtomicLong();
    private final List<JdbcSink> sinks = new ArrayList<>();

    @BeforeAll
    static void startPostgres()
    {
        postgres = PostgresServer.start();
        postgres.createDatabase(DATABASE);
    }

    @AfterAll
    static void stopPostgres()
    {
        if (postgres != null)
        {
            postgres.close();
        }
    }

    @AfterEach
    void closeSinks()
    {
        sinks.forEach(JdbcSink::close);
    }

    @Test
    void upsertWithTheSameKeyTwiceInOneBatchKeepsTheLastValue() throws Exception
    {
        final String table = table("k text PRIMARY KEY, v integer NOT NULL, note text");
        final JdbcSink sink = sink(table, true);
        // The same columns, so one batched statement that the driver rewrites into a multi-row INSERT.
        sink.deliver(List.of(record("a", "{\"v\":1}"), record("b", "{\"v\":2}"), record("a", "{\"v\":3}"),
            record("c", "{\"v\":4}"), record("a", "{\"v\":5}"), record("c", "{\"v\":6}")));
        assertEquals(Map.of("a", "5|null", "b", "2|null", "c", "6|null"), rows(table));

        sink.deliver(List.of(
            record("a", "{\"v\":1,\"note\":\"first\"}"),
            record("b", "{\"v\":2}"),
            record("a", "{\"v\":3}"),
            record("b", "{\"v\":4,\"note\":\"late\"}"),
            record("a", "{\"v\":5}")));
        // A later record's columns win; a column it does not name keeps what the earlier one set, as if each
        // record had been applied in turn.
        assertEquals(Map.of("a", "5|first", "b", "4|late", "c", "6|null"), rows(table));
    }

    @Test
    void upsertReplacesTheRowOfAKeyFromAnEarlierBatch() throws Exception
    {
        final String table = table("k text PRIMARY KEY, v integer NOT NULL, note text");
        final JdbcSink sink = sink(table, true);
        sink.deliver(List.of(record("a", "{\"v\":1,\"note\":\"x\"}"), record("b", "{\"v\":2,\"note\":\"y\"}")));
        sink.deliver(List.of(record("a", "{\"v\":10,\"note\":\"z\"}")));
        assertEquals(Map.of("a", "10|z", "b", "2|y"), rows(table));
    }

    @Test
    void tombstonesDeleteInTheSameTransactionAsOtherWrites() throws Exception
    {
        final String table = table("k text PRIMARY KEY, v integer NOT NULL, note text");
        final JdbcSink sink = sink(table, true);
        sink.deliver(List.of(record("gone", "{\"v\":1}"), record("back", "{\"v\":2,\"note\":\"old\"}")));
        sink.deliver(List.of(
            record("new", "{\"v\":3}"),
            record("gone", null),
            record("brief", "{\"v\":4}"),
            record("brief", null),
            record("back", null),
            record("back", "{\"v\":5}"),
            record("never", null)));
        // "back": deleted then upserted in one batch, so the row exists with only the later columns.
        assertEquals(Map.of("new", "3|null", "back", "5|null"), rows(table));
    }

    @Test
    void insertModeWritesARowPerRecordAndDeletesOnTombstone() throws Exception
    {
        final String table = table("k text NOT NULL, v integer NOT NULL");
        final JdbcSink sink = sink(table, false);
        sink.deliver(List.of(record("a", "{\"v\":1}"), record("a", "{\"v\":2}"), record("b", "{\"v\":3}")));
        assertEquals(List.of("a|1", "a|2", "b|3"), all(table));
        sink.deliver(List.of(record("b", "{\"v\":4}"), record("a", null), record("a", "{\"v\":5}")));
        assertEquals(List.of("a|5", "b|3", "b|4"), all(table));
    }

    @Test
    void aFailingBatchIsRolledBackWithNothingHalfWritten() throws Exception
    {
        final String table = table("k text PRIMARY KEY, v integer NOT NULL, note text");
        final JdbcSink sink = sink(table, true);
        sink.deliver(List.of(record("kept", "{\"v\":1}")));

        final DeliveryException ex = assertThrows(DeliveryException.class, () -> sink.deliver(List.of(
            record("kept", null),
            record("a", "{\"v\":2}"),
            record("b", "{\"v\":\"not a number\"}"),
            record("c", "{\"v\":4}"))));
        assertFalse(ex.retriable(), "a value the column cannot take fails for good: " + ex.getMessage());
        assertTrue(ex.getMessage().contains("SQLSTATE 22"), ex.getMessage());
        assertEquals(Map.of("kept", "1|null"), rows(table), "nothing of the failed batch was written");

        final ConsumerRecord<byte[], byte[]> bad = record("b", "{\"v\":\"not a number\"}");
        final RecordConversionException one = assertThrows(RecordConversionException.class,
            () -> sink.deliver(List.of(bad)));
        assertEquals(bad, one.record());

        sink.deliver(List.of(record("a", "{\"v\":2}")));
        assertEquals(Map.of("kept", "1|null", "a", "2|null"), rows(table), "the sink works after a rollback");
    }

    private static String table(final String columns)
    {
        final String table = "t" + TABLES.incrementAndGet();
        postgres.execute(DATABASE, "CREATE TABLE " + table + " (" + columns + ")");
        return table;
    }

    private JdbcSink sink(final String table, final boolean upsert) throws Exception
    {
        final JdbcSink sink = new JdbcSink(new JdbcSink.Config(postgres.jdbcUrl(DATABASE), null, null, table, "k",
            upsert, true));
        sinks.add(sink);
        sink.start(new ConnectorContext("jdbc-it", "0=127.0.0.1:9100", new PrintWriter(new StringWriter())));
        return sink;
    }

    private ConsumerRecord<byte[], byte[]> record(final String key, final String value)
    {
        return new ConsumerRecord<>("in", 0, offsets.getAndIncrement(), 0L, 0L,
            key.getBytes(StandardCharsets.UTF_8), value == null ? null : value.getBytes(StandardCharsets.UTF_8),
            List.of());
    }

    /**
     * @return key to "v|note" for a table keyed by k.
     */
    private static Map<String, String> rows(final String table) throws Exception
    {
        final Map<String, String> rows = new TreeMap<>();
        try (Connection c = postgres.connect(DATABASE); Statement s = c.createStatement();
            ResultSet rs = s.executeQuery("SELECT k, v, note FROM " + table))
        {
            while (rs.next())
            {
                rows.put(rs.getString(1), rs.getInt(2) + "|" + rs.getString(3));
            }
        }
        return rows;
    }

    /**
     * @return every row as "k|v", sorted.
     */
    private static List<String> all(final String table) throws Exception
    {
        final List<String> rows = new ArrayList<>();
        try (Connection c = postgres.connect(DATABASE); Statement s = c.createStatement();
            ResultSet rs = s.executeQuery("SELECT k, v FROM " + table + " ORDER BY k, v"))
        {
            while (rs.next())
            {
                rows.add(rs.getString(1) + "|" + rs.getInt(2));
            }
        }
        return rows;
    }
}
