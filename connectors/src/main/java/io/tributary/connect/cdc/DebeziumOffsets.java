package io.tributary.connect.cdc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Debezium's source offsets as the position text a CDC source stores in {@code __connector_offsets} with every
 * append: a JSON array of {@code {"partition": {...}, "offset": {...}}}, one per source partition (one for a
 * PostgreSQL or MariaDB server), e.g. {@code [{"partition":{"server":"shop"},"offset":{"lsn_proc":2834560,
 * "lsn_commit":2834560,"lsn":2834560,"txId":751,"ts_usec":1764118000000}}]}.
 * <p>
 * Not thread-safe: one instance per engine thread.
 */
final class DebeziumOffsets
{
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final TypeReference<List<Map<String, Map<String, Object>>>> TYPE = new TypeReference<>()
    {
    };

    private final Map<Map<String, ?>, Map<String, ?>> offsets = new LinkedHashMap<>();

    /**
     * @param position the stored position text, or null for none.
     */
    static DebeziumOffsets parse(final String position)
    {
        final DebeziumOffsets parsed = new DebeziumOffsets();
        if (position == null || position.isBlank())
        {
            return parsed;
        }
        try
        {
            for (final Map<String, Map<String, Object>> entry : MAPPER.readValue(position, TYPE))
            {
                final Map<String, Object> partition = entry.get("partition");
                final Map<String, Object> offset = entry.get("offset");
                if (partition == null || offset == null)
                {
                    throw new IllegalArgumentException("a stored CDC position entry lacks partition or offset: " +
                        position);
                }
                parsed.offsets.put(partition, offset);
            }
        }
        catch (final JsonProcessingException ex)
        {
            throw new IllegalArgumentException("the stored CDC position is not Debezium offsets: " + position, ex);
        }
        return parsed;
    }

    /**
     * Record the offset after one change event.
     */
    void put(final Map<String, ?> partition, final Map<String, ?> offset)
    {
        if (partition != null && offset != null)
        {
            offsets.put(partition, offset);
        }
    }

    Map<Map<String, ?>, Map<String, ?>> asMap()
    {
        return offsets;
    }

    boolean isEmpty()
    {
        return offsets.isEmpty();
    }

    /**
     * @return the position text of every partition's latest offset.
     */
    String position()
    {
        final List<Map<String, Object>> entries = new ArrayList<>(offsets.size());
        for (final Map.Entry<Map<String, ?>, Map<String, ?>> e : offsets.entrySet())
        {
            final Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("partition", e.getKey());
            entry.put("offset", e.getValue());
            entries.add(entry);
        }
        try
        {
            return MAPPER.writeValueAsString(entries);
        }
        catch (final JsonProcessingException ex)
        {
            throw new IllegalStateException("Debezium offsets not writable as JSON: " + offsets, ex);
        }
    }
}
