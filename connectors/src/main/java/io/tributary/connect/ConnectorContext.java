package io.tributary.connect;

import java.io.PrintWriter;
import java.util.Objects;

/**
 * What a running connector may use besides its settings.
 *
 * @param name    the connector's name.
 * @param cluster the cluster's members list, for connectors that write to topics themselves.
 * @param stdout  where the {@code stdout} sink writes.
 */
public record ConnectorContext(String name, String cluster, PrintWriter stdout)
{
    public ConnectorContext
    {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(stdout, "stdout");
    }
}
