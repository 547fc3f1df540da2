package io.tributary.pipeline.internal;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The state stores of one task, by store name, including the task's own store that keeps its watermark so that a
 * restarted task judges lateness exactly as before. Restored from the changelogs before the task is created.
 * <p>
 * Not thread-safe: owned by one task.
 */
public final class TaskState
{
    /**
     * Name of the store holding the task's watermark.
     */
    public static final String TASK_STORE = "task";

    private static final Bytes WATERMARK_KEY = Bytes.wrap(new byte[] {'w'});

    private final Map<String, KeyValueStore> stores = new LinkedHashMap<>();

    public TaskState(final Iterable<String> storeNames)
    {
        this(storeNames, name -> new InMemoryBackend());
    }

    /**
     * @param backends makes the backend of each store, by store name.
     */
    public TaskState(final Iterable<String> storeNames, final Function<String, StoreBackend> backends)
    {
        stores.put(TASK_STORE, new KeyValueStore(TASK_STORE));
        for (final String name : storeNames)
        {
            stores.put(name, new KeyValueStore(name, backends.apply(name)));
        }
    }

    /**
     * Release every store's backend.
     */
    public void close()
    {
        stores.values().forEach(KeyValueStore::close);
    }

    public KeyValueStore store(final String name)
    {
        final KeyValueStore store = stores.get(name);
        if (store == null)
        {
            throw new IllegalArgumentException("no store " + name);
        }
        return store;
    }

    public Map<String, KeyValueStore> stores()
    {
        return stores;
    }

    long watermark()
    {
        final byte[] bytes = stores.get(TASK_STORE).get(WATERMARK_KEY);
        return bytes == null ? Long.MIN_VALUE : ByteBuffer.wrap(bytes).getLong();
    }

    void watermark(final long watermark)
    {
        stores.get(TASK_STORE).put(WATERMARK_KEY, ByteBuffer.allocate(Long.BYTES).putLong(watermark).array());
    }
}
