package io.tributary.connect.conformance;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The jdbc sink upserting into a table of this harness.
 */
final class JdbcSinkHarness implements ConnectorHarness
{
    private final ConformanceEnv env;
    private String table;

    JdbcSinkHarness(final ConformanceEnv env)
    {
        this.env = env;
    }

    public String type()
    {
        return "jdbc";
    }

    public boolean source()
    {
        return false;
    }

    public String block(final String name)
    {
        table = name.replace('-', '_');
        env.postgres().execute(ConformanceEnv.DATABASE, "CREATE TABLE IF NOT EXISTS " + table +
            " (k text PRIMARY KEY, id integer NOT NULL, at timestamptz DEFAULT now())");
        return "{ url: \"" + env.postgres().jdbcUrl(ConformanceEnv.DATABASE) + "\", table: " + table +
            ", key_column: k, mode: upsert }";
    }

    public String[] badBlock()
    {
        return new String[] {"{ url: \"jdbc:postgresql://127.0.0.1/x\", table: t, mode: upsert }", "sink.jdbc"};
    }

    public String poisonError()
    {
        return "value is not a JSON object";
    }

    public byte[] poisonValue()
    {
        return "[1, 2]".getBytes(StandardCharsets.UTF_8);
    }

    public List<Integer> delivered() throws Exception
    {
        final List<Integer> ids = new ArrayList<>();
        try (Connection c = env.postgres().connect(ConformanceEnv.DATABASE); Statement s = c.createStatement();
            ResultSet rs = s.executeQuery("SELECT id FROM " + table))
        {
            while (rs.next())
            {
                ids.add(rs.getInt(1));
            }
        }
        return ids;
    }
}
