package io.tributary.log.internal.storage;

import io.tributary.log.internal.record.RecordBatches;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.tributary.log.internal.record.RecordBatches.FIRST_RECORD_OFFSET;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * One file of a partition's log with its two indexes.
 * <p>
 * On disk: {@code NNNNNNNNNNNNNNNNNNNN.log}, named by the 20-digit base offset of its first batch, holds
 * RecordBatches back to back from position 0, with baseOffset and appendTime filled in and offsets increasing across
 * batches: dense as appended, with gaps once compaction has rewritten a rolled segment (its first batch may then
 * start after the base offset in its name, and it may even be empty). The active segment is preallocated (sparse) to its capacity, so its data is followed by zeros; a rolled
 * or closed segment is trimmed to its data. Next to it are its {@link OffsetIndex} ({@code .index}) and
 * {@link TimeIndex} ({@code .timeindex}). All three are memory-mapped.
 * <p>
 * Threading: one writer thread appends, seals and truncates; any thread may read the published prefix
 * {@code [0, length())}. Batch bytes and index entries are written before {@link #length()} is published (volatile),
 * so a reader that sees a length sees whole batches up to it.
 */
final class Segment
{
    static final String LOG_SUFFIX = ".log";
    static final String INDEX_SUFFIX = ".index";
    static final String TIME_INDEX_SUFFIX = ".timeindex";

    private static final java.util.concurrent.atomic.AtomicLong IDS = new java.util.concurrent.atomic.AtomicLong();

    /** Identifies this mapping in this process: a file replaced by compaction gets a new segment, a new id. */
    private final long id = IDS.incrementAndGet();
    private final long baseOffset;
    private final MappedFile log;
    private final UnsafeBuffer buffer;
    private final OffsetIndex offsetIndex;
    private final TimeIndex timeIndex;
    private final int indexIntervalBytes;
    private volatile int length;
    private boolean active;

    private int bytesSinceLastIndexEntry;
    private long maxTimestampSoFar = Long.MIN_VALUE;

    private Segment(
        final long baseOffset,
        final MappedFile log,
        final OffsetIndex offsetIndex,
        final TimeIndex timeIndex,
        final int indexIntervalBytes,
        final int length,
        final boolean active)
    {
        this.baseOffset = baseOffset;
        this.log = log;
        this.buffer = log.buffer();
        this.offsetIndex = offsetIndex;
        this.timeIndex = timeIndex;
        this.indexIntervalBytes = indexIntervalBytes;
        this.length = length;
        this.active = active;
    }

    static String fileName(final long baseOffset, final String suffix)
    {
        return String.format("%020d%s", baseOffset, suffix);
    }

    /**
     * Map a segment to append to: an existing file keeps its content and is grown to {@code capacity} if smaller.
     * Its indexes are recreated; call {@link #rebuildIndexes(int)} or {@link #truncate(int)} with the length of
     * valid data before use.
     */
    static Segment openActive(final Path dir, final long baseOffset, final int capacity, final int indexIntervalBytes)
    {
        final Path logPath = dir.resolve(fileName(baseOffset, LOG_SUFFIX));
        final long mapLength = Math.max(capacity, Files.exists(logPath) ? MappedFile.sizeOf(logPath) : 0);
        if (mapLength > Integer.MAX_VALUE)
        {
            throw new IllegalStateException(logPath + " is larger than 2 GiB");
        }
        final MappedFile log = MappedFile.open(logPath, mapLength, mapLength);
        return withNewIndexes(dir, baseOffset, log, (int)mapLength, indexIntervalBytes);
    }

    /**
     * A segment over a mapped log with new, empty index files, marked active until sealed.
     */
    private static Segment withNewIndexes(
        final Path dir, final long baseOffset, final MappedFile log, final int capacity, final int indexIntervalBytes)
    {
        final int maxEntries = maxIndexEntries(capacity, indexIntervalBytes);
        return new Segment(
            baseOffset,
            log,
            OffsetIndex.create(dir.resolve(fileName(baseOffset, INDEX_SUFFIX)), maxEntries),
            TimeIndex.create(dir.resolve(fileName(baseOffset, TIME_INDEX_SUFFIX)), maxEntries),
            indexIntervalBytes,
            0,
            true);
    }

    /**
     * Map a rolled segment, which holds exactly its data. Its indexes are loaded if present and plausible, otherwise
     * rebuilt from the log.
     *
     * @param nextBaseOffset base offset of the following segment, bounding this one's offsets.
     */
    static Segment openRolled(
        final Path dir, final long baseOffset, final long nextBaseOffset, final int indexIntervalBytes)
    {
        final Path logPath = dir.resolve(fileName(baseOffset, LOG_SUFFIX));
        final long size = MappedFile.sizeOf(logPath);
        if (size > Integer.MAX_VALUE)
        {
            throw new IllegalStateException(logPath + " is larger than 2 GiB");
        }
        final MappedFile log = MappedFile.open(logPath, size, size);
        final Path indexPath = dir.resolve(fileName(baseOffset, INDEX_SUFFIX));
        final Path timeIndexPath = dir.resolve(fileName(baseOffset, TIME_INDEX_SUFFIX));
        final long span = nextBaseOffset - baseOffset;

        String problem = null;
        OffsetIndex offsetIndex = null;
        TimeIndex timeIndex = null;
        if (!Files.exists(indexPath) || !Files.exists(timeIndexPath))
        {
            problem = "missing";
        }
        else
        {
            offsetIndex = OffsetIndex.load(indexPath);
            timeIndex = TimeIndex.load(timeIndexPath);
            problem = offsetIndex.check((int)size, span);
            if (null == problem)
            {
                problem = timeIndex.check(span);
            }
        }

        final Segment segment;
        if (null == problem)
        {
            segment = new Segment(baseOffset, log, offsetIndex, timeIndex, indexIntervalBytes, (int)size, false);
            problem = segment.checkIndexedBatches();
        }
        else
        {
            segment = null;
        }

        if (null == problem)
        {
            log.closeChannel();
            return segment;
        }

        PartitionLog.LOGGER.log(System.Logger.Level.WARNING, "rebuilding indexes of " + logPath + ": " + problem);
        final int maxEntries = maxIndexEntries((int)size, indexIntervalBytes);
        final Segment rebuilt = new Segment(
            baseOffset,
            log,
            OffsetIndex.create(indexPath, maxEntries),
            TimeIndex.create(timeIndexPath, maxEntries),
            indexIntervalBytes,
            0,
            true);
        final int dataLength = rebuilt.rebuildIndexes((int)size);
        if (dataLength < size)
        {
            PartitionLog.LOGGER.log(System.Logger.Level.WARNING, "trimming " + logPath + " from " + size + " to " +
                dataLength + " bytes, the end of its last whole batch");
        }
        rebuilt.seal();

        return rebuilt;
    }

    /**
     * Map a rolled segment whose log file was just written whole (by compaction) and build its indexes afresh. Its
     * old index files must have been unlinked, not truncated: readers may still use their mappings.
     */
    static Segment openRewritten(final Path dir, final long baseOffset, final int indexIntervalBytes)
    {
        final Path logPath = dir.resolve(fileName(baseOffset, LOG_SUFFIX));
        final long size = MappedFile.sizeOf(logPath);
        final MappedFile log = MappedFile.open(logPath, size, size);
        final Segment segment = withNewIndexes(dir, baseOffset, log, (int)size, indexIntervalBytes);
        final int dataLength = segment.rebuildIndexes((int)size);
        if (dataLength != size)
        {
            throw new IllegalStateException(logPath + ": rewritten segment has whole batches for only " +
                dataLength + " of its " + size + " bytes");
        }
        segment.seal();
        return segment;
    }

    /**
     * Unlink the two index files (their mappings stay valid for readers), ahead of replacing them.
     */
    void unlinkIndexFiles()
    {
        try
        {
            Files.deleteIfExists(offsetIndex.path());
            Files.deleteIfExists(timeIndex.path());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static int maxIndexEntries(final int capacity, final int indexIntervalBytes)
    {
        // An entry needs at least indexIntervalBytes of log and at least one batch before it.
        return capacity / Math.max(indexIntervalBytes, FIRST_RECORD_OFFSET) + 2;
    }

    Path logPath()
    {
        return log.path();
    }

    long baseOffset()
    {
        return baseOffset;
    }

    long id()
    {
        return id;
    }

    /**
     * @return bytes of whole batches published to readers.
     */
    int length()
    {
        return length;
    }

    int capacity()
    {
        return buffer.capacity();
    }

    boolean isActive()
    {
        return active;
    }

    UnsafeBuffer buffer()
    {
        return buffer;
    }

    /**
     * Copy a batch in at the end, fill in its offset and append time, index it and publish it. The caller checked that
     * it fits. Writer thread only.
     */
    void append(
        final DirectBuffer batch, final int offset, final int batchLength, final long batchBaseOffset,
        final long appendTime)
    {
        final int position = length;
        buffer.putBytes(position, batch, offset, batchLength);
        RecordBatches.setBaseOffsetAndAppendTime(buffer, position, batchBaseOffset, appendTime);
        indexBatch(position, batchLength, batchBaseOffset, RecordBatches.maxTimestamp(buffer, position));
        length = position + batchLength;
    }

    private void indexBatch(final int position, final int batchLength, final long batchBaseOffset, final long maxTs)
    {
        maxTimestampSoFar = Math.max(maxTimestampSoFar, maxTs);
        if (bytesSinceLastIndexEntry >= indexIntervalBytes && !offsetIndex.isFull())
        {
            final int relativeOffset = (int)(batchBaseOffset - baseOffset);
            offsetIndex.append(relativeOffset, position);
            if (maxTimestampSoFar > timeIndex.lastTimestamp())
            {
                timeIndex.append(maxTimestampSoFar, relativeOffset);
            }
            bytesSinceLastIndexEntry = 0;
        }
        bytesSinceLastIndexEntry += batchLength;
    }

    /**
     * Recreate the indexes by walking the batches in {@code [0, dataLength)} and publish the length walked. The walk
     * checks only that batch lengths and offsets line up (the bytes were validated when appended or recovered) and
     * stops early at the first that does not, e.g. at the zero tail of a segment whose roll a crash interrupted.
     * Writer thread only.
     *
     * @return length of the whole batches walked.
     */
    int rebuildIndexes(final int dataLength)
    {
        offsetIndex.clear();
        timeIndex.clear();
        bytesSinceLastIndexEntry = 0;
        maxTimestampSoFar = Long.MIN_VALUE;
        long expectedOffset = baseOffset;
        int position = 0;
        while (dataLength - position >= FIRST_RECORD_OFFSET)
        {
            final int batchLength = RecordBatches.batchLength(buffer, position);
            final long batchBaseOffset = RecordBatches.baseOffset(buffer, position);
            if (batchLength < FIRST_RECORD_OFFSET || batchLength > dataLength - position ||
                batchBaseOffset < expectedOffset)
            {
                break;
            }
            indexBatch(position, batchLength, batchBaseOffset, RecordBatches.maxTimestamp(buffer, position));
            expectedOffset = batchBaseOffset + RecordBatches.lastOffsetDelta(buffer, position) + 1L;
            position += batchLength;
        }
        length = position;

        return position;
    }

    /**
     * Scan from the start validating each batch fully and its offset continuity; cut the file at the first batch that
     * is not whole and valid, and rebuild the indexes. For the last segment when opening, before any reader exists.
     *
     * @return the offset after the last valid batch.
     */
    long recover()
    {
        final int capacity = capacity();
        long expectedOffset = baseOffset;
        int position = 0;
        String problem = null;
        while (capacity - position >= FIRST_RECORD_OFFSET)
        {
            final int batchLength = RecordBatches.batchLength(buffer, position);
            if (0 == batchLength && 0 == buffer.getLong(position, LITTLE_ENDIAN))
            {
                break;
            }
            if (batchLength < FIRST_RECORD_OFFSET || batchLength > capacity - position)
            {
                problem = "implausible batchLength " + batchLength;
                break;
            }
            problem = RecordBatches.validate(buffer, position, batchLength);
            // Compaction leaves gaps between batches, so a batch may start after the expected offset, never before.
            if (null == problem && RecordBatches.baseOffset(buffer, position) < expectedOffset)
            {
                problem = "baseOffset " + RecordBatches.baseOffset(buffer, position) + " where at least " +
                    expectedOffset + " was expected";
            }
            if (null != problem)
            {
                break;
            }
            expectedOffset = RecordBatches.baseOffset(buffer, position) +
                RecordBatches.lastOffsetDelta(buffer, position) + 1L;
            position += batchLength;
        }

        if (null != problem || hasNonZeroByteAt(position))
        {
            PartitionLog.LOGGER.log(System.Logger.Level.WARNING, "truncating " + log.path() + " at position " +
                position + " (offset " + expectedOffset + "): " + (null != problem ? problem : "torn batch header"));
        }
        // Zero whatever follows, so a later crash cannot make stale bytes after new appends look like batches.
        log.truncateAndRegrow(position);
        rebuildIndexes(position);

        return expectedOffset;
    }

    private boolean hasNonZeroByteAt(final int position)
    {
        final int end = Math.min(capacity(), position + FIRST_RECORD_OFFSET);
        for (int i = position; i < end; i++)
        {
            if (0 != buffer.getByte(i))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Cut the active segment back to {@code position}, a batch boundary, zeroing the bytes after it. Writer thread.
     */
    void truncate(final int position, final int previousDataLength)
    {
        if (position < previousDataLength)
        {
            buffer.setMemory(position, previousDataLength - position, (byte)0);
        }
        rebuildIndexes(position);
    }

    /**
     * For a rolled segment: check that the last indexed batch sits where its index entry says and that the batches
     * from it end exactly at the end of the file, catching a file left untrimmed by a crash during a roll.
     */
    private String checkIndexedBatches()
    {
        final int entries = offsetIndex.entries();
        int position = 0;
        long expectedOffset = baseOffset;
        if (entries > 0)
        {
            position = offsetIndex.position(entries - 1);
            expectedOffset = baseOffset + offsetIndex.relativeOffset(entries - 1);
        }
        while (position < length)
        {
            final int batchLength = length - position >= FIRST_RECORD_OFFSET ?
                RecordBatches.batchLength(buffer, position) : -1;
            if (batchLength < FIRST_RECORD_OFFSET || batchLength > length - position ||
                RecordBatches.baseOffset(buffer, position) < expectedOffset ||
                (position == offsetIndexEntryPosition(entries) &&
                RecordBatches.baseOffset(buffer, position) != expectedOffset))
            {
                return "batches do not line up with the index at position " + position;
            }
            expectedOffset = RecordBatches.baseOffset(buffer, position) +
                RecordBatches.lastOffsetDelta(buffer, position) + 1L;
            position += batchLength;
        }

        return null;
    }

    private int offsetIndexEntryPosition(final int entries)
    {
        return entries > 0 ? offsetIndex.position(entries - 1) : -1;
    }

    /**
     * Walk the batches of a rolled segment to find its end offset, one past its last record (its base offset when
     * compaction left it empty); used to check continuity on open.
     */
    long endOffsetByWalking()
    {
        final int entries = offsetIndex.entries();
        int position = entries > 0 ? offsetIndex.position(entries - 1) : 0;
        long offset = entries > 0 ? baseOffset + offsetIndex.relativeOffset(entries - 1) : baseOffset;
        while (position < length)
        {
            offset = RecordBatches.baseOffset(buffer, position) + RecordBatches.lastOffsetDelta(buffer, position) + 1L;
            position += RecordBatches.batchLength(buffer, position);
        }
        return offset;
    }

    /**
     * Position of the batch containing {@code offset} among the first {@code limit} bytes, or -1 if none does.
     * Any thread.
     */
    int findBatch(final long offset, final int limit)
    {
        int position = offsetIndex.lookup(offset - baseOffset);
        while (position < limit)
        {
            final long lastOffset = RecordBatches.baseOffset(buffer, position) +
                RecordBatches.lastOffsetDelta(buffer, position);
            if (lastOffset >= offset)
            {
                return position;
            }
            position += RecordBatches.batchLength(buffer, position);
        }

        return -1;
    }

    /**
     * Position from which to scan for the first record with a timestamp at or after {@code timestamp}. Any thread.
     */
    int timestampScanStart(final long timestamp)
    {
        final int relativeOffset = timeIndex.lookup(timestamp);
        return relativeOffset < 0 ? 0 : offsetIndex.lookup(relativeOffset);
    }

    /**
     * Stop growing: trim the log and indexes to their data and release the channels. The mapping stays readable.
     */
    void seal()
    {
        if (active)
        {
            active = false;
            log.trimAndCloseChannel(length);
            offsetIndex.trim();
            timeIndex.trim();
        }
    }

    void force()
    {
        log.force();
        offsetIndex.force();
        timeIndex.force();
    }

    /**
     * Close without trimming, for a segment about to be deleted.
     */
    void closeChannels()
    {
        log.closeChannel();
        offsetIndex.close();
        timeIndex.close();
    }

    void deleteFiles()
    {
        closeChannels();
        try
        {
            Files.deleteIfExists(log.path());
            Files.deleteIfExists(offsetIndex.path());
            Files.deleteIfExists(timeIndex.path());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    public String toString()
    {
        return "Segment{baseOffset=" + baseOffset + ", length=" + length + ", active=" + active + "}";
    }
}
