package io.tributary.connect.conformance;

import io.tributary.connect.config.ConnectorConfig;

/**
 * The postgres_cdc source capturing a table of this harness (rows {@code id, payload}) with {@code unwrap}, so each
 * record's value is the row, {@code {"id":N,"payload":"..."}}. Its topic is {@code <name>.public.<table>}; its
 * replication slot is dropped on close.
 */
final class PostgresCdcSourceHarness implements ConnectorHarness
{
    private final ConformanceEnv env;
    private String name;
    private String table;

    PostgresCdcSourceHarness(final ConformanceEnv env)
    {
        this.env = env;
    }

    public String type()
    {
        return "postgres_cdc";
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
        this.name = name;
        table = name.replace('-', '_');
        env.postgres().execute(ConformanceEnv.DATABASE, "CREATE TABLE IF NOT EXISTS " + table +
            " (id integer PRIMARY KEY, payload text)");
        return "{ host: 127.0.0.1, port: " + env.postgres().port() + ", database: " + ConformanceEnv.DATABASE +
            ", user: postgres, tables: [public." + table + "], topic_prefix: " + name + ", unwrap: true }";
    }

    public String topic(final ConnectorConfig config)
    {
        return config.name() + ".public." + table;
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
        return new String[] {"{ host: 127.0.0.1, database: d, user: u, snapshot_mode: sometimes }",
            "source.postgres_cdc.snapshot_mode"};
    }

    public void feed(final int from, final int to)
    {
        env.postgres().execute(ConformanceEnv.DATABASE, "INSERT INTO " + table + " SELECT g, 'row ' || g FROM " +
            "generate_series(" + from + ", " + (to - 1) + ") g");
    }

    public void close()
    {
        if (name != null)
        {
            env.postgres().execute(ConformanceEnv.DATABASE, "SELECT pg_drop_replication_slot(slot_name) FROM " +
                "pg_replication_slots WHERE slot_name = 'tributary_" + table + "' AND NOT active");
        }
    }
}
