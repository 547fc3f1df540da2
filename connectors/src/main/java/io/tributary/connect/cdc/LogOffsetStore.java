package io.tributary.connect.cdc;

import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.storage.MemoryOffsetBackingStore;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Debezium's offset storage ({@code offset.storage}) served from Tributary's log: on start it holds the offsets
 * read back from {@code __connector_offsets} (passed in the engine property {@value #POSITION}), in the byte form
 * Debezium's offset reader looks up (its JSON converters without schemas, keyed by {@code [engine name, partition]}).
 * <p>
 * Debezium's own offset commits only update memory here: the truth is the position the source task appended
 * atomically with the change events, so a crash after an append and before Debezium's commit repeats nothing. A
 * commit still tells the connector (PostgreSQL: the slot's confirmed flush LSN) that changes up to there are
 * durable, and Debezium commits only what the runtime acknowledged.
 * <p>
 * Thread-safe as {@link MemoryOffsetBackingStore} is (its executor serialises writes).
 */
public final class LogOffsetStore extends MemoryOffsetBackingStore
{
    /** Engine property holding the stored position text, empty for none. */
    static final String POSITION = "tributary.position";

    private final Set<Map<String, Object>> partitions = new HashSet<>();

    public void configure(final WorkerConfig config)
    {
        super.configure(config);
        final Map<String, String> properties = config.originalsStrings();
        final String namespace = properties.get("name");
        final DebeziumOffsets offsets = DebeziumOffsets.parse(properties.get(POSITION));
        final JsonConverter keys = converter(true);
        final JsonConverter values = converter(false);
        for (final Map.Entry<Map<String, ?>, Map<String, ?>> e : offsets.asMap().entrySet())
        {
            final byte[] key = keys.fromConnectData(namespace, null, Arrays.asList(namespace, e.getKey()));
            final byte[] value = values.fromConnectData(namespace, null, e.getValue());
            data.put(ByteBuffer.wrap(key), ByteBuffer.wrap(value));
            @SuppressWarnings("unchecked") final Map<String, Object> partition = (Map<String, Object>)e.getKey();
            partitions.add(partition);
        }
    }

    public Set<Map<String, Object>> connectorPartitions(final String connectorName)
    {
        return Set.copyOf(partitions);
    }

    private static JsonConverter converter(final boolean isKey)
    {
        final JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "false"), isKey);
        return converter;
    }
}
