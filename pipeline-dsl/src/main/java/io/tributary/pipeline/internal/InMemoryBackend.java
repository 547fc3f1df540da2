package io.tributary.pipeline.internal;

import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * Entries in a sorted map on the heap: for state that fits in memory, and the test driver.
 * <p>
 * Not thread-safe: owned by one task.
 */
public final class InMemoryBackend implements StoreBackend
{
    private final TreeMap<Bytes, byte[]> entries = new TreeMap<>();

    public byte[] get(final Bytes key)
    {
        return entries.get(key);
    }

    public void put(final Bytes key, final byte[] value)
    {
        entries.put(key, value);
    }

    public boolean delete(final Bytes key)
    {
        return entries.remove(key) != null;
    }

    public void forEach(final BiConsumer<Bytes, byte[]> visitor)
    {
        entries.forEach(visitor);
    }

    public void close()
    {
        entries.clear();
    }
}
