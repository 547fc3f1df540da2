package io.tributary.connect.sink;

import io.tributary.connect.ConnectorContext;
import io.tributary.connect.RecordConversionException;
import io.tributary.connect.SinkConnector;
import io.tributary.connect.SinkConnectorType;
import io.tributary.connect.spec.ComponentSpec;
import io.tributary.connect.spec.FieldSpec;
import io.tributary.connect.spec.Settings;
import io.tributary.connect.support.Json;
import io.tributary.log.ConsumerRecord;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * Prints records, one per line: the value as text, or the whole record as JSON. A record whose key or value is not
 * UTF-8 text cannot be printed without loss: it goes to the dead-letter topic, and the batch is checked before any
 * of it is printed. Not thread-safe: used by the runner thread.
 */
public final class StdoutSink implements SinkConnector
{
    /** The {@code stdout} sink type. */
    public static final class Type implements SinkConnectorType
    {
        private static final ComponentSpec SPEC = ComponentSpec.of("stdout",
            "Prints each record on standard output.",
            FieldSpec.oneOf("format", "value", List.of("value", "json"),
                "value: the value as text; json: topic, partition, offset, timestamp, key and value as JSON"));

        public ComponentSpec spec()
        {
            return SPEC;
        }

        public SinkConnector create(final Settings s)
        {
            return new StdoutSink(s.string("format").equals("json"));
        }
    }

    private final boolean json;
    private PrintWriter out;

    StdoutSink(final boolean json)
    {
        this.json = json;
    }

    public void start(final ConnectorContext context)
    {
        out = context.stdout();
    }

    public void deliver(final List<ConsumerRecord<byte[], byte[]>> records) throws RecordConversionException
    {
        final List<String> lines = new ArrayList<>(records.size());
        for (final ConsumerRecord<byte[], byte[]> record : records)
        {
            final String notText = Json.notText(record, json);
            if (notText != null)
            {
                throw new RecordConversionException(record, notText);
            }
            lines.add(json ? Json.envelope(record).toString() : Json.text(record.value()));
        }
        lines.forEach(out::println);
        out.flush();
    }

    public void close()
    {
    }
}
