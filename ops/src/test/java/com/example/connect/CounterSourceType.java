package com.example.connect;

import io.tributary.connect.ConnectorContext;
import io.tributary.connect.SourceConnector;
import io.tributary.connect.SourceConnectorType;
import io.tributary.connect.SourceRecord;
import io.tributary.connect.spec.ComponentSpec;
import io.tributary.connect.spec.FieldSpec;
import io.tributary.connect.spec.FieldType;
import io.tributary.connect.spec.Settings;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A third-party source type as a plugin jar would bring it: it counts from its position up to {@code limit}. It has
 * no {@code META-INF/services} entry on the test class path, so only a plugin jar (which the test builds) makes it
 * known.
 */
public final class CounterSourceType implements SourceConnectorType
{
    private static final ComponentSpec SPEC = ComponentSpec.of("counter",
        "Counts from 0 to limit (a plugin type for tests).",
        FieldSpec.optional("limit", FieldType.INT, 10, "last number", "10"));

    public ComponentSpec spec()
    {
        return SPEC;
    }

    public SourceConnector create(final Settings settings)
    {
        final int limit = settings.integer("limit");
        return new SourceConnector()
        {
            private int next;

            public void start(final ConnectorContext context, final String position)
            {
                next = position == null ? 0 : Integer.parseInt(position) + 1;
            }

            public List<SourceRecord> poll(final int maxRecords, final Duration timeout) throws InterruptedException
            {
                final List<SourceRecord> records = new ArrayList<>();
                while (next <= limit && records.size() < maxRecords)
                {
                    records.add(SourceRecord.of(null, ("{\"n\":" + next + "}").getBytes(StandardCharsets.UTF_8),
                        null, Integer.toString(next), null));
                    next++;
                }
                if (records.isEmpty())
                {
                    Thread.sleep(timeout.toMillis());
                }
                return records;
            }

            public void close()
            {
            }
        };
    }
}
