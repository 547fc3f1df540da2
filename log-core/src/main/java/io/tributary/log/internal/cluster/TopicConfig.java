package io.tributary.log.internal.cluster;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A topic's configuration, under Kafka's names. Parsed and validated identically on every node, so a bad value is
 * rejected by the whole cluster with the same message. Immutable.
 *
 * @param retentionMs       {@code retention.ms}: age after which closed segments may be deleted; -1 keeps forever.
 * @param retentionBytes    {@code retention.bytes}: partition size past which closed segments may be deleted; -1 is
 *                          no limit.
 * @param cleanupPolicy     {@code cleanup.policy}: {@code delete}, {@code compact} or {@code compact,delete}.
 * @param segmentBytes      {@code segment.bytes}: size at which a partition rolls to a new segment file.
 * @param segmentMs         {@code segment.ms}: age at which an active segment is rolled.
 * @param maxMessageBytes   {@code max.message.bytes}: the largest record batch the topic accepts.
 * @param deleteRetentionMs {@code delete.retention.ms}: how long tombstones survive compaction.
 * @param remoteStorage     {@code remote.storage.enable}: copy closed segments to the node's archive directory before
 *                          retention deletes them, and serve them from there (delete policy only, as Kafka's tiered
 *                          storage).
 * @param archiveRetentionMs {@code archive.retention.ms}: age after which archived segments are deleted; -1 keeps
 *                          them forever.
 */
public record TopicConfig(
    long retentionMs,
    long retentionBytes,
    String cleanupPolicy,
    int segmentBytes,
    long segmentMs,
    int maxMessageBytes,
    long deleteRetentionMs,
    boolean remoteStorage,
    long archiveRetentionMs)
{
    public static final String RETENTION_MS = "retention.ms";
    public static final String RETENTION_BYTES = "retention.bytes";
    public static final String CLEANUP_POLICY = "cleanup.policy";
    public static final String SEGMENT_BYTES = "segment.bytes";
    public static final String SEGMENT_MS = "segment.ms";
    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    public static final String DELETE_RETENTION_MS = "delete.retention.ms";
    public static final String REMOTE_STORAGE_ENABLE = "remote.storage.enable";
    public static final String ARCHIVE_RETENTION_MS = "archive.retention.ms";

    /** The largest batch any topic may accept: it must fit one cluster log message and one fetch response. */
    public static final int MAX_MESSAGE_BYTES_LIMIT = 1024 * 1024;
    public static final int MIN_SEGMENT_BYTES = 1024;
    public static final int MAX_SEGMENT_BYTES = 1024 * 1024 * 1024;

    public static final TopicConfig DEFAULT = new TopicConfig(
        7L * 24 * 3600 * 1000, -1, "delete", 64 * 1024 * 1024, 7L * 24 * 3600 * 1000, MAX_MESSAGE_BYTES_LIMIT,
        24L * 3600 * 1000, false, -1);

    /**
     * Parse configs given by name over the defaults.
     *
     * @param configs name to value; unknown names are errors.
     * @return the config.
     * @throws IllegalArgumentException with a message fit to show the user.
     */
    public static TopicConfig parse(final Map<String, String> configs)
    {
        return DEFAULT.with(configs);
    }

    /**
     * @param changes name to value over this config.
     * @return this config with the changes applied, validated.
     */
    public TopicConfig with(final Map<String, String> changes)
    {
        long retentionMs = this.retentionMs;
        long retentionBytes = this.retentionBytes;
        String cleanupPolicy = this.cleanupPolicy;
        int segmentBytes = this.segmentBytes;
        long segmentMs = this.segmentMs;
        int maxMessageBytes = this.maxMessageBytes;
        long deleteRetentionMs = this.deleteRetentionMs;
        boolean remoteStorage = this.remoteStorage;
        long archiveRetentionMs = this.archiveRetentionMs;

        for (final Map.Entry<String, String> e : new TreeMap<>(changes).entrySet())
        {
            final String key = e.getKey();
            final String value = e.getValue() == null ? "" : e.getValue().trim();
            switch (key)
            {
                case RETENTION_MS -> retentionMs = parseLong(key, value, -1, Long.MAX_VALUE);
                case RETENTION_BYTES -> retentionBytes = parseLong(key, value, -1, Long.MAX_VALUE);
                case CLEANUP_POLICY -> cleanupPolicy = parseCleanupPolicy(value);
                case SEGMENT_BYTES -> segmentBytes = (int)parseLong(key, value, MIN_SEGMENT_BYTES, MAX_SEGMENT_BYTES);
                case SEGMENT_MS -> segmentMs = parseLong(key, value, 1, Long.MAX_VALUE);
                case MAX_MESSAGE_BYTES -> maxMessageBytes = (int)parseLong(key, value, 64, MAX_MESSAGE_BYTES_LIMIT);
                case DELETE_RETENTION_MS -> deleteRetentionMs = parseLong(key, value, 0, Long.MAX_VALUE);
                case REMOTE_STORAGE_ENABLE -> remoteStorage = parseBoolean(key, value);
                case ARCHIVE_RETENTION_MS -> archiveRetentionMs = parseLong(key, value, -1, Long.MAX_VALUE);
                default -> throw new IllegalArgumentException(
                    "unknown topic config '" + key + "'; known configs: " + String.join(", ", names()));
            }
        }

        if (remoteStorage && !"delete".equals(cleanupPolicy))
        {
            throw new IllegalArgumentException(REMOTE_STORAGE_ENABLE + "=true needs " + CLEANUP_POLICY +
                "=delete: compacted segments are rewritten, archived ones never are");
        }
        return new TopicConfig(retentionMs, retentionBytes, cleanupPolicy, segmentBytes, segmentMs, maxMessageBytes,
            deleteRetentionMs, remoteStorage, archiveRetentionMs);
    }

    /**
     * @return every config by name, sorted, as {@link #parse(Map)} reads them.
     */
    public Map<String, String> toMap()
    {
        final TreeMap<String, String> map = new TreeMap<>();
        map.put(RETENTION_MS, Long.toString(retentionMs));
        map.put(RETENTION_BYTES, Long.toString(retentionBytes));
        map.put(CLEANUP_POLICY, cleanupPolicy);
        map.put(SEGMENT_BYTES, Integer.toString(segmentBytes));
        map.put(SEGMENT_MS, Long.toString(segmentMs));
        map.put(MAX_MESSAGE_BYTES, Integer.toString(maxMessageBytes));
        map.put(DELETE_RETENTION_MS, Long.toString(deleteRetentionMs));
        map.put(REMOTE_STORAGE_ENABLE, Boolean.toString(remoteStorage));
        map.put(ARCHIVE_RETENTION_MS, Long.toString(archiveRetentionMs));
        return Collections.unmodifiableMap(map);
    }

    public static java.util.Set<String> names()
    {
        return DEFAULT.toMap().keySet();
    }

    private static String parseCleanupPolicy(final String value)
    {
        final String normalised = value.replace(" ", "");
        return switch (normalised)
        {
            case "delete", "compact" -> normalised;
            case "compact,delete", "delete,compact" -> "compact,delete";
            default -> throw new IllegalArgumentException(
                "invalid value '" + value + "' for " + CLEANUP_POLICY + ": expected delete, compact or compact,delete");
        };
    }

    private static boolean parseBoolean(final String key, final String value)
    {
        return switch (value)
        {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(
                "invalid value '" + value + "' for " + key + ": expected true or false");
        };
    }

    private static long parseLong(final String key, final String value, final long min, final long max)
    {
        final long parsed;
        try
        {
            parsed = Long.parseLong(value);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("invalid value '" + value + "' for " + key + ": not a whole number");
        }
        if (parsed < min || parsed > max)
        {
            throw new IllegalArgumentException(
                "invalid value " + parsed + " for " + key + ": must be between " + min + " and " + max);
        }
        return parsed;
    }
}
