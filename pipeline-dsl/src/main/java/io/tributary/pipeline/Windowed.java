package io.tributary.pipeline;

/**
 * The key of a windowed result: the record key and the window, {@code [start, end)} in epoch ms.
 *
 * @param key   the record key.
 * @param start window start, inclusive.
 * @param end   window end, exclusive.
 * @param <K>   key type.
 */
public record Windowed<K>(K key, long start, long end)
{
}
