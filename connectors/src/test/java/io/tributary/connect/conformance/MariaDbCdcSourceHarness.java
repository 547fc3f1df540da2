package io.tributary.connect.conformance;

import io.tributary.connect.config.ConnectorConfig;

/**
 * The mariadb_cdc source capturing a table of this harness (rows {@code id, payload}) with {@code unwrap}, so each
 * record's value is the row, {@code {"id":N,"payload":"..."}}. Its topic is {@code <name>.conformance.<table>}; it
 * keeps nothing on the server.
 */
final class MariaDbCdcSourceHarness implements ConnectorHarness
{
    private final ConformanceEnv env;
    private String table;

    MariaDbCdcSourceHarness(final ConformanceEnv env)
    {
        this.env = env;
    }

    public String type()
    {
        return "mariadb_cdc";
    }

    public boolean source()
    {
        return true;
    }

    public boolean exactPositions()
    {
        return true;
    }

    public String block(final String name)
    {
        table = name.replace('-', '_');
        env.mariadb().execute(ConformanceEnv.DATABASE, "CREATE TABLE IF NOT EXISTS " + table +
            " (id integer PRIMARY KEY, payload varchar(100))");
        return "{ host: 127.0.0.1, port: " + env.mariadb().port() + ", databases: [" + ConformanceEnv.DATABASE +
            "], user: root, tables: [" + ConformanceEnv.DATABASE + "." + table + "], topic_prefix: " + name +
            ", unwrap: true }";
    }

    public String topic(final ConnectorConfig config)
    {
        return config.name() + "." + ConformanceEnv.DATABASE + "." + table;
    }

    public String unpoisonable()
    {
        return "changes are read from the database's own log, rows the database already accepted, and each " +
            "converts to a record: there is no upstream input that cannot be converted";
    }

    public String poisonError()
    {
        return null;
    }

    public String[] badBlock()
    {
        return new String[] {"{ host: 127.0.0.1, user: u, server_id: lots }", "source.mariadb_cdc.server_id"};
    }

    public void feed(final int from, final int to)
    {
        env.mariadb().execute(ConformanceEnv.DATABASE, "INSERT INTO " + table + " SELECT seq, CONCAT('row ', seq) " +
            "FROM seq_" + from + "_to_" + (to - 1));
    }
}
