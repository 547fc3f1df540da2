package io.tributary.connect.bench;

import io.tributary.connect.ConnectorContext;
import io.tributary.connect.ConnectorTypes;
import io.tributary.connect.config.ConnectorConfig;
import io.tributary.connect.config.ConnectorFileParser;
import io.tributary.connect.runtime.ConnectorRunner;
import io.tributary.connect.source.HttpServerSource;
import io.tributary.testing.MosquittoBroker;
import io.tributary.testing.PostgresServer;
import io.tributary.testing.TestCluster;
import org.HdrHistogram.Histogram;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Whole-path connector figures for docs/benchmarks.md, not run by default (no IT suffix): run it with
 * {@code mvn verify -pl connectors -am -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=ConnectorBench}.
 * One-node cluster, mosquitto and PostgreSQL, all on this machine. Prints its figures.
 */
@Timeout(900)
class ConnectorBench
{
    private static final ConnectorTypes TYPES = ConnectorTypes.load();
    private static final int MQTT_MESSAGES = Integer.getInteger("bench.mqtt.messages", 50_000);
    private static final int WEBHOOK_SECONDS = Integer.getInteger("bench.webhook.seconds", 20);
    private static final int WEBHOOK_CLIENTS = Integer.getInteger("bench.webhook.clients", 16);

    @Test
    void mqttToTopicToJdbc() throws Exception
    {
        try (TestCluster cluster = TestCluster.start(1); MosquittoBroker broker = MosquittoBroker.start();
            PostgresServer pg = PostgresServer.start())
        {
            pg.createDatabase("bench");
            pg.execute("bench", "CREATE TABLE readings (topic text, sensor text, seq bigint, temperature double " +
                "precision)");
            final List<ConnectorConfig> configs = new ConnectorFileParser(TYPES, Map.of()).parse("bench.yaml", """
                name: bench-mqtt
                source:
                  mqtt: { url: "%s", topics: ["plant/#"], qos: 1, format: json, client_id: bench-mqtt }
                to: { topic: bench-readings, key: "${mqtt.topic}", partitions: 2 }
                batching: { count: 1000, period: 5ms }
                ---
                name: bench-jdbc
                from: { topics: [bench-readings] }
                sink:
                  jdbc: { url: "%s", table: readings, key_column: topic, mode: insert }
                batching: { count: 2000, period: 50ms }
                """.formatted(broker.url(), pg.jdbcUrl("bench")));
            final List<ConnectorRunner> runners = new ArrayList<>();
            for (final ConnectorConfig config : configs)
            {
                final ConnectorRunner runner = new ConnectorRunner(config, TYPES, new ConnectorContext(config.name(),
                    cluster.members(), new PrintWriter(System.out))).start();
                runners.add(runner);
                if (!runner.awaitStarted(Duration.ofSeconds(60)))
                {
                    throw new IllegalStateException(config.name() + " did not start: " + runner.status().line());
                }
            }
            final MqttAsyncClient publisher = new MqttAsyncClient(broker.url(), "bench-pub", new MemoryPersistence());
            final MqttConnectOptions options = new MqttConnectOptions();
            options.setMaxInflight(1000);
            publisher.connect(options).waitForCompletion();
            final long start = System.nanoTime();
            final ArrayDeque<IMqttDeliveryToken> inflight = new ArrayDeque<>();
            for (int i = 0; i < MQTT_MESSAGES; i++)
            {
                if (inflight.size() >= 500)
                {
                    inflight.poll().waitForCompletion();
                }
                final MqttMessage message = new MqttMessage(("{\"sensor\":\"s" + (i % 50) + "\",\"seq\":" + i +
                    ",\"temperature\":" + (20 + i % 10) + ".5}").getBytes(StandardCharsets.UTF_8));
                message.setQos(1);
                while (true)
                {
                    try
                    {
                        inflight.add(publisher.publish("plant/line" + (i % 4) + "/temperature", message));
                        break;
                    }
                    catch (final org.eclipse.paho.client.mqttv3.MqttException ex)
                    {
                        // Paho frees a slot on its callback thread a little after the token completes.
                        if (ex.getReasonCode() != org.eclipse.paho.client.mqttv3.MqttException.REASON_CODE_MAX_INFLIGHT)
                        {
                            throw ex;
                        }
                        if (!inflight.isEmpty())
                        {
                            inflight.poll().waitForCompletion();
                        }
                        else
                        {
                            Thread.sleep(1);
                        }
                    }
                }
            }
            while (!inflight.isEmpty())
            {
                inflight.poll().waitForCompletion();
            }
            final long published = System.nanoTime();
            long rows = 0;
            while (rows < MQTT_MESSAGES && System.nanoTime() - start < TimeUnit.MINUTES.toNanos(10))
            {
                Thread.sleep(20);
                try (Connection c = pg.connect("bench"); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT count(*) FROM readings"))
                {
                    rs.next();
                    rows = rs.getLong(1);
                }
            }
            final long end = System.nanoTime();
            publisher.disconnect().waitForCompletion();
            publisher.close();
            runners.forEach(r -> r.stop(Duration.ofSeconds(30)));
            System.out.printf("BENCH mqtt->topic->jdbc: %,d messages QoS 1; published (broker-acked) in %.2f s " +
                    "(%,.0f msg/s); all %,d rows in PostgreSQL after %.2f s: %,.0f records/s end to end%n",
                MQTT_MESSAGES, (published - start) / 1e9, MQTT_MESSAGES / ((published - start) / 1e9), rows,
                (end - start) / 1e9, rows / ((end - start) / 1e9));
            runners.forEach(r -> System.out.println("BENCH   " + r.config().name() + ": " + r.status().line()));
        }
    }

    @Test
    void webhookRequests() throws Exception
    {
        try (TestCluster cluster = TestCluster.start(1))
        {
            final int port = TestCluster.freeBasePorts(1).get(0);
            final ConnectorConfig config = new ConnectorFileParser(TYPES, Map.of()).parse("hook.yaml", """
                name: bench-hook
                source:
                  http_server: { address: 127.0.0.1, port: %d, path: /hook, signature_secret: s3cret, threads: 64 }
                to: { topic: bench-hooks, partitions: 2 }
                batching: { count: 500, period: 2ms }
                """.formatted(port)).get(0);
            final ConnectorRunner runner = new ConnectorRunner(config, TYPES, new ConnectorContext(config.name(),
                cluster.members(), new PrintWriter(System.out))).start();
            if (!runner.awaitStarted(Duration.ofSeconds(60)))
            {
                throw new IllegalStateException("did not start: " + runner.status().line());
            }
            final HttpClient client = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(4)).build();
            final URI uri = URI.create("http://127.0.0.1:" + port + "/hook");
            final ExecutorService pool = Executors.newFixedThreadPool(WEBHOOK_CLIENTS);
            final long warmupEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            final long end = warmupEnd + TimeUnit.SECONDS.toNanos(WEBHOOK_SECONDS);
            final List<Future<Histogram>> futures = new ArrayList<>();
            for (int c = 0; c < WEBHOOK_CLIENTS; c++)
            {
                final int clientId = c;
                futures.add(pool.submit(() ->
                {
                    final Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
                    int n = 0;
                    while (System.nanoTime() < end)
                    {
                        final byte[] body = ("{\"client\":" + clientId + ",\"n\":" + n++ + ",\"event\":\"push\"}")
                            .getBytes(StandardCharsets.UTF_8);
                        final HttpRequest request = HttpRequest.newBuilder(uri).POST(
                            HttpRequest.BodyPublishers.ofByteArray(body)).header("X-Signature-256", "sha256=" +
                            java.util.HexFormat.of().formatHex(HttpServerSource.hmac("s3cret", body))).build();
                        final long t0 = System.nanoTime();
                        final HttpResponse<Void> response = client.send(request,
                            HttpResponse.BodyHandlers.discarding());
                        final long t1 = System.nanoTime();
                        if (response.statusCode() != 200)
                        {
                            throw new IllegalStateException("answered " + response.statusCode());
                        }
                        if (t0 > warmupEnd)
                        {
                            histogram.recordValue(t1 - t0);
                        }
                    }
                    return histogram;
                }));
            }
            final Histogram all = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
            for (final Future<Histogram> f : futures)
            {
                all.add(f.get());
            }
            pool.shutdown();
            runner.stop(Duration.ofSeconds(30));
            System.out.printf("BENCH webhook: %d clients, %d s: %,.0f requests/s (each one record, answered 200 " +
                    "after commit); latency p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms%n",
                WEBHOOK_CLIENTS, WEBHOOK_SECONDS, all.getTotalCount() / (double)WEBHOOK_SECONDS,
                all.getValueAtPercentile(50) / 1e6, all.getValueAtPercentile(99) / 1e6,
                all.getValueAtPercentile(99.9) / 1e6, all.getMaxValue() / 1e6);
            System.out.println("BENCH   " + runner.status().line());
        }
    }
}
