package io.tributary.connect.cdc;

import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.runtime.standalone.StandaloneConfig;
import org.apache.kafka.connect.storage.OffsetStorageReaderImpl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The stored position reaches Debezium as the offsets it wrote: read through Kafka Connect's own offset reader,
 * configured as Debezium Embedded configures it.
 */
@Timeout(30)
class LogOffsetStoreTest
{
    private static final String POSITION = "[{\"partition\":{\"server\":\"shop\"},\"offset\":{\"lsn_proc\":" +
        "37495312,\"lsn_commit\":37495312,\"lsn\":37495400,\"txId\":751,\"ts_usec\":1764118000000123}}]";

    @Test
    void servesTheStoredOffsetsToDebeziumsOffsetReader()
    {
        final LogOffsetStore store = store(POSITION);
        store.start();
        try (OffsetStorageReaderImpl reader = new OffsetStorageReaderImpl(store, "shop-cdc", converter(true),
            converter(false)))
        {
            final Map<String, Object> offset = reader.offset(Map.of("server", "shop"));
            assertEquals(37495312L, ((Number)offset.get("lsn_proc")).longValue());
            assertEquals(37495400L, ((Number)offset.get("lsn")).longValue());
            assertEquals(751L, ((Number)offset.get("txId")).longValue());
            assertEquals(1764118000000123L, ((Number)offset.get("ts_usec")).longValue());
            assertNull(reader.offset(Map.of("server", "other")));
            assertEquals(1, store.connectorPartitions("shop-cdc").size());
        }
        finally
        {
            store.stop();
        }
    }

    @Test
    void noPositionIsNoOffsets()
    {
        final LogOffsetStore store = store("");
        store.start();
        try (OffsetStorageReaderImpl reader = new OffsetStorageReaderImpl(store, "shop-cdc", converter(true),
            converter(false)))
        {
            assertNull(reader.offset(Map.of("server", "shop")));
        }
        finally
        {
            store.stop();
        }
    }

    @Test
    void offsetsRoundTripThroughThePositionText()
    {
        final DebeziumOffsets offsets = new DebeziumOffsets();
        final Map<String, Object> offset = new LinkedHashMap<>();
        offset.put("lsn", 42L);
        offset.put("snapshot", true);
        offsets.put(Map.of("server", "shop"), offset);
        final DebeziumOffsets parsed = DebeziumOffsets.parse(offsets.position());
        assertEquals(offsets.position(), parsed.position());
        assertEquals(Map.of("lsn", 42, "snapshot", true), parsed.asMap().get(Map.of("server", "shop")));
        assertThrows(IllegalArgumentException.class, () -> DebeziumOffsets.parse("42"));
    }

    private static LogOffsetStore store(final String position)
    {
        final LogOffsetStore store = new LogOffsetStore();
        store.configure(new StandaloneConfig(Map.of(
            "name", "shop-cdc",
            LogOffsetStore.POSITION, position,
            "key.converter", JsonConverter.class.getName(),
            "value.converter", JsonConverter.class.getName(),
            StandaloneConfig.OFFSET_STORAGE_FILE_FILENAME_CONFIG, "unused",
            "bootstrap.servers", "127.0.0.1:1")));
        return store;
    }

    private static JsonConverter converter(final boolean isKey)
    {
        final JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "false"), isKey);
        return converter;
    }
}
