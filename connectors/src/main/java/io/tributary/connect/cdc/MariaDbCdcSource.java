package io.tributary.connect.cdc;

import io.tributary.connect.SourceConnector;
import io.tributary.connect.SourceConnectorType;
import io.tributary.connect.spec.ComponentSpec;
import io.tributary.connect.spec.FieldSpec;
import io.tributary.connect.spec.FieldType;
import io.tributary.connect.spec.Settings;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * {@code mariadb_cdc}: MariaDB's changes through Debezium's MariaDB connector reading the binlog as a replica would:
 * a snapshot of the existing rows, then every change from the binlog position the snapshot started at. One compacted
 * topic per table, {@code <topic_prefix>.<database>.<table>}. The table schemas Debezium needs to decode binlog rows
 * are kept in the cluster ({@link LogSchemaHistory}), the binlog position with the events ({@link DebeziumSource}):
 * a worker on any machine resumes where the last one stopped, exactly once.
 * <p>
 * Threading: as {@link DebeziumSource}.
 */
public final class MariaDbCdcSource
{
    /** The {@code mariadb_cdc} source type. */
    public static final class Type implements SourceConnectorType
    {
        private static final ComponentSpec SPEC = new ComponentSpec("mariadb_cdc",
            "Change data capture from MariaDB (Debezium, binlog): existing rows, then every insert, update and " +
                "delete, one compacted topic per table, key = primary key, exactly once. Needs log_bin, " +
                "binlog_format=ROW and a user with REPLICATION SLAVE and REPLICATION CLIENT (BINLOG MONITOR).",
            List.of(
                FieldSpec.required("host", FieldType.STRING, "database host", "127.0.0.1"),
                FieldSpec.optional("port", FieldType.INT, 3306, "database port", "3306"),
                FieldSpec.optional("databases", FieldType.STRING_LIST, null,
                    "databases to capture, names or regular expressions (Debezium's database.include.list); " +
                        "absent: every database", "[shop]"),
                FieldSpec.required("user", FieldType.STRING,
                    "user with SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT", "cdc"),
                FieldSpec.optional("password", FieldType.STRING, null, "its password", "${MARIADB_PASSWORD}")
                    .asSecret(),
                FieldSpec.optional("tables", FieldType.STRING_LIST, null,
                    "database.table names or regular expressions (Debezium's table.include.list); absent: every " +
                        "table of the databases", "[shop.orders, \"shop.customer_.*\"]"),
                FieldSpec.optional("server_id", FieldType.LONG, null,
                    "replica server id the connector reads the binlog as, unique among the server's replicas; " +
                        "absent: derived from the connector's name", "184054"),
                FieldSpec.oneOf("snapshot_mode", "initial",
                    List.of("initial", "initial_only", "no_data", "when_needed", "always", "recovery"),
                    "initial: existing rows first, then changes; no_data: changes only; initial_only: rows only; " +
                        "when_needed: a snapshot when the binlog lost the stored position; always: on every " +
                        "start; recovery: rebuild a lost schema history from the current schemas"),
                CdcSettings.topicPrefix("<topic_prefix>.<database>.<table>"),
                CdcSettings.partitions(),
                CdcSettings.unwrap(),
                CdcSettings.heartbeat(""),
                CdcSettings.debezium()));

        public ComponentSpec spec()
        {
            return SPEC;
        }

        public boolean namesTopics()
        {
            return true;
        }

        public String releaseExternalState(final Settings settings, final String connector)
        {
            return "mariadb_cdc holds no replication slot: a binlog reader keeps nothing on the server (its " +
                "position and schema history are in the cluster), nothing to drop";
        }

        public SourceConnector create(final Settings s)
        {
            CdcSettings.validate(s);
            if (s.has("server_id") && (s.longValue("server_id") < 1 || s.longValue("server_id") > 0xFFFF_FFFFL))
            {
                throw new IllegalArgumentException("server_id must be 1 to 4294967295, got " +
                    s.longValue("server_id"));
            }
            return new DebeziumSource(s, name -> properties(s, name), () -> check(s));
        }
    }

    /** The binlog client logs every (re)connection at INFO through java.util.logging: warnings only. */
    private static final java.util.logging.Logger BINLOG_CLIENT =
        java.util.logging.Logger.getLogger("com.github.shyiko.mysql.binlog");

    static
    {
        BINLOG_CLIENT.setLevel(java.util.logging.Level.WARNING);
    }

    private MariaDbCdcSource()
    {
    }

    /**
     * @return the replica server id a connector of this name reads the binlog as: the {@code server_id} setting, or
     *         one derived from the name in 100,000 to 2,147,583,646 (clear of the small ids servers are given).
     */
    public static long serverId(final Settings settings, final String connector)
    {
        if (settings.has("server_id"))
        {
            return settings.longValue("server_id");
        }
        return 100_000L + (connector.hashCode() & 0x7FFF_FFFFL);
    }

    /**
     * @return the Debezium properties of the MariaDB connector a connector of this name runs.
     */
    static Properties properties(final Settings settings, final String connector)
    {
        final Properties p = new Properties();
        p.setProperty("connector.class", "io.debezium.connector.mariadb.MariaDbConnector");
        p.setProperty("database.server.id", Long.toString(serverId(settings, connector)));
        if (settings.has("databases"))
        {
            p.setProperty("database.include.list", String.join(",", settings.list("databases")));
        }
        if (settings.has("tables"))
        {
            p.setProperty("table.include.list", String.join(",", settings.list("tables")));
        }
        p.setProperty("schema.history.internal", LogSchemaHistory.class.getName());
        // Schema changes go to the history, not to a topic of their own.
        p.setProperty("include.schema.changes", "false");
        p.setProperty("connect.timeout.ms", "10000");
        return p;
    }

    /**
     * Fail with what to do when the server cannot serve its binlog to this user.
     */
    static void check(final Settings settings) throws SQLException
    {
        final String where = "MariaDB at " + settings.string("host") + ":" + settings.integer("port");
        try (Connection c = connect(settings); Statement s = c.createStatement())
        {
            try (ResultSet rs = s.executeQuery("SELECT @@log_bin, @@binlog_format, @@binlog_row_image"))
            {
                rs.next();
                final String logBin = rs.getString(1);
                if (!"1".equals(logBin) && !"ON".equalsIgnoreCase(logBin))
                {
                    throw new IllegalStateException(where + " has its binlog off (log_bin); mariadb_cdc reads the " +
                        "binlog: set log_bin, binlog_format=ROW and server_id in the [mariadbd] section of its " +
                        "config and restart MariaDB");
                }
                final String format = rs.getString(2);
                if (!"ROW".equalsIgnoreCase(format))
                {
                    throw new IllegalStateException(where + " has binlog_format=" + format + "; mariadb_cdc needs " +
                        "binlog_format=ROW: SET GLOBAL binlog_format = 'ROW' and set it in its config");
                }
                final String image = rs.getString(3);
                if (!"FULL".equalsIgnoreCase(image))
                {
                    throw new IllegalStateException(where + " has binlog_row_image=" + image + "; mariadb_cdc " +
                        "needs binlog_row_image=FULL: SET GLOBAL binlog_row_image = 'FULL' and set it in its config");
                }
            }
            final List<String> missing = missingPrivileges(s);
            if (!missing.isEmpty())
            {
                throw new IllegalStateException(where + ": user '" + settings.string("user") + "' lacks " +
                    String.join(" and ", missing) + " that mariadb_cdc needs to read the binlog: GRANT " +
                    String.join(", ", missing) + " ON *.* TO '" + settings.string("user") + "'@'%'");
            }
        }
        catch (final SQLException ex)
        {
            throw new SQLException(where + ": " + ex.getMessage(), ex.getSQLState(), ex);
        }
    }

    /**
     * @return the replication privileges the current user lacks on {@code *.*}: REPLICATION SLAVE to read the
     *         binlog, REPLICATION CLIENT (BINLOG MONITOR since MariaDB 10.5) to ask for the binlog position.
     */
    private static List<String> missingPrivileges(final Statement s) throws SQLException
    {
        final StringBuilder global = new StringBuilder();
        try (ResultSet rs = s.executeQuery("SHOW GRANTS FOR CURRENT_USER()"))
        {
            while (rs.next())
            {
                final String grant = rs.getString(1).toUpperCase(Locale.ROOT);
                if (grant.startsWith("GRANT ") && grant.contains(" ON *.* "))
                {
                    global.append(grant).append('\n');
                }
            }
        }
        final String grants = global.toString();
        final List<String> missing = new ArrayList<>(2);
        if (granted(grants, "ALL PRIVILEGES"))
        {
            return missing;
        }
        if (!granted(grants, "REPLICATION SLAVE"))
        {
            missing.add("REPLICATION SLAVE");
        }
        if (!granted(grants, "REPLICATION CLIENT") && !granted(grants, "BINLOG MONITOR"))
        {
            missing.add("REPLICATION CLIENT");
        }
        return missing;
    }

    /**
     * @return whether a privilege is in a GRANT's list (not merely a prefix of another, as of REPLICATION SLAVE
     *         ADMIN).
     */
    static boolean granted(final String grants, final String privilege)
    {
        return java.util.regex.Pattern.compile("(GRANT |, )" + privilege + "(,| ON )").matcher(grants).find();
    }

    private static Connection connect(final Settings settings) throws SQLException
    {
        final Properties props = new Properties();
        props.setProperty("user", settings.string("user"));
        if (settings.has("password"))
        {
            props.setProperty("password", settings.string("password"));
        }
        props.setProperty("connectTimeout", "10000");
        return DriverManager.getConnection("jdbc:mariadb://" + settings.string("host") + ":" +
            settings.integer("port") + "/", props);
    }
}
