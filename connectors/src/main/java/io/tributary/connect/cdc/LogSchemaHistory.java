package io.tributary.connect.cdc;

import io.debezium.config.Configuration;
import io.debezium.document.Document;
import io.debezium.document.DocumentReader;
import io.debezium.document.DocumentWriter;
import io.debezium.relational.history.AbstractSchemaHistory;
import io.debezium.relational.history.HistoryRecord;
import io.debezium.relational.history.HistoryRecordComparator;
import io.debezium.relational.history.SchemaHistoryException;
import io.debezium.relational.history.SchemaHistoryListener;
import io.tributary.log.Admin;
import io.tributary.log.Consumer;
import io.tributary.log.ConsumerConfig;
import io.tributary.log.ConsumerRecord;
import io.tributary.log.Deserializer;
import io.tributary.log.ErrorCode;
import io.tributary.log.NewTopic;
import io.tributary.log.Producer;
import io.tributary.log.ProducerConfig;
import io.tributary.log.ProducerRecord;
import io.tributary.log.Serializer;
import io.tributary.log.TopicPartition;
import io.tributary.log.TributaryException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Debezium's schema history ({@code schema.history.internal}) for a binlog connector, kept in Tributary's compacted
 * internal topic {@value #TOPIC} instead of a local file, so a worker on another machine resumes with the table
 * schemas that match the stored binlog position.
 * <p>
 * One record per history entry, key {@code <connector>/<sequence>} (sequence zero-padded, so the entries of one
 * connector never share a key and compaction keeps them all), value the entry as Debezium's JSON document. An entry is
 * appended, and acknowledged by the cluster, before Debezium emits any change after it: the history is never behind
 * a position stored with the change events, whatever crashes when. It may be ahead (a DDL appended, the process
 * killed before a later change stored its position); on restart Debezium applies only entries up to the stored
 * position and reads the DDL from the binlog again, and an entry equal to one already stored (same DDL at the same
 * binlog position) is not appended twice.
 * <p>
 * Thread-safe (Debezium records from its reader thread, recovers on start).
 */
public final class LogSchemaHistory extends AbstractSchemaHistory
{
    /** The compacted topic holding every connector's schema history. */
    public static final String TOPIC = "__connector_schema_history";
    /** Engine property: the cluster to store the history in. */
    static final String CLUSTER = CONFIGURATION_FIELD_PREFIX_STRING + "tributary.cluster";
    /** Engine property: the connector whose history this is. */
    static final String CONNECTOR = CONFIGURATION_FIELD_PREFIX_STRING + "tributary.connector";

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Set<String> stored = new HashSet<>();
    private String cluster;
    private String connector;
    private long nextSequence;
    private boolean recovered;
    private Producer<byte[], byte[]> producer;

    public synchronized void configure(final Configuration config, final HistoryRecordComparator comparator,
        final SchemaHistoryListener listener, final boolean useCatalogBeforeSchema)
    {
        super.configure(config, comparator, listener, useCatalogBeforeSchema);
        cluster = setting(config, CLUSTER);
        connector = setting(config, CONNECTOR);
    }

    public synchronized void start()
    {
        super.start();
        if (producer == null)
        {
            producer = Producer.create(ProducerConfig.builder().cluster(cluster).build(), Serializer.bytes(),
                Serializer.bytes());
        }
    }

    public synchronized void stop()
    {
        super.stop();
        if (producer != null)
        {
            producer.close();
            producer = null;
        }
    }

    protected synchronized void storeRecord(final HistoryRecord record) throws SchemaHistoryException
    {
        if (!recovered)
        {
            readAll(r -> { });
        }
        if (!stored.add(fingerprint(record.document())))
        {
            logger.debug("schema history entry already stored, not appended again: {}", record);
            return;
        }
        final byte[] value = DocumentWriter.defaultWriter().writeAsBytes(record.document());
        try
        {
            producer.send(ProducerRecord.of(TOPIC, 0, key(connector, nextSequence), value))
                .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            nextSequence++;
        }
        catch (final Exception ex)
        {
            stored.remove(fingerprint(record.document()));
            if (ex instanceof InterruptedException)
            {
                Thread.currentThread().interrupt();
            }
            throw new SchemaHistoryException("appending the schema history of " + connector + " to " + TOPIC +
                " failed: " + ex.getMessage(), ex);
        }
    }

    protected synchronized void recoverRecords(final java.util.function.Consumer<HistoryRecord> records)
    {
        readAll(records);
    }

    public synchronized boolean exists()
    {
        if (!recovered)
        {
            readAll(r -> { });
        }
        return nextSequence > 0;
    }

    public boolean storageExists()
    {
        try (Admin admin = Admin.create(cluster))
        {
            return admin.listTopics().contains(TOPIC);
        }
    }

    public void initializeStorage()
    {
        try (Admin admin = Admin.create(cluster))
        {
            ensureTopic(admin);
        }
    }

    /**
     * @return how many schema history entries the connector has stored.
     */
    public static int size(final String cluster, final String connector)
    {
        return read(cluster, connector).size();
    }

    /**
     * Forget a connector's schema history (tombstones for its entries), so its next run starts afresh.
     *
     * @return how many entries were forgotten.
     */
    public static int forget(final String cluster, final String connector)
    {
        final Map<Long, byte[]> entries = read(cluster, connector);
        if (entries.isEmpty())
        {
            return 0;
        }
        try (Producer<byte[], byte[]> producer = Producer.create(ProducerConfig.builder().cluster(cluster).build(),
            Serializer.bytes(), Serializer.bytes()))
        {
            final List<CompletableFuture<?>> sent = new ArrayList<>();
            for (final long sequence : entries.keySet())
            {
                sent.add(producer.send(ProducerRecord.of(TOPIC, 0, key(connector, sequence), null)));
            }
            for (final CompletableFuture<?> f : sent)
            {
                f.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new TributaryException(ErrorCode.TIMEOUT, "interrupted forgetting the schema history of " +
                connector);
        }
        catch (final Exception ex)
        {
            throw new TributaryException(ErrorCode.TIMEOUT, "forgetting the schema history of " + connector +
                " failed: " + ex.getMessage());
        }
        return entries.size();
    }

    static void ensureTopic(final Admin admin)
    {
        if (admin.listTopics().contains(TOPIC))
        {
            return;
        }
        try
        {
            admin.createTopic(new NewTopic(TOPIC, 1, Map.of("cleanup.policy", "compact")));
        }
        catch (final TributaryException ex)
        {
            if (ex.errorCode() != ErrorCode.TOPIC_ALREADY_EXISTS)
            {
                throw ex;
            }
        }
    }

    private void readAll(final java.util.function.Consumer<HistoryRecord> records)
    {
        final Map<Long, byte[]> entries = read(cluster, connector);
        stored.clear();
        nextSequence = 0;
        for (final Map.Entry<Long, byte[]> e : entries.entrySet())
        {
            final Document document;
            try
            {
                document = DocumentReader.defaultReader().read(e.getValue());
            }
            catch (final IOException ex)
            {
                throw new SchemaHistoryException("schema history entry " + e.getKey() + " of " + connector +
                    " in " + TOPIC + " is not a JSON document", ex);
            }
            stored.add(fingerprint(document));
            nextSequence = e.getKey() + 1;
            records.accept(new HistoryRecord(document));
        }
        recovered = true;
    }

    /**
     * @return the connector's live entries by sequence, in order.
     */
    private static Map<Long, byte[]> read(final String cluster, final String connector)
    {
        final TreeMap<Long, byte[]> entries = new TreeMap<>();
        final TopicPartition tp = new TopicPartition(TOPIC, 0);
        final long end;
        try (Admin admin = Admin.create(cluster))
        {
            if (!admin.listTopics().contains(TOPIC))
            {
                return entries;
            }
            end = admin.endOffsets(List.of(tp)).get(tp);
        }
        if (end == 0)
        {
            return entries;
        }
        final ConsumerConfig config = ConsumerConfig.builder().cluster(cluster)
            .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST).build();
        try (Consumer<byte[], byte[]> consumer = Consumer.create(config, Deserializer.bytes(), Deserializer.bytes()))
        {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            final long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (consumer.position(tp) < end)
            {
                if (System.nanoTime() > deadline)
                {
                    throw new TributaryException(ErrorCode.TIMEOUT, "reading the schema history of " + connector +
                        " from " + TOPIC + " took over " + TIMEOUT.toSeconds() + " s");
                }
                for (final ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500)))
                {
                    final Long sequence = sequence(record.key(), connector);
                    if (sequence != null)
                    {
                        if (record.value() == null)
                        {
                            entries.remove(sequence);
                        }
                        else
                        {
                            entries.put(sequence, record.value());
                        }
                    }
                }
            }
        }
        return entries;
    }

    static byte[] key(final String connector, final long sequence)
    {
        return String.format("%s/%019d", connector, sequence).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @return the sequence of a key of this connector's history, or null for another connector's.
     */
    static Long sequence(final byte[] key, final String connector)
    {
        if (key == null)
        {
            return null;
        }
        final String text = new String(key, StandardCharsets.UTF_8);
        final int slash = text.lastIndexOf('/');
        if (slash < 0 || !text.substring(0, slash).equals(connector))
        {
            return null;
        }
        try
        {
            return Long.parseLong(text.substring(slash + 1));
        }
        catch (final NumberFormatException ex)
        {
            return null;
        }
    }

    /**
     * What makes two entries the same: the DDL and the binlog position it was read at.
     */
    private static String fingerprint(final Document document)
    {
        final Document position = document.getDocument("position");
        final Object database = document.getString("databaseName");
        return document.getString("ddl") + "\n" + database + "\n" +
            (position == null ? "" : new String(DocumentWriter.defaultWriter().writeAsBytes(position),
                StandardCharsets.UTF_8));
    }

    private static String setting(final Configuration config, final String key)
    {
        String value = config.getString(key);
        if (value == null)
        {
            value = config.getString(key.substring(CONFIGURATION_FIELD_PREFIX_STRING.length()));
        }
        if (value == null || value.isBlank())
        {
            throw new SchemaHistoryException(LogSchemaHistory.class.getSimpleName() + " needs " + key);
        }
        return value;
    }
}
