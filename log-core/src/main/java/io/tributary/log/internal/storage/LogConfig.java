package io.tributary.log.internal.storage;

/**
 * Settings of one partition's storage, validated on construction.
 *
 * @param segmentBytes       size a segment file is preallocated to and rolled at; a batch larger than this gets a
 *                           segment of its own. 1 KiB to 1 GiB, default 64 MiB.
 * @param indexIntervalBytes bytes of log between offset (and time) index entries: smaller means faster lookups
 *                           and bigger indexes. 1 byte to 1 GiB, default 4 KiB.
 */
public record LogConfig(int segmentBytes, int indexIntervalBytes)
{
    public static final int DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
    public static final int MIN_SEGMENT_BYTES = 1024;
    public static final int MAX_SEGMENT_BYTES = 1024 * 1024 * 1024;
    public static final int DEFAULT_INDEX_INTERVAL_BYTES = 4096;
    public static final LogConfig DEFAULT = new LogConfig(DEFAULT_SEGMENT_BYTES, DEFAULT_INDEX_INTERVAL_BYTES);

    public LogConfig
    {
        if (segmentBytes < MIN_SEGMENT_BYTES || segmentBytes > MAX_SEGMENT_BYTES)
        {
            throw new IllegalArgumentException("segmentBytes " + segmentBytes + " is outside [" +
                MIN_SEGMENT_BYTES + ", " + MAX_SEGMENT_BYTES + "]");
        }
        if (indexIntervalBytes < 1 || indexIntervalBytes > MAX_SEGMENT_BYTES)
        {
            throw new IllegalArgumentException("indexIntervalBytes " + indexIntervalBytes + " is outside [1, " +
                MAX_SEGMENT_BYTES + "]");
        }
    }
}
