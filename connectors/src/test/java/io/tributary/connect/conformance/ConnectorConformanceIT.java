package io.tributary.connect.conformance;

import io.tributary.connect.ConnectorContext;
import io.tributary.connect.ConnectorTypes;
import io.tributary.connect.RecordConversionException;
import io.tributary.connect.config.ConfigException;
import io.tributary.connect.config.ConnectorConfig;
import io.tributary.connect.config.ConnectorFileParser;
import io.tributary.connect.runtime.ConnectorRunner;
import io.tributary.connect.runtime.ConnectorStatus;
import io.tributary.connect.runtime.DeadLetters;
import io.tributary.log.Admin;
import io.tributary.log.ConsumerRecord;
import io.tributary.log.NewTopic;
import io.tributary.log.Producer;
import io.tributary.log.ProducerConfig;
import io.tributary.log.ProducerRecord;
import io.tributary.log.RecordMetadata;
import io.tributary.log.Serializer;
import io.tributary.testing.MariaDbServer;
import io.tributary.testing.MosquittoBroker;
import io.tributary.testing.PostgresServer;
import io.tributary.testing.TestCluster;
import io.tributary.testing.TransactionSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The suite every connector passes, against a real one-node cluster, mosquitto, PostgreSQL, MariaDB and HTTP on
 * loopback:
 * start, deliver a batch and stop; resume after a restart without losing anything (and, where positions are exact,
 * without repeating anything); reject a bad config naming the key; send a poisoned record to the dead-letter topic
 * and move on, with headers saying why and where it came from (a type with no poisonable input says why instead).
 */
@Timeout(120)
class ConnectorConformanceIT
{
    private static final String SOURCES = "source:mqtt,source:http_server,source:http_poll,source:file," +
        "source:generator,source:postgres_cdc,source:mariadb_cdc";
    private static final AtomicInteger NAMES = new AtomicInteger();
    private static final ConnectorTypes TYPES = ConnectorTypes.load();
    private static ConformanceEnv env;
    private static boolean transactions;

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private ConnectorRunner current;

    @BeforeAll
    static void startServers() throws Exception
    {
        final TestCluster cluster = TestCluster.start(1);
        MosquittoBroker broker = null;
        PostgresServer postgres = null;
        MariaDbServer mariadb = null;
        try
        {
            broker = MosquittoBroker.start();
            postgres = PostgresServer.start();
            postgres.createDatabase(ConformanceEnv.DATABASE);
            mariadb = MariaDbServer.start();
            mariadb.createDatabase(ConformanceEnv.DATABASE);
            env = new ConformanceEnv(cluster, broker, postgres, mariadb,
                Files.createTempDirectory("tributary-conformance-"));
            transactions = TransactionSupport.available(cluster.members());
        }
        catch (final RuntimeException ex)
        {
            cluster.close();
            if (broker != null)
            {
                broker.close();
            }
            if (postgres != null)
            {
                postgres.close();
            }
            if (mariadb != null)
            {
                mariadb.close();
            }
            throw ex;
        }
    }

    @AfterAll
    static void stopServers()
    {
        if (env != null)
        {
            try (TestCluster cluster = env.cluster(); MosquittoBroker broker = env.broker();
                PostgresServer postgres = env.postgres(); MariaDbServer mariadb = env.mariadb())
            {
                TestCluster.deleteRecursively(env.dir());
            }
        }
    }

    @AfterEach
    void closeAll()
    {
        for (int i = closeables.size() - 1; i >= 0; i--)
        {
            try
            {
                closeables.get(i).close();
            }
            catch (final Exception ex)
            {
                System.err.println("closing " + closeables.get(i) + ": " + ex);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"source:mqtt", "source:http_server", "source:http_poll", "source:file", "source:generator",
        "source:postgres_cdc", "source:mariadb_cdc", "sink:jdbc", "sink:http", "sink:mqtt", "sink:file", "sink:topic",
        "sink:stdout"})
    void startsDeliversABatchAndStops(final String which) throws Exception
    {
        final ConnectorHarness harness = harness(which);
        final ConnectorConfig config = config(harness);
        final ConnectorRunner runner = start(config, harness);
        put(harness, config, 0, 200);
        awaitIds(harness, config, 0, 200);
        runner.stop(Duration.ofSeconds(30));
        assertEquals(ConnectorStatus.State.STOPPED, runner.status().state(), runner.status().line());
        assertTrue(runner.status().records() >= 200, runner.status().line());
        if (!"source:http_server".equals(which))
        {
            assertTrue(runner.status().batches() < 200, "records were batched: " + runner.status().line());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"source:mqtt", "source:http_server", "source:http_poll", "source:file", "source:generator",
        "source:postgres_cdc", "source:mariadb_cdc", "sink:jdbc", "sink:http", "sink:mqtt", "sink:file", "sink:topic",
        "sink:stdout"})
    void restartResumesWithoutLoss(final String which) throws Exception
    {
        final ConnectorHarness harness = harness(which);
        final ConnectorConfig config = config(harness);
        ConnectorRunner runner = start(config, harness);
        put(harness, config, 0, 100);
        awaitIds(harness, config, 0, 100);
        runner.stop(Duration.ofSeconds(30));
        assertEquals(ConnectorStatus.State.STOPPED, runner.status().state(), runner.status().line());
        if (harness.feedsWhileStopped())
        {
            put(harness, config, 100, 200);
        }
        runner = start(config, harness);
        if (!harness.feedsWhileStopped())
        {
            put(harness, config, 100, 200);
        }
        final List<Integer> ids = awaitIds(harness, config, 0, 200);
        runner.stop(Duration.ofSeconds(30));
        final Map<Integer, Integer> counts = new TreeMap<>();
        ids.forEach(id -> counts.merge(id, 1, Integer::sum));
        final long duplicates = counts.values().stream().filter(c -> c > 1).count();
        System.out.println(which + ": " + counts.size() + " distinct ids, " + duplicates + " repeated");
        if (harness.source() && harness.exactPositions())
        {
            assertEquals(0, duplicates, "a source with exact positions repeats nothing: " + counts);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"source:mqtt", "source:http_server", "source:http_poll", "source:file", "source:generator",
        "source:postgres_cdc", "source:mariadb_cdc", "sink:jdbc", "sink:http", "sink:mqtt", "sink:file", "sink:topic",
        "sink:stdout"})
    void badConfigIsRejectedNamingTheKey(final String which) throws Exception
    {
        final ConnectorHarness harness = harness(which);
        final String[] bad = harness.badBlock();
        final ConfigException ex = assertThrows(ConfigException.class, () -> parse(harness, "bad", bad[0]));
        assertTrue(ex.errors().stream().anyMatch(e -> e.path().equals(bad[1]) && e.line() > 0),
            "expected an error at " + bad[1] + ", got:\n" + ex.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"source:mqtt", "source:http_server", "source:http_poll", "source:file", "source:generator",
        "source:postgres_cdc", "source:mariadb_cdc", "sink:jdbc", "sink:http", "sink:mqtt", "sink:file", "sink:topic",
        "sink:stdout"})
    void poisonedRecordGoesToTheDeadLetterTopicAndTheConnectorMovesOn(final String which) throws Exception
    {
        final ConnectorHarness harness = harness(which);
        final String unpoisonable = harness.unpoisonable();
        if (unpoisonable != null)
        {
            Assumptions.abort(which + " has no poisoned input: " + unpoisonable);
        }
        final ConnectorConfig config = config(harness);
        final ConnectorRunner runner = start(config, harness);
        put(harness, config, 0, 5);
        long poisonOffset = -1;
        final ConnectorHarness.Poison outcome;
        if (harness.source())
        {
            awaitIds(harness, config, 0, 5);
            outcome = harness.poisonSource();
        }
        else
        {
            poisonOffset = produce(config.from().topics().get(0), "poison", harness.poisonValue()).offset();
            outcome = ConnectorHarness.Poison.DEAD_LETTERED;
        }
        put(harness, config, 5, 10);
        awaitIds(harness, config, 0, 10);
        if (outcome == ConnectorHarness.Poison.DEAD_LETTERED)
        {
            final List<ConsumerRecord<byte[], byte[]>> dead = awaitRecords(config.deadLetter().topic(), 1);
            assertEquals(1, dead.size(), "one dead letter");
            final ConsumerRecord<byte[], byte[]> letter = dead.get(0);
            final String errorClass = DeadLetters.headerText(letter.headers(), DeadLetters.ERROR_CLASS);
            final String message = DeadLetters.headerText(letter.headers(), DeadLetters.ERROR_MESSAGE);
            assertTrue(errorClass != null && !errorClass.isBlank(), "dlq.error.class");
            assertTrue(message != null && message.contains(harness.poisonError()),
                "dlq.error.message says why (" + harness.poisonError() + "): " + message);
            assertEquals(config.name(), DeadLetters.headerText(letter.headers(), DeadLetters.CONNECTOR));
            if (harness.source())
            {
                assertEquals(RecordConversionException.class.getName(), errorClass);
                assertTrue(letter.value() != null && letter.value().length > 0, "the input is kept as the value");
            }
            else
            {
                assertEquals(config.from().topics().get(0), DeadLetters.headerText(letter.headers(),
                    DeadLetters.TOPIC));
                final int partition = Integer.parseInt(DeadLetters.headerText(letter.headers(),
                    DeadLetters.PARTITION));
                assertTrue(partition == 0 || partition == 1, "dlq.original.partition " + partition);
                assertEquals(Long.toString(poisonOffset), DeadLetters.headerText(letter.headers(),
                    DeadLetters.OFFSET));
                assertTrue(Integer.parseInt(DeadLetters.headerText(letter.headers(), DeadLetters.ATTEMPTS)) >= 1,
                    "dlq.attempts");
                assertEquals("poison", new String(letter.key(), StandardCharsets.UTF_8), "the key is kept");
                assertArrayEquals(harness.poisonValue(), letter.value(), "the value is kept");
            }
            assertEquals(1, runner.status().deadLettered(), runner.status().line());
        }
        else
        {
            assertEquals(null, harness.poisonError(), which + " refuses bad input upstream");
        }
        runner.stop(Duration.ofSeconds(30));
        assertEquals(ConnectorStatus.State.STOPPED, runner.status().state(), runner.status().line());
    }

    private ConnectorHarness harness(final String which) throws Exception
    {
        final String type = which.substring(which.indexOf(':') + 1);
        final Supplier<ConnectorHarness> none = () ->
        {
            throw new IllegalArgumentException(which);
        };
        final ConnectorHarness harness;
        if (SOURCES.contains(which))
        {
            harness = switch (type)
            {
                case "mqtt" -> new MqttSourceHarness(env);
                case "http_server" -> new HttpServerSourceHarness();
                case "http_poll" -> new HttpPollSourceHarness();
                case "file" -> new FileSourceHarness(env);
                case "generator" -> new GeneratorSourceHarness();
                case "postgres_cdc" -> new PostgresCdcSourceHarness(env);
                case "mariadb_cdc" -> new MariaDbCdcSourceHarness(env);
                default -> none.get();
            };
        }
        else
        {
            harness = switch (type)
            {
                case "jdbc" -> new JdbcSinkHarness(env);
                case "http" -> new HttpSinkHarness();
                case "mqtt" -> new MqttSinkHarness(env);
                case "file" -> new FileSinkHarness(env);
                case "topic" -> new TopicSinkHarness(env);
                case "stdout" -> new StdoutSinkHarness();
                default -> none.get();
            };
        }
        closeables.add(harness);
        return harness;
    }

    private ConnectorConfig config(final ConnectorHarness harness) throws Exception
    {
        final String name = "conf-" + (harness.source() ? "src-" : "sink-") + harness.type().replace('_', '-') +
            "-" + NAMES.incrementAndGet();
        final ConnectorConfig config = parse(harness, name, harness.block(name));
        if (!harness.source())
        {
            try (Admin admin = Admin.create(env.cluster().members()))
            {
                admin.createTopic(new NewTopic(config.from().topics().get(0), 2));
            }
        }
        return config;
    }

    private static ConnectorConfig parse(final ConnectorHarness harness, final String name, final String block)
    {
        final String yaml = harness.source() ?
            "name: " + name + "\n" +
                "source:\n  " + harness.type() + ": " + block + "\n" +
                (TYPES.sources().get(harness.type()).namesTopics() ? "" :
                    "to: { topic: " + name + "-out, partitions: 2 }\n") +
                "batching: { count: 100, period: 20ms }\n" +
                "retry: { max_attempts: 3, backoff: 50ms, max_backoff: 200ms }\n" :
            "name: " + name + "\n" +
                "from: { topics: [" + name + "-in] }\n" +
                "sink:\n  " + harness.type() + ": " + block + "\n" +
                "batching: { count: 100, period: 20ms }\n" +
                "retry: { max_attempts: 3, backoff: 50ms, max_backoff: 2s }\n";
        return new ConnectorFileParser(TYPES, Map.of()).parse(name + ".yaml", yaml).get(0);
    }

    private ConnectorRunner start(final ConnectorConfig config, final ConnectorHarness harness)
        throws InterruptedException
    {
        if (harness.source())
        {
            Assumptions.assumeTrue(transactions, TransactionSupport.MISSING);
        }
        final ConnectorRunner runner = new ConnectorRunner(config, TYPES,
            new ConnectorContext(config.name(), env.cluster().members(), harness.stdout())).start();
        closeables.add(runner);
        current = runner;
        if (!runner.awaitStarted(Duration.ofSeconds(60)))
        {
            fail("connector did not start: " + runner.status().line());
        }
        return runner;
    }

    private void put(final ConnectorHarness harness, final ConnectorConfig config, final int from, final int to)
        throws Exception
    {
        if (harness.source())
        {
            harness.feed(from, to);
            return;
        }
        for (int id = from; id < to; id++)
        {
            produce(config.from().topics().get(0), "k" + id, Ids.value(id));
        }
    }

    private static RecordMetadata produce(final String topic, final String key, final byte[] value)
        throws Exception
    {
        try (Producer<byte[], byte[]> producer = producer())
        {
            return producer.send(ProducerRecord.of(topic, key.getBytes(StandardCharsets.UTF_8), value)).get();
        }
    }

    private static Producer<byte[], byte[]> producer()
    {
        return Producer.create(ProducerConfig.builder().cluster(env.cluster().members()).build(), Serializer.bytes(),
            Serializer.bytes());
    }

    /**
     * Wait until every id in [from, to) was delivered; return every id delivered, duplicates included.
     */
    private List<Integer> awaitIds(final ConnectorHarness harness, final ConnectorConfig config, final int from,
        final int to) throws Exception
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        List<Integer> ids = List.of();
        while (System.nanoTime() < deadline)
        {
            ids = harness.source() ? TopicReader.ids(env.cluster().members(), harness.topic(config)) :
                harness.delivered();
            final List<Integer> missing = missing(ids, from, to);
            if (missing.isEmpty())
            {
                return ids;
            }
            if (current.done().isCompletedExceptionally())
            {
                fail("connector failed: " + current.status().line());
            }
            Thread.sleep(100);
        }
        fail("ids missing after 60 s: " + missing(ids, from, to));
        return ids;
    }

    private static List<Integer> missing(final List<Integer> ids, final int from, final int to)
    {
        final List<Integer> missing = new ArrayList<>();
        for (int id = from; id < to; id++)
        {
            if (!ids.contains(id))
            {
                missing.add(id);
            }
        }
        return missing;
    }

    private static List<ConsumerRecord<byte[], byte[]>> awaitRecords(final String topic, final int count)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<ConsumerRecord<byte[], byte[]>> records = List.of();
        while (System.nanoTime() < deadline)
        {
            records = TopicReader.all(env.cluster().members(), topic);
            if (records.size() >= count)
            {
                return records;
            }
            Thread.sleep(100);
        }
        return records;
    }
}
