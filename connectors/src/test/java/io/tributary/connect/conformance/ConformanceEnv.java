package io.tributary.connect.conformance;

import io.tributary.testing.MariaDbServer;
import io.tributary.testing.MosquittoBroker;
import io.tributary.testing.PostgresServer;
import io.tributary.testing.TestCluster;

import java.nio.file.Path;

/**
 * The servers a conformance run shares: a one-node cluster, an MQTT broker, PostgreSQL, MariaDB, and a temp
 * directory.
 *
 * @param cluster  the cluster.
 * @param broker   the broker.
 * @param postgres the database server, with database {@value #DATABASE}.
 * @param mariadb  the MariaDB server, with database {@value #DATABASE}.
 * @param dir      a temp directory for files.
 */
record ConformanceEnv(TestCluster cluster, MosquittoBroker broker, PostgresServer postgres, MariaDbServer mariadb,
    Path dir)
{
    static final String DATABASE = "conformance";
}
