package io.tributary.pipeline.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A sorted key-value store of bytes, in memory or in RocksDB ({@link StoreBackend}), that records what changed since the last checkpoint: those changes
 * are what the task appends to the store's compacted changelog topic, in the same atomic append as its outputs and
 * input offsets. A null value in the changes is a deletion (a tombstone in the changelog).
 * <p>
 * Not thread-safe: owned by one task.
 */
public final class KeyValueStore
{
    private final String name;
    private final StoreBackend entries;
    private final LinkedHashMap<Bytes, byte[]> changes = new LinkedHashMap<>();
    private long pendingBytes;

    public KeyValueStore(final String name)
    {
        this(name, new InMemoryBackend());
    }

    public KeyValueStore(final String name, final StoreBackend backend)
    {
        this.name = name;
        this.entries = backend;
    }

    public String name()
    {
        return name;
    }

    public byte[] get(final Bytes key)
    {
        return entries.get(key);
    }

    public void put(final Bytes key, final byte[] value)
    {
        if (value == null)
        {
            delete(key);
            return;
        }
        entries.put(key, value);
        changes.remove(key);
        changes.put(key, value);
        pendingBytes += key.array().length + value.length;
    }

    public void delete(final Bytes key)
    {
        if (entries.delete(key) || changes.containsKey(key))
        {
            changes.remove(key);
            changes.put(key, null);
            pendingBytes += key.array().length;
        }
    }

    /**
     * Apply a changelog record while restoring: not recorded as a change.
     */
    public void restore(final Bytes key, final byte[] value)
    {
        if (value == null)
        {
            entries.delete(key);
        }
        else
        {
            entries.put(key, value);
        }
    }

    /**
     * Visit every entry in key order; the store must not be changed meanwhile.
     */
    public void forEach(final BiConsumer<Bytes, byte[]> visitor)
    {
        entries.forEach(visitor);
    }

    /**
     * Release the backend.
     */
    public void close()
    {
        entries.close();
    }

    /**
     * @return the changes since the last call, in the order last made; the store forgets them.
     */
    public Map<Bytes, byte[]> drainChanges()
    {
        if (changes.isEmpty())
        {
            return Map.of();
        }
        final Map<Bytes, byte[]> drained = new LinkedHashMap<>(changes);
        changes.clear();
        pendingBytes = 0;
        return drained;
    }

    /**
     * @return an upper bound of the bytes of keys and values the pending changes hold.
     */
    public long pendingBytes()
    {
        return pendingBytes;
    }

    /**
     * @return how many changes wait for the next checkpoint.
     */
    public int pendingChanges()
    {
        return changes.size();
    }
}
