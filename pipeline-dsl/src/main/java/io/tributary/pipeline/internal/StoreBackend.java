package io.tributary.pipeline.internal;

import java.util.function.BiConsumer;

/**
 * Where a {@link KeyValueStore} keeps its entries: in memory or in RocksDB. Keys are ordered as unsigned bytes.
 * <p>
 * Not thread-safe: owned by one task.
 */
public interface StoreBackend extends AutoCloseable
{
    byte[] get(Bytes key);

    void put(Bytes key, byte[] value);

    /**
     * @return whether the key was present.
     */
    boolean delete(Bytes key);

    /**
     * Visit every entry in key order.
     */
    void forEach(BiConsumer<Bytes, byte[]> visitor);

    /**
     * Release files and native memory; the backend is unusable afterwards.
     */
    void close();
}
