package io.tributary.pipeline.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which store keys have something closing at which time, so that a watermark closes windows without scanning the
 * store. Kept in memory only and rebuilt from the store when a task starts.
 * <p>
 * Not thread-safe: owned by one processor.
 */
final class WindowIndex
{
    private final TreeMap<Long, TreeSet<Bytes>> byTime = new TreeMap<>();

    void add(final long time, final Bytes key)
    {
        byTime.computeIfAbsent(time, t -> new TreeSet<>()).add(key);
    }

    /**
     * @return entries due at or before the time, in time then key order; they are removed.
     */
    List<Map.Entry<Long, Bytes>> pollDue(final long time)
    {
        final List<Map.Entry<Long, Bytes>> due = new ArrayList<>();
        while (!byTime.isEmpty() && byTime.firstKey() <= time)
        {
            final Map.Entry<Long, TreeSet<Bytes>> first = byTime.pollFirstEntry();
            for (final Bytes key : first.getValue())
            {
                due.add(Map.entry(first.getKey(), key));
            }
        }
        return due;
    }
}
