package io.tributary.log;

import java.util.Arrays;
import java.util.Objects;

/**
 * A named piece of metadata carried by a record alongside its key and value, e.g. a trace id or a content type.
 * <p>
 * The key is stored as UTF-8 and may be at most 65,535 bytes once encoded; the value is opaque bytes. Neither may be
 * null: a header with nothing to say has an empty value. Several headers of a record may share a key; their order is
 * kept.
 * <p>
 * The value array is not copied: do not change it after handing the header over. Equality compares the bytes.
 *
 * @param key   name of the header, not null.
 * @param value bytes of the header, not null, may be empty.
 */
public record Header(String key, byte[] value)
{
    public Header
    {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }

    public boolean equals(final Object o)
    {
        return this == o || (o instanceof Header h && key.equals(h.key) && Arrays.equals(value, h.value));
    }

    public int hashCode()
    {
        return 31 * key.hashCode() + Arrays.hashCode(value);
    }

    public String toString()
    {
        return "Header{key=" + key + ", value=" + value.length + " bytes}";
    }
}
