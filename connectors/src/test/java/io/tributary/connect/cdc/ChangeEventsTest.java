package io.tributary.connect.cdc;

import io.tributary.connect.SourceRecord;
import io.tributary.log.Header;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Debezium change events become records: JSON key and value, envelope or unwrapped row, tombstones, headers.
 */
@Timeout(30)
class ChangeEventsTest
{
    private static final Schema KEY = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();
    private static final Schema ROW = SchemaBuilder.struct().optional()
        .field("id", Schema.INT32_SCHEMA).field("qty", Schema.INT32_SCHEMA).build();
    private static final Schema SOURCE = SchemaBuilder.struct()
        .field("db", Schema.STRING_SCHEMA).field("ts_ms", Schema.INT64_SCHEMA)
        .field("lsn", Schema.OPTIONAL_INT64_SCHEMA).build();
    private static final Schema ENVELOPE = SchemaBuilder.struct()
        .field("before", ROW).field("after", ROW).field("source", SOURCE).field("op", Schema.STRING_SCHEMA)
        .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA).build();

    @Test
    void anUpdateIsTheEnvelopeWithKeyAndHeaders()
    {
        final SourceRecord record = new ChangeEvents(false).convert(event("u", row(7, 1), row(7, 2)), "p");
        assertEquals("shop.public.orders", record.topic());
        assertEquals("{\"id\":7}", text(record.key()));
        assertEquals("{\"before\":{\"id\":7,\"qty\":1},\"after\":{\"id\":7,\"qty\":2},\"source\":{\"db\":\"shop\"," +
            "\"ts_ms\":1764118000000,\"lsn\":37495400},\"op\":\"u\",\"ts_ms\":null}", text(record.value()));
        assertEquals("u", header(record, ChangeEvents.OP));
        assertEquals("1764118000000", header(record, ChangeEvents.SOURCE_TS_MS));
        assertEquals("37495400", header(record, ChangeEvents.LSN));
        assertEquals("p", record.position());
    }

    @Test
    void unwrapGivesTheRowAndADeleteIsATombstone()
    {
        final ChangeEvents events = new ChangeEvents(true);
        assertEquals("{\"id\":7,\"qty\":2}", text(events.convert(event("c", null, row(7, 2)), "p").value()));
        final SourceRecord delete = events.convert(event("d", row(7, 2), null), "p");
        assertNull(delete.value());
        assertEquals("{\"id\":7}", text(delete.key()));
        assertEquals("d", header(delete, ChangeEvents.OP));
        assertNull(events.convert(tombstone(), "p"), "Debezium's own tombstone adds nothing after the delete");
    }

    @Test
    void envelopedDeletesKeepDebeziumsTombstone()
    {
        final SourceRecord tombstone = new ChangeEvents(false).convert(tombstone(), "p");
        assertNull(tombstone.value());
        assertEquals("{\"id\":7}", text(tombstone.key()));
    }

    @Test
    void aHeartbeatOnlyMovesThePosition()
    {
        final org.apache.kafka.connect.source.SourceRecord heartbeat = new org.apache.kafka.connect.source.SourceRecord(
            Map.of("server", "shop"), Map.of("lsn", 1L), "__debezium-heartbeat.shop", null, null, null,
            Schema.STRING_SCHEMA, "x");
        final SourceRecord record = new ChangeEvents(false).convert(heartbeat, "p2");
        assertTrue(record.isPositionOnly());
        assertEquals("p2", record.position());
    }

    private static org.apache.kafka.connect.source.SourceRecord event(final String op, final Struct before,
        final Struct after)
    {
        final Struct source = new Struct(SOURCE).put("db", "shop").put("ts_ms", 1764118000000L).put("lsn", 37495400L);
        final Struct envelope = new Struct(ENVELOPE).put("before", before).put("after", after).put("source", source)
            .put("op", op);
        return new org.apache.kafka.connect.source.SourceRecord(Map.of("server", "shop"), Map.of("lsn", 37495400L),
            "shop.public.orders", null, KEY, new Struct(KEY).put("id", 7), ENVELOPE, envelope);
    }

    private static org.apache.kafka.connect.source.SourceRecord tombstone()
    {
        return new org.apache.kafka.connect.source.SourceRecord(Map.of("server", "shop"), Map.of("lsn", 37495400L),
            "shop.public.orders", null, KEY, new Struct(KEY).put("id", 7), null, null);
    }

    private static Struct row(final int id, final int qty)
    {
        return new Struct(ROW).put("id", id).put("qty", qty);
    }

    private static String header(final SourceRecord record, final String key)
    {
        return record.headers().stream().filter(h -> h.key().equals(key)).map(Header::value)
            .map(v -> new String(v, StandardCharsets.UTF_8)).findFirst().orElse(null);
    }

    private static String text(final byte[] bytes)
    {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
