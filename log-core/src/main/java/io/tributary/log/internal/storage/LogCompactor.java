package io.tributary.log.internal.storage;

import io.tributary.log.internal.record.RecordBatchReader;
import io.tributary.log.internal.record.RecordBatches;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.tributary.log.internal.record.RecordBatches.BASE_OFFSET_OFFSET;
import static io.tributary.log.internal.record.RecordBatches.BATCH_LENGTH_OFFSET;
import static io.tributary.log.internal.record.RecordBatches.CRC_OFFSET;
import static io.tributary.log.internal.record.RecordBatches.FIRST_RECORD_OFFSET;
import static io.tributary.log.internal.record.RecordBatches.FIRST_TIMESTAMP_OFFSET;
import static io.tributary.log.internal.record.RecordBatches.LAST_OFFSET_DELTA_OFFSET;
import static io.tributary.log.internal.record.RecordBatches.MAX_TIMESTAMP_OFFSET;
import static io.tributary.log.internal.record.RecordBatches.RECORD_COUNT_OFFSET;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * Key-based compaction of one partition's closed segments, Kafka's {@code cleanup.policy=compact}.
 * <p>
 * What survives: of the records with a key, only the newest (highest offset) per key across the partition as of the
 * check (every record below its {@code evidenceEnd}); records of segments after the compacted ones count as newer
 * evidence but those segments are never rewritten. A tombstone (null value) that is the newest for its key survives
 * until {@code delete.retention.ms} after the append time of its batch, measured against the cluster time of the
 * check, and is then dropped. Records with a null key are always kept (Kafka rejects them on compacted topics;
 * Tributary accepts them and treats them as never superseded). Survivors keep their offsets, order, timestamps and
 * headers: a batch losing records is re-encoded with baseOffset = its first survivor's offset, offset deltas relative
 * to it, its original appendTime, producer id and sequence, recomputed first/max timestamps and CRC. A batch losing
 * none is copied byte for byte.
 * <p>
 * When: the caller asks for compaction when the closed segments' dirty ratio, records that would be removed over
 * records in the compacted segments, is at least its threshold (0.5).
 * <p>
 * Determinism: the result is a pure function of the input segments' bytes below {@code evidenceEnd}, the check's
 * cluster time and {@code delete.retention.ms}, all frozen when the check is made, so every node that makes the same
 * check writes identical segments, whenever and on whatever thread the work runs. {@link PartitionLog} runs
 * {@link #clean} on the node's cleaner thread and swaps its output in later, at a point of the cluster log.
 * <p>
 * Files: {@link #clean} writes each rewritten segment to {@code NNN.log.cleaned} and touches nothing else;
 * {@link #swap} (the log's writer thread) unlinks the old segment's index files, renames the {@code .cleaned} file
 * over {@code NNN.log} and maps it with fresh indexes; segments left empty are deleted, except the first, which is
 * kept empty so the start offset does not move. Readers holding the old segment array keep reading the old, unlinked
 * files through their mappings, which are never unmapped explicitly. A crash at any point leaves every file whole
 * (old or new); {@code .cleaned} leftovers are deleted on open.
 * <p>
 * Threading: the constructor and {@link #clean} on one thread (the cleaner), reading segments the writer no longer
 * changes below the frozen limits; {@link #swap} on the log's writer thread, after {@link #clean} returned.
 */
final class LogCompactor
{
    static final String CLEANED_SUFFIX = ".cleaned";

    /** {@link #clean}'s verdict for a compacted segment. */
    static final byte UNCHANGED = 0;
    static final byte REWRITTEN = 1;
    static final byte DELETED = 2;

    private final Segment[] segments;
    private final int closedCount;
    private final long now;
    private final long deleteRetentionMs;
    private final RecordBatchReader reader = new RecordBatchReader();
    private final Map<ByteBuffer, Long> newestOffsetByKey = new HashMap<>();
    private long closedRecords;
    private long removableRecords;
    private long keptTombstones;

    /**
     * Index the keys of every record below {@code evidenceEnd} and count what compaction would remove from the
     * first {@code closedCount} segments.
     *
     * @param segments    the partition's segments at the check, oldest first.
     * @param closedCount how many of them, from the oldest, are compacted.
     * @param evidenceEnd the partition's end offset at the check: later records are not looked at.
     */
    LogCompactor(
        final Segment[] segments,
        final int closedCount,
        final long evidenceEnd,
        final long now,
        final long deleteRetentionMs)
    {
        this.segments = segments;
        this.closedCount = closedCount;
        this.now = now;
        this.deleteRetentionMs = deleteRetentionMs;
        for (final Segment segment : segments)
        {
            final DirectBuffer buffer = segment.buffer();
            final int limit = segment.length();
            int position = 0;
            while (position < limit && RecordBatches.baseOffset(buffer, position) < evidenceEnd)
            {
                final int batchLength = RecordBatches.batchLength(buffer, position);
                reader.wrap(buffer, position, batchLength);
                while (reader.next())
                {
                    if (!reader.isKeyNull())
                    {
                        newestOffsetByKey.put(ByteBuffer.wrap(reader.key()), reader.offset());
                    }
                }
                position += batchLength;
            }
        }
        for (int i = 0; i < closedCount; i++)
        {
            final Segment segment = segments[i];
            final DirectBuffer buffer = segment.buffer();
            int position = 0;
            while (position < segment.length())
            {
                final int batchLength = RecordBatches.batchLength(buffer, position);
                reader.wrap(buffer, position, batchLength);
                while (reader.next())
                {
                    closedRecords++;
                    if (!keep())
                    {
                        removableRecords++;
                    }
                    else if (reader.isValueNull() && !reader.isKeyNull())
                    {
                        keptTombstones++;
                    }
                }
                position += batchLength;
            }
        }
    }

    /**
     * @return removable records over records in closed segments; 0 when there are none.
     */
    double dirtyRatio()
    {
        return 0 == closedRecords ? 0.0 : (double)removableRecords / closedRecords;
    }

    long removableRecords()
    {
        return removableRecords;
    }

    /**
     * @return tombstones in closed segments that are their key's newest record but not old enough to drop yet.
     */
    long keptTombstones()
    {
        return keptTombstones;
    }

    private boolean keep()
    {
        if (reader.isKeyNull())
        {
            return true;
        }
        final long newest = newestOffsetByKey.get(ByteBuffer.wrap(reader.key()));
        if (reader.offset() < newest)
        {
            return false;
        }
        return !reader.isValueNull() || now - reader.appendTime() < deleteRetentionMs;
    }

    /**
     * Write every compacted segment that loses records to its {@code .cleaned} file; nothing else is touched.
     *
     * @param cancelled checked between segments: when it turns true the files written so far are deleted.
     * @param stats     out: bytes read, bytes written, records removed, segments rewritten or deleted.
     * @return per compacted segment {@link #UNCHANGED}, {@link #REWRITTEN} or {@link #DELETED}; null when cancelled.
     */
    byte[] clean(final Path dir, final java.util.function.BooleanSupplier cancelled, final long[] stats)
    {
        final byte[] verdicts = new byte[closedCount];
        final ExpandableArrayBuffer out = new ExpandableArrayBuffer(64 * 1024);
        int[] survivors = new int[64];
        for (int i = 0; i < closedCount; i++)
        {
            if (cancelled.getAsBoolean())
            {
                deleteCleaned(dir, verdicts);
                return null;
            }
            final Segment segment = segments[i];
            final DirectBuffer buffer = segment.buffer();
            final int limit = segment.length();
            int outLength = 0;
            int position = 0;
            while (position < limit)
            {
                final int batchLength = RecordBatches.batchLength(buffer, position);
                reader.wrap(buffer, position, batchLength);
                int count = 0;
                int recordCount = 0;
                while (reader.next())
                {
                    recordCount++;
                    if (keep())
                    {
                        if (2 * count + 1 >= survivors.length)
                        {
                            survivors = java.util.Arrays.copyOf(survivors, survivors.length * 2);
                        }
                        survivors[2 * count] = reader.recordPosition();
                        survivors[2 * count + 1] = reader.recordEnd();
                        count++;
                    }
                }
                if (count == recordCount)
                {
                    out.putBytes(outLength, buffer, position, batchLength);
                    outLength += batchLength;
                }
                else if (count > 0)
                {
                    outLength += writeFiltered(buffer, position, survivors, count, out, outLength);
                }
                stats[2] += recordCount - count;
                position += batchLength;
            }

            stats[0] += limit;
            stats[1] += outLength;
            if (outLength == limit)
            {
                verdicts[i] = UNCHANGED;
            }
            else if (0 == outLength && i > 0)
            {
                verdicts[i] = DELETED;
                stats[3]++;
            }
            else
            {
                writeCleaned(dir, segment.baseOffset(), out, outLength);
                verdicts[i] = REWRITTEN;
                stats[3]++;
            }
        }

        return verdicts;
    }

    /**
     * Put the output of {@link #clean} in place: the segment array to publish is the compacted segments (rewritten
     * or not, deleted ones left out) followed by {@code current}'s later segments. Writer thread.
     *
     * @param current  the log's segments now: its first {@code verdicts.length} must be the ones cleaned.
     * @param toDelete out: segments to delete once the new array is published.
     */
    static Segment[] swap(
        final Path dir,
        final Segment[] current,
        final byte[] verdicts,
        final int indexIntervalBytes,
        final List<Segment> toDelete)
    {
        final List<Segment> result = new ArrayList<>(current.length);
        for (int i = 0; i < verdicts.length; i++)
        {
            final Segment segment = current[i];
            switch (verdicts[i])
            {
                case UNCHANGED -> result.add(segment);
                case DELETED -> toDelete.add(segment);
                default -> result.add(replace(dir, segment, indexIntervalBytes));
            }
        }
        for (int i = verdicts.length; i < current.length; i++)
        {
            result.add(current[i]);
        }

        return result.toArray(new Segment[0]);
    }

    /**
     * Delete the {@code .cleaned} files of segments marked {@link #REWRITTEN}, for output that will not be swapped in.
     */
    static void deleteCleaned(final Path dir, final Segment[] segments, final byte[] verdicts)
    {
        for (int i = 0; i < verdicts.length; i++)
        {
            if (REWRITTEN == verdicts[i])
            {
                deleteQuietly(cleanedPath(dir, segments[i].baseOffset()));
            }
        }
    }

    private void deleteCleaned(final Path dir, final byte[] verdicts)
    {
        deleteCleaned(dir, segments, verdicts);
    }

    /**
     * Encode the batch at {@code batch} keeping only the records at {@code survivors} (start, end pairs).
     *
     * @return length of the new batch.
     */
    private static int writeFiltered(
        final DirectBuffer buffer,
        final int batch,
        final int[] survivors,
        final int count,
        final ExpandableArrayBuffer out,
        final int outOffset)
    {
        out.putBytes(outOffset, buffer, batch, FIRST_RECORD_OFFSET);
        final int firstDelta = buffer.getInt(survivors[0], LITTLE_ENDIAN);
        int position = outOffset + FIRST_RECORD_OFFSET;
        long firstTimestamp = 0;
        long maxTimestamp = Long.MIN_VALUE;
        int lastDelta = 0;
        for (int r = 0; r < count; r++)
        {
            final int start = survivors[2 * r];
            final int end = survivors[2 * r + 1];
            out.putBytes(position, buffer, start, end - start);
            lastDelta = buffer.getInt(start, LITTLE_ENDIAN) - firstDelta;
            out.putInt(position, lastDelta, LITTLE_ENDIAN);
            final long timestamp = buffer.getLong(start + 4, LITTLE_ENDIAN);
            firstTimestamp = 0 == r ? timestamp : firstTimestamp;
            maxTimestamp = Math.max(maxTimestamp, timestamp);
            position += end - start;
        }
        final int length = position - outOffset;
        out.putInt(outOffset + BATCH_LENGTH_OFFSET, length, LITTLE_ENDIAN);
        out.putLong(outOffset + BASE_OFFSET_OFFSET,
            RecordBatches.baseOffset(buffer, batch) + firstDelta, LITTLE_ENDIAN);
        out.putInt(outOffset + LAST_OFFSET_DELTA_OFFSET, lastDelta, LITTLE_ENDIAN);
        out.putLong(outOffset + FIRST_TIMESTAMP_OFFSET, firstTimestamp, LITTLE_ENDIAN);
        out.putLong(outOffset + MAX_TIMESTAMP_OFFSET, maxTimestamp, LITTLE_ENDIAN);
        out.putShort(outOffset + RECORD_COUNT_OFFSET, (short)count, LITTLE_ENDIAN);
        out.putInt(outOffset + CRC_OFFSET, RecordBatches.computeCrc(out, outOffset, length), LITTLE_ENDIAN);

        return length;
    }

    private static Path cleanedPath(final Path dir, final long baseOffset)
    {
        return dir.resolve(Segment.fileName(baseOffset, Segment.LOG_SUFFIX + CLEANED_SUFFIX));
    }

    private static void writeCleaned(
        final Path dir, final long baseOffset, final ExpandableArrayBuffer out, final int length)
    {
        final Path cleaned = cleanedPath(dir, baseOffset);
        try (FileChannel channel = FileChannel.open(cleaned,
            StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE))
        {
            final ByteBuffer bytes = ByteBuffer.wrap(out.byteArray(), 0, length);
            while (bytes.hasRemaining())
            {
                channel.write(bytes);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot write " + cleaned, ex);
        }
    }

    private static Segment replace(final Path dir, final Segment old, final int indexIntervalBytes)
    {
        final Path logPath = dir.resolve(Segment.fileName(old.baseOffset(), Segment.LOG_SUFFIX));
        try
        {
            // Unlink, never truncate: readers may hold the old files' mappings.
            old.unlinkIndexFiles();
            Files.move(cleanedPath(dir, old.baseOffset()), logPath,
                StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot rewrite " + logPath, ex);
        }

        return Segment.openRewritten(dir, old.baseOffset(), indexIntervalBytes);
    }

    private static void deleteQuietly(final Path file)
    {
        try
        {
            Files.deleteIfExists(file);
        }
        catch (final IOException ex)
        {
            PartitionLog.LOGGER.log(System.Logger.Level.WARNING, "cannot delete " + file, ex);
        }
    }

    /**
     * Delete {@code .cleaned} files a crash during compaction left behind.
     */
    static void deleteLeftovers(final Path dir) throws IOException
    {
        try (Stream<Path> files = Files.list(dir))
        {
            for (final Path file : (Iterable<Path>)files::iterator)
            {
                if (file.getFileName().toString().endsWith(CLEANED_SUFFIX))
                {
                    Files.deleteIfExists(file);
                }
            }
        }
    }
}
