package io.tributary.connect.cdc;

import io.tributary.connect.SourceRecord;
import io.tributary.log.Header;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns Debezium's change events into records: key = the row's primary key as JSON ({@code {"id":42}}), value =
 * Debezium's envelope as JSON ({@code before}, {@code after}, {@code source}, {@code op}, {@code ts_ms}), or with
 * {@code unwrap} the row after the change; a delete is followed by a tombstone (null value), so a compacted topic
 * holds each table's current rows. Headers, named as Debezium's own {@code add.headers}: {@value #OP} (c, u, d,
 * r for a snapshot read), {@value #SOURCE_TS_MS} (commit time in epoch ms), and the source position: {@value #LSN}
 * for PostgreSQL, {@value #FILE} and {@value #POS} for a binlog.
 * <p>
 * Not thread-safe: one instance per engine thread.
 */
final class ChangeEvents
{
    static final String OP = "__op";
    static final String SOURCE_TS_MS = "__source_ts_ms";
    static final String LSN = "__lsn";
    static final String FILE = "__file";
    static final String POS = "__pos";
    static final String HEARTBEAT_TOPIC_PREFIX = "__debezium-heartbeat";

    private final boolean unwrap;
    private final JsonConverter keys = converter(true);
    private final JsonConverter values = converter(false);

    ChangeEvents(final boolean unwrap)
    {
        this.unwrap = unwrap;
    }

    /**
     * @param position the source position after this event.
     * @return the record to append, a position-only record for a heartbeat, or null for an event that adds nothing
     *         (Debezium's own tombstone after a delete when {@code unwrap} already made the delete one).
     */
    SourceRecord convert(final org.apache.kafka.connect.source.SourceRecord event, final String position)
    {
        final String topic = event.topic();
        if (topic.startsWith(HEARTBEAT_TOPIC_PREFIX))
        {
            return SourceRecord.positionOnly(position);
        }
        final byte[] key = event.key() == null ? null : keys.fromConnectData(topic, event.keySchema(), event.key());
        if (event.value() == null)
        {
            return unwrap ? null : SourceRecord.toTopic(topic, key, null, List.of(), null, position);
        }
        if (!(event.value() instanceof Struct envelope) || envelope.schema().field("op") == null)
        {
            // Not a row change (e.g. a schema change or transaction event): kept as Debezium wrote it.
            return SourceRecord.toTopic(topic, key, values.fromConnectData(topic, event.valueSchema(), event.value()),
                List.of(), null, position);
        }
        final String op = envelope.getString("op");
        final List<Header> headers = new ArrayList<>(4);
        headers.add(header(OP, op));
        final Struct source = envelope.schema().field("source") == null ? null : envelope.getStruct("source");
        if (source != null)
        {
            addField(headers, source, "ts_ms", SOURCE_TS_MS);
            addField(headers, source, "lsn", LSN);
            addField(headers, source, "file", FILE);
            addField(headers, source, "pos", POS);
        }
        final byte[] value;
        if (!unwrap)
        {
            value = values.fromConnectData(topic, event.valueSchema(), envelope);
        }
        else if ("d".equals(op))
        {
            value = null;
        }
        else
        {
            final Struct after = envelope.getStruct("after");
            value = values.fromConnectData(topic, after.schema(), after);
        }
        return SourceRecord.toTopic(topic, key, value, headers, null, position);
    }

    private static void addField(final List<Header> headers, final Struct source, final String field,
        final String header)
    {
        final Field f = source.schema().field(field);
        if (f != null)
        {
            final Object v = source.get(f);
            if (v != null)
            {
                headers.add(header(header, v.toString()));
            }
        }
    }

    private static Header header(final String key, final String value)
    {
        return new Header(key, value.getBytes(StandardCharsets.UTF_8));
    }

    private static JsonConverter converter(final boolean isKey)
    {
        final JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "false", "decimal.format", "NUMERIC"), isKey);
        return converter;
    }
}
