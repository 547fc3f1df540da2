package io.tributary.connect.sink;

import com.fasterxml.jackson.databind.JsonNode;
import io.tributary.connect.ConnectorContext;
import io.tributary.connect.DeliveryException;
import io.tributary.connect.RecordConversionException;
import io.tributary.connect.SinkConnector;
import io.tributary.connect.SinkConnectorType;
import io.tributary.connect.spec.ComponentSpec;
import io.tributary.connect.spec.FieldSpec;
import io.tributary.connect.spec.FieldType;
import io.tributary.connect.spec.Settings;
import io.tributary.connect.support.Json;
import io.tributary.log.ConsumerRecord;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Writes records to a PostgreSQL table: each value a JSON object whose fields are columns; with {@code key_column}
 * the record key (as text) fills that column, {@code upsert} replaces the row of the same key, and a tombstone
 * deletes it. A batch is one database transaction. Values are sent as text and cast by PostgreSQL to the column's
 * type. In upsert mode a batch's records are first folded into one change per key ({@link #fold}), because the
 * driver rewrites a batched {@code INSERT ... ON CONFLICT DO UPDATE} into one multi-row statement, which PostgreSQL
 * refuses (SQLSTATE 21000) when two of its rows share a key. Data errors (SQLSTATE classes 21, 22, 23 and 42) fail
 * for good, so the batch is split and only the bad records go to the dead-letter topic; other errors are retried.
 * Not thread-safe: used by the runner thread.
 */
public final class JdbcSink implements SinkConnector
{
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");

    /** The {@code jdbc} sink type. */
    public static final class Type implements SinkConnectorType
    {
        private static final ComponentSpec SPEC = ComponentSpec.of("jdbc",
            "Inserts or upserts JSON records into a PostgreSQL table; deletes on tombstones; a batch per transaction.",
            FieldSpec.required("url", FieldType.STRING, "JDBC URL", "jdbc:postgresql://127.0.0.1:5432/plant"),
            FieldSpec.optional("user", FieldType.STRING, null, "database user", "tributary"),
            FieldSpec.optional("password", FieldType.STRING, null, "password", "${PGPASSWORD}").asSecret(),
            FieldSpec.required("table", FieldType.STRING, "target table (schema.table allowed)", "readings"),
            FieldSpec.optional("key_column", FieldType.STRING, null,
                "column the record key goes to; needed by upsert and tombstones", "sensor"),
            FieldSpec.oneOf("mode", "insert", List.of("insert", "upsert"),
                "insert: a row per record; upsert: one row per key, replaced (key_column needs a unique index)"),
            FieldSpec.optional("delete_on_tombstone", FieldType.BOOLEAN, true,
                "delete the key's row when a record has no value", "true"));

        public ComponentSpec spec()
        {
            return SPEC;
        }

        public SinkConnector create(final Settings s)
        {
            if (!s.string("url").startsWith("jdbc:postgresql:"))
            {
                throw new IllegalArgumentException("url must be a PostgreSQL JDBC URL (jdbc:postgresql://...)");
            }
            identifier("table", s.string("table"));
            if (s.has("key_column"))
            {
                identifier("key_column", s.string("key_column"));
            }
            final boolean upsert = s.string("mode").equals("upsert");
            if (upsert && !s.has("key_column"))
            {
                throw new IllegalArgumentException("mode upsert needs key_column");
            }
            return new JdbcSink(new Config(s.string("url"), s.string("user"), s.string("password"),
                s.string("table"), s.string("key_column"), upsert, s.bool("delete_on_tombstone")));
        }
    }

    /**
     * @param url       JDBC URL.
     * @param user      user or null.
     * @param password  password or null.
     * @param table     target table.
     * @param keyColumn key column or null.
     * @param upsert    upsert instead of insert.
     * @param delete    delete on tombstone.
     */
    public record Config(String url, String user, String password, String table, String keyColumn, boolean upsert,
        boolean delete)
    {
    }

    private final Config config;
    private Connection connection;

    JdbcSink(final Config config)
    {
        this.config = config;
    }

    public void start(final ConnectorContext context) throws SQLException
    {
        connect();
    }

    public void deliver(final List<ConsumerRecord<byte[], byte[]>> records) throws Exception
    {
        final List<Row> rows = new ArrayList<>(records.size());
        for (final ConsumerRecord<byte[], byte[]> record : records)
        {
            rows.add(row(record));
        }
        if (connection == null || connection.isClosed() || !connection.isValid(5))
        {
            connect();
        }
        try
        {
            write(config.upsert ? fold(rows) : rows);
            connection.commit();
        }
        catch (final SQLException ex)
        {
            rollback();
            final String state = ex.getSQLState() == null ? "" : ex.getSQLState();
            final boolean permanent = state.startsWith("21") || state.startsWith("22") || state.startsWith("23") ||
                state.startsWith("42");
            if (permanent && records.size() == 1)
            {
                throw new RecordConversionException(records.get(0), "SQLSTATE " + state + ": " + ex.getMessage(), ex);
            }
            if (permanent)
            {
                throw new DeliveryException("SQLSTATE " + state + ": " + ex.getMessage(), false, null);
            }
            throw ex;
        }
    }

    public void close()
    {
        try
        {
            if (connection != null)
            {
                connection.close();
            }
        }
        catch (final SQLException ignored)
        {
            // The last transaction was committed or rolled back already.
        }
    }

    private void write(final List<Row> rows) throws SQLException
    {
        String sql = null;
        PreparedStatement statement = null;
        try
        {
            for (final Row row : rows)
            {
                final String next = row.columns == null ? delete() : insert(row.columns.keySet());
                if (!next.equals(sql))
                {
                    if (statement != null)
                    {
                        statement.executeBatch();
                        statement.close();
                    }
                    sql = next;
                    statement = connection.prepareStatement(sql);
                }
                int i = 1;
                if (row.columns == null)
                {
                    statement.setString(i, row.key);
                }
                else
                {
                    for (final String value : row.columns.values())
                    {
                        statement.setString(i++, value);
                    }
                }
                statement.addBatch();
            }
            if (statement != null)
            {
                statement.executeBatch();
            }
        }
        catch (final java.sql.BatchUpdateException ex)
        {
            throw ex.getNextException() != null ? ex.getNextException() : ex;
        }
        finally
        {
            if (statement != null)
            {
                statement.close();
            }
        }
    }

    /**
     * Fold an upsert batch into at most one delete and one upsert per key with the outcome of applying the rows in
     * order: a later upsert's columns override an earlier one's (columns it lacks keep the earlier values, as
     * {@code DO UPDATE SET} would leave them), and a tombstone drops what came before it, so an upsert after a
     * tombstone is written as a delete followed by an insert of only the later columns. Rows of different keys
     * commute, so the deletes go first and the upserts after, grouped by column set to keep statements batched.
     */
    private static List<Row> fold(final List<Row> rows)
    {
        final Map<String, Row> deletes = new LinkedHashMap<>();
        final Map<String, Map<String, String>> upserts = new LinkedHashMap<>();
        for (final Row row : rows)
        {
            if (row.columns == null)
            {
                deletes.put(row.key, row);
                upserts.remove(row.key);
            }
            else
            {
                upserts.computeIfAbsent(row.key, k -> new LinkedHashMap<>()).putAll(row.columns);
            }
        }
        final Map<java.util.Set<String>, List<Row>> byColumns = new LinkedHashMap<>();
        for (final Map.Entry<String, Map<String, String>> upsert : upserts.entrySet())
        {
            byColumns.computeIfAbsent(upsert.getValue().keySet(), k -> new ArrayList<>())
                .add(new Row(upsert.getKey(), upsert.getValue()));
        }
        final List<Row> folded = new ArrayList<>(deletes.values());
        byColumns.values().forEach(folded::addAll);
        return folded;
    }

    private Row row(final ConsumerRecord<byte[], byte[]> record) throws RecordConversionException
    {
        final String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        if (record.value() == null)
        {
            if (!config.delete || config.keyColumn == null || key == null)
            {
                throw new RecordConversionException(record, "a tombstone needs key_column, a key and " +
                    "delete_on_tombstone");
            }
            return new Row(key, null);
        }
        final JsonNode value = Json.parseOrNull(record.value());
        if (value == null || !value.isObject())
        {
            throw new RecordConversionException(record, "value is not a JSON object");
        }
        final Map<String, String> columns = new LinkedHashMap<>();
        if (config.keyColumn != null)
        {
            if (key == null)
            {
                throw new RecordConversionException(record, "record has no key for " + config.keyColumn);
            }
            columns.put(config.keyColumn, key);
        }
        for (final Map.Entry<String, JsonNode> field : value.properties())
        {
            if (!IDENTIFIER.matcher(field.getKey()).matches() || field.getKey().contains("."))
            {
                throw new RecordConversionException(record, "field '" + field.getKey() + "' is not a column name");
            }
            if (field.getKey().equals(config.keyColumn))
            {
                continue;
            }
            final JsonNode v = field.getValue();
            columns.put(field.getKey(), v.isNull() ? null : v.isValueNode() ? v.asText() : v.toString());
        }
        return new Row(key, columns);
    }

    private String insert(final java.util.Set<String> columns)
    {
        final StringBuilder sql = new StringBuilder("INSERT INTO ").append(quote(config.table)).append(" (");
        final StringBuilder values = new StringBuilder();
        final StringBuilder updates = new StringBuilder();
        for (final String column : columns)
        {
            if (values.length() > 0)
            {
                sql.append(", ");
                values.append(", ");
            }
            sql.append(quote(column));
            values.append('?');
            if (!column.equals(config.keyColumn))
            {
                updates.append(updates.length() > 0 ? ", " : "").append(quote(column)).append(" = EXCLUDED.")
                    .append(quote(column));
            }
        }
        sql.append(") VALUES (").append(values).append(')');
        if (config.upsert)
        {
            sql.append(" ON CONFLICT (").append(quote(config.keyColumn)).append(") DO ")
                .append(updates.length() == 0 ? "NOTHING" : "UPDATE SET " + updates);
        }
        return sql.toString();
    }

    private String delete()
    {
        return "DELETE FROM " + quote(config.table) + " WHERE " + quote(config.keyColumn) + " = ?";
    }

    private void connect() throws SQLException
    {
        close();
        final Properties props = new Properties();
        if (config.user != null)
        {
            props.setProperty("user", config.user);
        }
        if (config.password != null)
        {
            props.setProperty("password", config.password);
        }
        // Parameters go as untyped text so that PostgreSQL casts them to each column's type.
        props.setProperty("stringtype", "unspecified");
        props.setProperty("reWriteBatchedInserts", "true");
        connection = DriverManager.getConnection(config.url, props);
        connection.setAutoCommit(false);
    }

    private void rollback()
    {
        try
        {
            connection.rollback();
        }
        catch (final SQLException ignored)
        {
            // A broken connection is replaced on the next batch.
        }
    }

    private static String quote(final String identifier)
    {
        final StringBuilder sb = new StringBuilder();
        for (final String part : identifier.split("\\."))
        {
            sb.append(sb.length() > 0 ? "." : "").append('"').append(part).append('"');
        }
        return sb.toString();
    }

    private static void identifier(final String field, final String value)
    {
        if (!IDENTIFIER.matcher(value).matches())
        {
            throw new IllegalArgumentException(field + " must be an identifier (letters, digits, _), got '" + value +
                "'");
        }
    }

    private record Row(String key, Map<String, String> columns)
    {
    }
}
