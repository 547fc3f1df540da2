package io.tributary.testing;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The shared fixtures start real servers, serve a round trip, and leave nothing behind.
 */
@Timeout(180)
class FixturesIT
{
    @Test
    void mosquittoDeliversAMessage() throws Exception
    {
        try (MosquittoBroker broker = MosquittoBroker.start())
        {
            final BlockingQueue<String> received = new ArrayBlockingQueue<>(10);
            final MqttClient sub = new MqttClient(broker.url(), "sub", new MemoryPersistence());
            sub.connect();
            sub.subscribe("a/#", 1, (topic, message) -> received.add(topic + "=" + new String(message.getPayload(),
                StandardCharsets.UTF_8)));
            final MqttClient pub = new MqttClient(broker.url(), "pub", new MemoryPersistence());
            pub.connect();
            pub.publish("a/b", new MqttMessage("hi".getBytes(StandardCharsets.UTF_8)));
            assertEquals("a/b=hi", received.poll(10, TimeUnit.SECONDS));
            pub.disconnect();
            sub.disconnect();
            pub.close();
            sub.close();
        }
    }

    @Test
    void postgresAnswersQueriesAndHasLogicalDecoding() throws Exception
    {
        try (PostgresServer pg = PostgresServer.start())
        {
            pg.createDatabase("fixture");
            pg.execute("fixture", "CREATE TABLE t (id int primary key)");
            pg.execute("fixture", "INSERT INTO t VALUES (1), (2)");
            try (Connection c = pg.connect("fixture"); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*), current_setting('wal_level') FROM t"))
            {
                rs.next();
                assertEquals(2, rs.getInt(1));
                assertEquals("logical", rs.getString(2));
            }
        }
    }

    @Test
    void mariadbAnswersQueriesAndWritesARowBinlog() throws Exception
    {
        try (MariaDbServer db = MariaDbServer.start())
        {
            db.createDatabase("fixture");
            db.execute("fixture", "CREATE TABLE t (id int primary key)", "INSERT INTO t VALUES (1), (2)");
            assertEquals("2", db.query("fixture", "SELECT count(*) FROM t"));
            // Not in the same SELECT as an aggregate: MariaDB 10.11 answers @@log_bin there with 0.
            try (Connection c = db.connect("fixture"); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT @@log_bin, @@binlog_format"))
            {
                rs.next();
                assertEquals(1, rs.getInt(1));
                assertEquals("ROW", rs.getString(2));
            }
        }
    }
}
