package io.tributary.log.internal.storage;

import io.tributary.log.internal.FileTrees;
import io.tributary.log.internal.record.RecordBatches;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * The archived copies of one partition's closed segments, in a directory of the node's archive (another disk or a
 * mounted share): tiered storage for a topic with {@code remote.storage.enable=true}.
 * <p>
 * On disk: {@code <archive>/<topic>-<partition>/NNNNNNNNNNNNNNNNNNNN.log}, each a byte-for-byte copy of a closed
 * segment with the same name, written as {@code NNN.log.copying}, flushed, checked batch by batch (structure and
 * CRC32C), then renamed. The archived segments are contiguous: each starts at the end offset of the one before, so
 * together with the local segments they cover one range of offsets with no hole. A copy that does not continue the
 * archive (a segment was missed, e.g. a copy failed) first empties it. No index files: each segment's batch positions
 * are indexed in memory when it is mapped.
 * <p>
 * Threading: {@link #copy}, {@link #expire} and {@link #delete} on one thread (the node's cleaner); {@link #read},
 * {@link #startOffset()} and {@link #endOffset()} from any thread: the segment array is published with a volatile
 * write after each segment is mapped and indexed, and files are unlinked, never unmapped, so a reader holding a
 * slice keeps valid memory.
 */
public final class ArchivedLog
{
    static final String COPYING_SUFFIX = ".copying";
    private static final ArchivedSegment[] NONE = new ArchivedSegment[0];

    private final Path dir;
    private volatile ArchivedSegment[] segments = NONE;

    private ArchivedLog(final Path dir)
    {
        this.dir = dir;
    }

    /**
     * Open (creating if needed) the archive of one partition, mapping what it holds and deleting unfinished copies.
     */
    public static ArchivedLog open(final Path dir)
    {
        final ArchivedLog archive = new ArchivedLog(dir);
        final List<ArchivedSegment> loaded = new ArrayList<>();
        try
        {
            Files.createDirectories(dir);
            try (Stream<Path> files = Files.list(dir))
            {
                for (final Path file : (Iterable<Path>)files.sorted()::iterator)
                {
                    final String name = file.getFileName().toString();
                    if (name.endsWith(COPYING_SUFFIX))
                    {
                        Files.deleteIfExists(file);
                    }
                    else if (name.endsWith(Segment.LOG_SUFFIX))
                    {
                        final ArchivedSegment segment;
                        try
                        {
                            // Headers only: every batch's CRC was checked when it was copied, and is checked again
                            // before it is served.
                            segment = ArchivedSegment.map(file, false);
                        }
                        catch (final IllegalStateException ex)
                        {
                            PartitionLog.LOGGER.log(System.Logger.Level.ERROR, dir + ": ignoring the archive up to " +
                                "and including a damaged segment", ex);
                            loaded.clear();
                            continue;
                        }
                        if (!loaded.isEmpty() && loaded.get(loaded.size() - 1).endOffset != segment.baseOffset)
                        {
                            // Not contiguous: keep only the newest run, which continues into the local segments.
                            loaded.clear();
                        }
                        loaded.add(segment);
                    }
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot open archive " + dir, ex);
        }
        archive.segments = loaded.toArray(NONE);
        return archive;
    }

    public Path directory()
    {
        return dir;
    }

    /**
     * @return the first archived offset, or -1 when nothing is archived. Any thread.
     */
    public long startOffset()
    {
        final ArchivedSegment[] segments = this.segments;
        return segments.length == 0 ? -1 : segments[0].baseOffset;
    }

    /**
     * @return one past the last archived offset, or -1 when nothing is archived. Any thread.
     */
    public long endOffset()
    {
        final ArchivedSegment[] segments = this.segments;
        return segments.length == 0 ? -1 : segments[segments.length - 1].endOffset;
    }

    /**
     * @return whether a segment with this base offset is archived.
     */
    boolean contains(final long baseOffset)
    {
        for (final ArchivedSegment segment : segments)
        {
            if (segment.baseOffset == baseOffset)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Copy a closed segment into the archive, verify the copy batch by batch, and publish it. A segment already
     * archived is left as it is. Cleaner thread.
     *
     * @throws UncheckedIOException  if the copy cannot be written.
     * @throws IllegalStateException if the copy does not read back whole and valid.
     */
    void copy(final Segment segment)
    {
        if (contains(segment.baseOffset()))
        {
            return;
        }
        final Path target = dir.resolve(Segment.fileName(segment.baseOffset(), Segment.LOG_SUFFIX));
        final Path copying = dir.resolve(target.getFileName() + COPYING_SUFFIX);
        try
        {
            final int length = segment.length();
            try (FileChannel in = FileChannel.open(segment.logPath(), StandardOpenOption.READ);
                FileChannel out = FileChannel.open(copying,
                    StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE))
            {
                long copied = 0;
                while (copied < length)
                {
                    final long n = in.transferTo(copied, length - copied, out);
                    if (n <= 0)
                    {
                        throw new IOException(segment.logPath() + " ended after " + copied + " of " + length + " bytes");
                    }
                    copied += n;
                }
                out.force(true);
            }
            final ArchivedSegment copy = ArchivedSegment.map(copying, true);
            if (copy.length != length || copy.baseOffset != segment.baseOffset())
            {
                Files.deleteIfExists(copying);
                throw new IllegalStateException("archived copy of " + target + " reads back " + copy.length +
                    " bytes instead of " + length);
            }
            Files.move(copying, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            final ArchivedSegment[] current = segments;
            if (current.length > 0 && current[current.length - 1].endOffset != copy.baseOffset)
            {
                PartitionLog.LOGGER.log(System.Logger.Level.WARNING, dir + ": segment " + copy.baseOffset +
                    " does not continue the archive (which ends at " + current[current.length - 1].endOffset +
                    "): the archive restarts from it");
                segments = new ArchivedSegment[] {copy};
                for (final ArchivedSegment old : current)
                {
                    Files.deleteIfExists(old.path);
                }
            }
            else
            {
                final ArchivedSegment[] next = Arrays.copyOf(current, current.length + 1);
                next[current.length] = copy;
                segments = next;
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot archive " + target, ex);
        }
    }

    /**
     * Delete archived segments from the oldest while their newest record is older than {@code retentionMs} and they
     * hold only offsets below {@code localStartOffset} (an archived segment still held locally is kept, so the
     * archive stays contiguous with the local log). Cleaner thread.
     *
     * @return segments deleted.
     */
    public int expire(final long now, final long retentionMs, final long localStartOffset)
    {
        if (retentionMs < 0)
        {
            return 0;
        }
        final ArchivedSegment[] current = segments;
        int expired = 0;
        while (expired < current.length && current[expired].endOffset <= localStartOffset &&
            now - current[expired].maxTimestamp > retentionMs)
        {
            expired++;
        }
        if (expired > 0)
        {
            segments = Arrays.copyOfRange(current, expired, current.length);
            for (int i = 0; i < expired; i++)
            {
                try
                {
                    Files.deleteIfExists(current[i].path);
                }
                catch (final IOException ex)
                {
                    throw new UncheckedIOException(ex);
                }
            }
        }
        return expired;
    }

    /**
     * Point {@code out} at whole archived batches from the one holding {@code fetchOffset}, up to {@code maxBytes}
     * but at least one batch, never across a segment. Any thread.
     *
     * @return {@link PartitionLog#OK}, or {@link PartitionLog#OFFSET_OUT_OF_RANGE} when the archive does not hold
     * the offset.
     */
    int read(final long fetchOffset, final int maxBytes, final FetchSlice out)
    {
        final ArchivedSegment[] segments = this.segments;
        int low = 0;
        int high = segments.length - 1;
        while (low <= high)
        {
            final int mid = (low + high) >>> 1;
            final ArchivedSegment segment = segments[mid];
            if (fetchOffset < segment.baseOffset)
            {
                high = mid - 1;
            }
            else if (fetchOffset >= segment.endOffset)
            {
                low = mid + 1;
            }
            else
            {
                segment.read(fetchOffset, maxBytes, out);
                return PartitionLog.OK;
            }
        }
        out.set(null, 0, 0);
        return PartitionLog.OFFSET_OUT_OF_RANGE;
    }

    /**
     * Remove the archive of this partition. Cleaner thread, or any thread once nothing uses it.
     */
    void delete()
    {
        segments = NONE;
        FileTrees.deleteRecursively(dir);
    }

    /**
     * One archived segment, mapped read-only, with the base offset and position of each batch.
     */
    private static final class ArchivedSegment
    {
        final Path path;
        final UnsafeBuffer buffer;
        final int length;
        final long baseOffset;
        final long endOffset;
        final long maxTimestamp;
        final long[] batchOffsets;
        final int[] batchPositions;

        private ArchivedSegment(
            final Path path, final UnsafeBuffer buffer, final long baseOffset, final long[] batchOffsets,
            final int[] batchPositions, final long endOffset, final long maxTimestamp)
        {
            this.path = path;
            this.buffer = buffer;
            this.length = buffer.capacity();
            this.baseOffset = baseOffset;
            this.batchOffsets = batchOffsets;
            this.batchPositions = batchPositions;
            this.endOffset = endOffset;
            this.maxTimestamp = maxTimestamp;
        }

        /**
         * Map a segment file and index it, checking every batch's header, and its whole structure and CRC when
         * {@code verify}: a file that is not whole valid batches is refused.
         */
        static ArchivedSegment map(final Path file, final boolean verify) throws IOException
        {
            final String name = file.getFileName().toString();
            final long baseOffset = Long.parseLong(name.substring(0, 20));
            final UnsafeBuffer buffer;
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
            {
                final long size = channel.size();
                final MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
                buffer = new UnsafeBuffer(mapped);
            }
            long[] offsets = new long[64];
            int[] positions = new int[64];
            int count = 0;
            int position = 0;
            long next = baseOffset;
            long maxTimestamp = Long.MIN_VALUE;
            while (position < buffer.capacity())
            {
                final int remaining = buffer.capacity() - position;
                final int batchLength = remaining >= RecordBatches.FIRST_RECORD_OFFSET ?
                    RecordBatches.batchLength(buffer, position) : remaining;
                final String error = batchLength > remaining || batchLength < RecordBatches.FIRST_RECORD_OFFSET ?
                    "truncated batch" : verify ? RecordBatches.validate(buffer, position, batchLength) : null;
                if (null != error || RecordBatches.baseOffset(buffer, position) < next)
                {
                    throw new IllegalStateException(file + ": not a whole valid segment at byte " + position + ": " +
                        (null != error ? error : "offsets go back"));
                }
                if (count == offsets.length)
                {
                    offsets = Arrays.copyOf(offsets, count * 2);
                    positions = Arrays.copyOf(positions, count * 2);
                }
                offsets[count] = RecordBatches.baseOffset(buffer, position);
                positions[count] = position;
                count++;
                next = RecordBatches.baseOffset(buffer, position) + RecordBatches.lastOffsetDelta(buffer, position) + 1;
                maxTimestamp = Math.max(maxTimestamp, RecordBatches.maxTimestamp(buffer, position));
                position += batchLength;
            }
            return new ArchivedSegment(file, buffer, baseOffset, Arrays.copyOf(offsets, count),
                Arrays.copyOf(positions, count), next, maxTimestamp);
        }

        void read(final long fetchOffset, final int maxBytes, final FetchSlice out)
        {
            int index = Arrays.binarySearch(batchOffsets, fetchOffset);
            index = index >= 0 ? index : Math.max(0, -index - 2);
            final int first = batchPositions[index];
            int end = index + 1 < batchPositions.length ? batchPositions[index + 1] : length;
            for (int i = index + 1; i < batchPositions.length; i++)
            {
                final int batchEnd = i + 1 < batchPositions.length ? batchPositions[i + 1] : length;
                if (batchEnd - first > maxBytes)
                {
                    break;
                }
                end = batchEnd;
            }
            out.set(buffer, first, end - first);
        }
    }
}
