package io.tributary.connect.cdc;

import io.tributary.connect.SourceConnector;
import io.tributary.connect.SourceConnectorType;
import io.tributary.connect.spec.ComponentSpec;
import io.tributary.connect.spec.FieldSpec;
import io.tributary.connect.spec.FieldType;
import io.tributary.connect.spec.Settings;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * {@code postgres_cdc}: PostgreSQL's changes through Debezium's PostgreSQL connector and logical decoding with
 * {@code pgoutput}: a snapshot of the existing rows, then the stream of changes from a replication slot, with no gap
 * between them. One compacted topic per table, {@code <topic_prefix>.<schema>.<table>}; see {@link DebeziumSource}
 * for how the offsets stay exactly once.
 * <p>
 * Threading: as {@link DebeziumSource}.
 */
public final class PostgresCdcSource
{
    /** The {@code postgres_cdc} source type. */
    public static final class Type implements SourceConnectorType
    {
        private static final ComponentSpec SPEC = new ComponentSpec("postgres_cdc",
            "Change data capture from PostgreSQL (Debezium, pgoutput): existing rows, then every insert, update and " +
                "delete, one compacted topic per table, key = primary key, exactly once. Needs wal_level=logical " +
                "and a user with REPLICATION.",
            List.of(
                FieldSpec.required("host", FieldType.STRING, "database host", "127.0.0.1"),
                FieldSpec.optional("port", FieldType.INT, 5432, "database port", "5432"),
                FieldSpec.required("database", FieldType.STRING, "database to capture", "shop"),
                FieldSpec.required("user", FieldType.STRING, "user with LOGIN REPLICATION", "cdc"),
                FieldSpec.optional("password", FieldType.STRING, null, "its password", "${PG_PASSWORD}").asSecret(),
                FieldSpec.optional("tables", FieldType.STRING_LIST, null,
                    "schema.table names or regular expressions (Debezium's table.include.list); absent: every table",
                    "[public.orders, \"public.customer_.*\"]"),
                FieldSpec.optional("slot", FieldType.STRING, null,
                    "replication slot, kept across restarts; absent: tributary_<name>", "shop_cdc"),
                FieldSpec.optional("publication", FieldType.STRING, null,
                    "publication, created for the tables when missing (for every table when tables is absent, " +
                        "which needs a superuser); absent: the slot's name", "shop_cdc"),
                FieldSpec.oneOf("snapshot_mode", "initial",
                    List.of("initial", "initial_only", "no_data", "when_needed", "always"),
                    "initial: existing rows first, then changes; no_data: changes only; initial_only: rows only; " +
                        "when_needed: a snapshot when the slot lost the stored position; always: on every start"),
                CdcSettings.topicPrefix("<topic_prefix>.<schema>.<table>"),
                CdcSettings.partitions(),
                CdcSettings.unwrap(),
                CdcSettings.heartbeat(" (the slot itself follows the server's keepalives)"),
                CdcSettings.debezium()));

        public ComponentSpec spec()
        {
            return SPEC;
        }

        public boolean namesTopics()
        {
            return true;
        }

        public String releaseExternalState(final Settings settings, final String connector) throws SQLException
        {
            final String slot = slotName(settings, connector);
            return dropSlot(settings, connector) ? "dropped replication slot " + slot : null;
        }

        public SourceConnector create(final Settings s)
        {
            CdcSettings.validate(s);
            if (s.has("slot") && !SLOT.matcher(s.string("slot")).matches())
            {
                throw new IllegalArgumentException("slot must be 1 to 63 of a-z 0-9 _, got '" + s.string("slot") +
                    "'");
            }
            return new DebeziumSource(s, name -> properties(s, name), () -> check(s));
        }
    }

    private static final java.util.regex.Pattern SLOT = java.util.regex.Pattern.compile("[a-z0-9_]{1,63}");

    private PostgresCdcSource()
    {
    }

    /**
     * @return the replication slot a connector of this name uses.
     */
    public static String slotName(final Settings settings, final String connector)
    {
        if (settings.has("slot"))
        {
            return settings.string("slot");
        }
        final String slot = "tributary_" + connector.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        return slot.length() > 63 ? slot.substring(0, 63) : slot;
    }

    /**
     * Drop the connector's replication slot, so the database no longer keeps WAL for it.
     *
     * @return false when there was no such slot.
     * @throws SQLException when the database refused, e.g. the slot is still in use by a running connector.
     */
    public static boolean dropSlot(final Settings settings, final String connector) throws SQLException
    {
        final String slot = slotName(settings, connector);
        try (Connection c = connect(settings);
            PreparedStatement s = c.prepareStatement(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?"))
        {
            s.setString(1, slot);
            try (ResultSet rs = s.executeQuery())
            {
                return rs.next();
            }
        }
    }

    /**
     * @return the Debezium properties of the PostgreSQL connector a connector of this name runs.
     */
    static Properties properties(final Settings settings, final String connector)
    {
        final String slot = slotName(settings, connector);
        final Properties p = new Properties();
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("database.dbname", settings.string("database"));
        p.setProperty("slot.name", slot);
        p.setProperty("publication.name", settings.has("publication") ? settings.string("publication") : slot);
        if (settings.has("tables"))
        {
            p.setProperty("table.include.list", String.join(",", settings.list("tables")));
            p.setProperty("publication.autocreate.mode", "filtered");
        }
        // PostgreSQL 15+ sends nothing for transactions on other tables: with only Debezium flushing, an idle
        // captured table would pin WAL. The driver confirms a keepalive's LSN only when every change it received
        // was confirmed, i.e. acknowledged by the cluster.
        p.setProperty("lsn.flush.mode", "connector_and_driver");
        return p;
    }

    /**
     * Fail with what to do when the database cannot serve logical replication to this user.
     */
    static void check(final Settings settings) throws SQLException
    {
        final String where = "PostgreSQL at " + settings.string("host") + ":" + settings.integer("port") + "/" +
            settings.string("database");
        try (Connection c = connect(settings); Statement s = c.createStatement())
        {
            try (ResultSet rs = s.executeQuery("SHOW wal_level"))
            {
                rs.next();
                final String walLevel = rs.getString(1);
                if (!"logical".equals(walLevel))
                {
                    throw new IllegalStateException(where + " has wal_level=" + walLevel + "; postgres_cdc needs " +
                        "wal_level=logical: set it in postgresql.conf (or ALTER SYSTEM SET wal_level = logical) " +
                        "and restart PostgreSQL");
                }
            }
            try (ResultSet rs = s.executeQuery(
                "SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user"))
            {
                if (!rs.next() || !rs.getBoolean(1))
                {
                    throw new IllegalStateException(where + ": user '" + settings.string("user") +
                        "' lacks the REPLICATION attribute that postgres_cdc needs: ALTER ROLE \"" +
                        settings.string("user") + "\" REPLICATION");
                }
            }
        }
        catch (final SQLException ex)
        {
            throw new SQLException(where + ": " + ex.getMessage(), ex.getSQLState(), ex);
        }
    }

    private static Connection connect(final Settings settings) throws SQLException
    {
        final Properties props = new Properties();
        props.setProperty("user", settings.string("user"));
        if (settings.has("password"))
        {
            props.setProperty("password", settings.string("password"));
        }
        props.setProperty("connectTimeout", "10");
        return DriverManager.getConnection("jdbc:postgresql://" + settings.string("host") + ":" +
            settings.integer("port") + "/" + settings.string("database"), props);
    }
}
