package io.tributary.log.internal.storage;

import io.tributary.log.internal.record.RecordBatchReader;
import io.tributary.log.internal.record.RecordBatches;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.stream.Stream;

/**
 * The stored log of one partition: a directory of {@link Segment}s, Kafka style.
 * <p>
 * On disk: the directory holds, per segment, {@code NNNNNNNNNNNNNNNNNNNN.log} (RecordBatches back to back, named by
 * the 20-digit offset of its first batch), {@code .index} ({@link OffsetIndex}) and {@code .timeindex}
 * ({@link TimeIndex}). Offsets are dense as appended: each batch's baseOffset is the previous batch's last offset + 1,
 * across segments too. Compaction ({@link #startCompaction}, {@link #completeCompaction}) rewrites closed segments
 * keeping each survivor's offset, so gaps appear between batches and segments (a compacted segment keeps its file
 * name, its first batch may start later, and it may be empty); recovery, reads and truncation accept batches starting
 * at or after the expected offset. Only the last segment is appended to; it is preallocated to
 * {@link LogConfig#segmentBytes()} and a new one is rolled when a batch does not fit. Nothing here is fsync'd except
 * by {@link #flush()}: the replicated log the cluster rebuilds a node from is what makes an append durable. Closed
 * segments may also be copied to an {@link ArchivedLog}, which serves reads below the start offset.
 * <p>
 * Recovery on {@link #open(Path, LogConfig)}: the last segment is scanned from its start, every batch fully
 * validated (length, CRC, offset continuity), and the file is cut at the first batch that is not whole and valid;
 * its indexes are rebuilt. Rolled segments' indexes are checked and rebuilt when missing or implausible.
 * <p>
 * Threading: one writer thread calls {@link #append}, {@link #truncateTo}, {@link #flush}, {@link #close},
 * {@link #delete}, {@link #startCompaction}, {@link #completeCompaction} and the archive methods. The cleaner given to
 * {@link #startCompaction} and {@link #archiveClosedSegments} reads closed segments (and the active one below the
 * frozen end offset), which the writer does not change until it has awaited that work. Any thread may call
 * {@link #read}, {@link #offsetForTimestamp}, {@link #startOffset()}, {@link #earliestOffset()} and
 * {@link #endOffset()} concurrently: the writer publishes each append with volatile writes after its bytes and index
 * entries are in place, so readers see only whole batches. Segments are never unmapped explicitly, so a reader
 * racing a roll, close or delete still reads valid memory.
 */
public final class PartitionLog implements AutoCloseable
{
    static final System.Logger LOGGER = System.getLogger(PartitionLog.class.getName());

    /**
     * {@link #read} status: the slice holds batches from the one containing the fetch offset, or nothing when the
     * fetch offset is the end offset.
     */
    public static final int OK = 0;

    /**
     * {@link #read} status: the fetch offset is below the start offset or above the end offset.
     */
    public static final int OFFSET_OUT_OF_RANGE = 1;

    private static final Segment[] NO_SEGMENTS = new Segment[0];

    private final Path dir;
    private LogConfig config;
    private volatile Segment[] segments;
    private volatile long startOffset;
    private volatile long endOffset;
    private Segment activeSegment;
    private long nextOffset;
    private boolean closed;
    private Segment[] cleanCheckedSegments;
    private long cleanCheckedEnd = -1;
    private double cleanCheckedRatio;
    private PendingCompaction pendingCompaction;
    private volatile ArchivedLog archive;
    /** Copies to the archive handed to the cleaner and not yet awaited, by segment base offset. Writer thread. */
    private final java.util.TreeMap<Long, CompletableFuture<Void>> archiveCopies = new java.util.TreeMap<>();
    private long archiveSubmittedEnd = -1;

    private PartitionLog(final Path dir, final LogConfig config)
    {
        this.dir = dir;
        this.config = config;
    }

    /**
     * Open the log in {@code dir}, creating the directory and an empty log if needed, and recover it as described
     * above.
     *
     * @throws UncheckedIOException  if the files cannot be read or mapped.
     * @throws IllegalStateException if offsets do not continue from one segment to the next.
     */
    public static PartitionLog open(final Path dir, final LogConfig config)
    {
        final PartitionLog log = new PartitionLog(dir, config);
        log.load();
        return log;
    }

    private void load()
    {
        final long[] baseOffsets;
        try
        {
            Files.createDirectories(dir);
            LogCompactor.deleteLeftovers(dir);
            baseOffsets = listBaseOffsets(dir);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot list " + dir, ex);
        }

        final List<Segment> loaded = new ArrayList<>(baseOffsets.length + 1);
        for (int i = 0; i < baseOffsets.length - 1; i++)
        {
            final Segment segment = Segment.openRolled(
                dir, baseOffsets[i], baseOffsets[i + 1], config.indexIntervalBytes());
            final long end = segment.endOffsetByWalking();
            if (end > baseOffsets[i + 1])
            {
                throw new IllegalStateException(dir + ": segment " + baseOffsets[i] + " ends at offset " + end +
                    " but the next segment starts at " + baseOffsets[i + 1]);
            }
            loaded.add(segment);
        }

        final long lastBase = baseOffsets.length > 0 ? baseOffsets[baseOffsets.length - 1] : 0;
        final Segment last = Segment.openActive(dir, lastBase, config.segmentBytes(), config.indexIntervalBytes());
        nextOffset = last.recover();
        loaded.add(last);

        activeSegment = last;
        segments = loaded.toArray(NO_SEGMENTS);
        startOffset = loaded.get(0).baseOffset();
        endOffset = nextOffset;
    }

    private static long[] listBaseOffsets(final Path dir) throws IOException
    {
        try (Stream<Path> files = Files.list(dir))
        {
            return files
                .map(path -> path.getFileName().toString())
                .filter(name -> name.length() == 20 + Segment.LOG_SUFFIX.length() &&
                    name.endsWith(Segment.LOG_SUFFIX) && name.chars().limit(20).allMatch(Character::isDigit))
                .mapToLong(name -> Long.parseLong(name.substring(0, 20)))
                .sorted()
                .toArray();
        }
    }

    public Path directory()
    {
        return dir;
    }

    /**
     * @return the first offset held. Any thread.
     */
    public long startOffset()
    {
        return startOffset;
    }

    /**
     * @return the first offset this node can serve: the archive's start when the archive reaches the local segments,
     * else {@link #startOffset()}. Any thread.
     */
    public long earliestOffset()
    {
        final long local = startOffset;
        final ArchivedLog archive = this.archive;
        if (null != archive)
        {
            final long archived = archive.startOffset();
            if (archived >= 0 && archived < local && archive.endOffset() >= local)
            {
                return archived;
            }
        }
        return local;
    }

    /**
     * @return the archive of this partition's closed segments, or null when it has none.
     */
    public ArchivedLog archive()
    {
        return archive;
    }

    /**
     * Give this partition an archive: closed segments are copied to it by {@link #archiveClosedSegments} and reads
     * below the start offset are served from it. Writer thread.
     */
    public void attachArchive(final ArchivedLog archive)
    {
        this.archive = archive;
    }

    /**
     * Hand every closed segment not yet handed over to {@code cleaner} for copying to the archive. Writer thread.
     */
    public void archiveClosedSegments(final Executor cleaner)
    {
        final ArchivedLog archive = this.archive;
        if (null == archive)
        {
            return;
        }
        final Segment[] segments = this.segments;
        for (int i = 0; i < segments.length - 1; i++)
        {
            final Segment segment = segments[i];
            if (segment.baseOffset() > archiveSubmittedEnd)
            {
                archiveSubmittedEnd = segment.baseOffset();
                archiveCopies.put(segment.baseOffset(), CompletableFuture.runAsync(() -> archive.copy(segment), cleaner));
            }
        }
    }

    /**
     * Wait until the oldest {@code count} closed segments' copies to the archive are done, before they are deleted.
     * A copy that failed is logged: the segment is deleted all the same (the local log follows the cluster log on
     * every node), and the archive restarts after it. Writer thread.
     */
    public void awaitArchived(final int count)
    {
        final Segment[] segments = this.segments;
        for (int i = 0; i < Math.min(count, segments.length - 1); i++)
        {
            final CompletableFuture<Void> copy = archiveCopies.remove(segments[i].baseOffset());
            if (null != copy)
            {
                try
                {
                    copy.get();
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(dir + ": interrupted waiting for an archive copy", ex);
                }
                catch (final ExecutionException ex)
                {
                    LOGGER.log(System.Logger.Level.ERROR, dir + ": segment " + segments[i].baseOffset() +
                        " could not be archived; it is deleted locally all the same", ex.getCause());
                }
            }
        }
    }

    private void awaitArchiveCopies()
    {
        for (final CompletableFuture<Void> copy : archiveCopies.values())
        {
            try
            {
                copy.get();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return;
            }
            catch (final ExecutionException ex)
            {
                LOGGER.log(System.Logger.Level.WARNING, dir + ": an archive copy failed", ex.getCause());
            }
        }
        archiveCopies.clear();
    }

    /**
     * @return the offset the next appended record will get: one past the last published record. Any thread.
     */
    public long endOffset()
    {
        return endOffset;
    }

    public long activeSegmentBaseOffset()
    {
        final Segment[] segments = this.segments;
        return segments[segments.length - 1].baseOffset();
    }

    /**
     * @return bytes of published data in the active segment.
     */
    public long activeSegmentLength()
    {
        final Segment[] segments = this.segments;
        return segments[segments.length - 1].length();
    }

    /**
     * Append one batch, giving it the next offsets. Writer thread only. No allocation unless a segment is rolled.
     * <p>
     * The caller must have validated the batch with {@link RecordBatches#validate}: it is stored as is. The stored
     * copy gets baseOffset = {@link #endOffset()} and {@code appendTime}; the caller's buffer is not changed.
     *
     * @param appendTime cluster time of the append, epoch ms.
     * @return the base offset given to the batch.
     */
    public long append(final DirectBuffer batch, final int offset, final int length, final long appendTime)
    {
        if (closed)
        {
            // The active file has been trimmed: writing into its mapping past the end would crash the JVM.
            throw new IllegalStateException("log is closed: " + dir);
        }
        final long baseOffset = nextOffset;
        Segment segment = activeSegment;
        if (length > segment.capacity() - segment.length())
        {
            segment = roll(length);
        }

        segment.append(batch, offset, length, baseOffset, appendTime);
        nextOffset = baseOffset + RecordBatches.lastOffsetDelta(batch, offset) + 1L;
        endOffset = nextOffset;

        return baseOffset;
    }

    private Segment roll(final int batchLength)
    {
        final Segment old = activeSegment;
        final int capacity = Math.max(config.segmentBytes(), batchLength);
        final Segment next;
        final Segment[] newSegments;
        if (0 == old.length())
        {
            // Nothing in it yet but too small for this batch: replace it by a bigger one with the same base offset.
            old.deleteFiles();
            next = Segment.openActive(dir, old.baseOffset(), capacity, config.indexIntervalBytes());
            next.rebuildIndexes(0);
            newSegments = segments.clone();
            newSegments[newSegments.length - 1] = next;
        }
        else
        {
            old.seal();
            next = Segment.openActive(dir, nextOffset, capacity, config.indexIntervalBytes());
            next.rebuildIndexes(0);
            newSegments = Arrays.copyOf(segments, segments.length + 1);
            newSegments[newSegments.length - 1] = next;
        }

        // Published before the endOffset that makes its data readable.
        segments = newSegments;
        activeSegment = next;

        return next;
    }

    /**
     * @return cluster time of the first append to the active segment, or -1 while it is empty. Writer thread.
     */
    public long activeSegmentFirstAppendTime()
    {
        final Segment segment = activeSegment;
        return segment.length() == 0 ? -1 : RecordBatches.appendTime(segment.buffer(), 0);
    }

    /**
     * Close the active segment and start a new one at the end offset, so its records can age out whole; nothing
     * happens when it is empty. Writer thread.
     */
    public void rollActiveSegment()
    {
        if (activeSegment.length() > 0)
        {
            roll(0);
        }
    }

    /**
     * @return how many segments are closed: every segment but the active one.
     */
    public int closedSegmentCount()
    {
        return segments.length - 1;
    }

    /**
     * @param index of a segment, 0 the oldest.
     * @return bytes of its batches.
     */
    public long segmentSize(final int index)
    {
        return segments[index].length();
    }

    /**
     * @return bytes of every segment's batches: the partition's size for {@code retention.bytes}.
     */
    public long sizeInBytes()
    {
        long size = 0;
        for (final Segment segment : segments)
        {
            size += segment.length();
        }
        return size;
    }

    /**
     * @param index of a segment, 0 the oldest.
     * @return the largest record timestamp in it (the producers' create times), Long.MIN_VALUE when empty.
     */
    public long segmentMaxTimestamp(final int index)
    {
        final Segment segment = segments[index];
        final UnsafeBuffer buffer = segment.buffer();
        long max = Long.MIN_VALUE;
        int position = 0;
        while (position < segment.length())
        {
            max = Math.max(max, RecordBatches.maxTimestamp(buffer, position));
            position += RecordBatches.batchLength(buffer, position);
        }
        return max;
    }

    /**
     * Delete the oldest {@code count} closed segments: the start offset moves to the first record left. Readers
     * holding a slice of a deleted segment keep a valid mapping (nothing is unmapped); a later read before the new
     * start offset is out of range. Writer thread.
     */
    public void deleteOldestSegments(final int count)
    {
        if (count <= 0)
        {
            return;
        }
        checkNoPendingCompaction();
        final Segment[] segments = this.segments;
        if (count > segments.length - 1)
        {
            throw new IllegalArgumentException("only " + (segments.length - 1) + " closed segments, not " + count);
        }
        final Segment[] remaining = Arrays.copyOfRange(segments, count, segments.length);
        // Start offset first: a reader takes the segments, then checks the start offset against them.
        startOffset = remaining[0].baseOffset();
        this.segments = remaining;
        for (int i = 0; i < count; i++)
        {
            segments[i].deleteFiles();
        }
    }

    /**
     * Compact the closed segments by key now, as {@link #startCompaction} then {@link #completeCompaction} would.
     * Writer thread; for tests and tools.
     *
     * @return what was done, or null when the log was not dirty enough.
     */
    public CompactionResult compact(final long now, final long deleteRetentionMs, final double minDirtyRatio)
    {
        completeCompaction();
        return startCompaction(now, deleteRetentionMs, minDirtyRatio, Runnable::run) ? completeCompaction() : null;
    }

    /**
     * Freeze the input of a compaction of the closed segments by key ({@link LogCompactor}) and hand the work to
     * {@code cleaner}: the closed segments as they are now, every record below the end offset as evidence, and
     * {@code now}. The cleaner writes {@code .cleaned} files only; nothing a reader or the writer sees changes until
     * {@link #completeCompaction}, which must come before the next start, a deletion of segments, a truncation or a
     * close. The output depends only on what is frozen here, so it is the same whenever the cleaner runs.
     * Writer thread.
     *
     * @param now               cluster time of the check, epoch ms.
     * @param deleteRetentionMs how long a tombstone survives after its batch's append time.
     * @param minDirtyRatio     the compaction is done only when at least this share of the closed segments' records
     *                          would be removed.
     * @return true when a compaction was started; false when there is nothing to compact or the log is unchanged
     * since a check that found it clean.
     */
    public boolean startCompaction(
        final long now, final long deleteRetentionMs, final double minDirtyRatio, final Executor cleaner)
    {
        checkNoPendingCompaction();
        final Segment[] segments = this.segments;
        if (segments.length < 2)
        {
            return false;
        }
        if (segments == cleanCheckedSegments && nextOffset == cleanCheckedEnd && minDirtyRatio == cleanCheckedRatio)
        {
            // Nothing appended, rolled or compacted since a check that found too little to remove and no tombstone
            // that time could expire: the answer is the same, so skip the scan (an optimisation only).
            return false;
        }
        final CompactionCheck check = new CompactionCheck(
            segments[segments.length - 1].baseOffset(), nextOffset, now, deleteRetentionMs, minDirtyRatio);
        return launch(check, segments, cleaner);
    }

    /**
     * Start again the compaction a snapshot recorded as started ({@link #pendingCompaction()}), on the segments as
     * they are after loading it. Writer thread.
     */
    public void resumeCompaction(final CompactionCheck check, final Executor cleaner)
    {
        checkNoPendingCompaction();
        launch(check, segments, cleaner);
    }

    private boolean launch(final CompactionCheck check, final Segment[] input, final Executor cleaner)
    {
        int closedCount = 0;
        while (closedCount < input.length - 1 && input[closedCount].baseOffset() < check.closedEnd())
        {
            closedCount++;
        }
        if (0 == closedCount)
        {
            return false;
        }
        final PendingCompaction job = new PendingCompaction(check, input, closedCount);
        job.future = CompletableFuture.supplyAsync(job::run, cleaner);
        pendingCompaction = job;
        return true;
    }

    /**
     * @return the compaction started and not yet completed, or null. Writer thread; for snapshots.
     */
    public CompactionCheck pendingCompaction()
    {
        final PendingCompaction job = pendingCompaction;
        return null == job ? null : job.check;
    }

    /**
     * Wait for the compaction started last, if any, and swap its output in: each rewritten segment's
     * {@code .cleaned} file is renamed over it and mapped with fresh indexes, the new segment array is published in
     * one volatile write, then segments left empty are deleted. Replaced files are unlinked, never unmapped, so
     * readers holding the old array keep reading valid data. The start and end offsets do not move. Writer thread.
     *
     * @return what was done, or null when nothing was pending or the log was not dirty enough.
     * @throws UncheckedIOException if the cleaner could not write its files.
     */
    public CompactionResult completeCompaction()
    {
        final PendingCompaction job = pendingCompaction;
        if (null == job)
        {
            return null;
        }
        pendingCompaction = null;
        final long waitStart = System.nanoTime();
        final byte[] verdicts = job.await();
        final long waitNanos = System.nanoTime() - waitStart;
        if (null == verdicts)
        {
            final boolean settled = 0 == job.keptTombstones;
            cleanCheckedSegments = settled ? job.input : null;
            cleanCheckedEnd = settled ? job.check.evidenceEnd() : -1;
            cleanCheckedRatio = job.check.minDirtyRatio();
            return null;
        }
        cleanCheckedSegments = null;
        cleanCheckedEnd = -1;

        final long swapStart = System.nanoTime();
        final Segment[] segments = this.segments;
        for (int i = 0; i < verdicts.length; i++)
        {
            if (segments[i] != job.input[i])
            {
                LogCompactor.deleteCleaned(dir, job.input, verdicts);
                throw new IllegalStateException(dir + ": segments changed while compaction ran");
            }
        }
        final List<Segment> toDelete = new ArrayList<>();
        this.segments = LogCompactor.swap(dir, segments, verdicts, config.indexIntervalBytes(), toDelete);
        for (final Segment segment : toDelete)
        {
            segment.deleteFiles();
        }
        final long[] stats = job.stats;

        return new CompactionResult(
            (int)stats[3], stats[0], stats[1], stats[2], job.cleanNanos, waitNanos, System.nanoTime() - swapStart);
    }

    private void checkNoPendingCompaction()
    {
        if (closed)
        {
            throw new IllegalStateException("log is closed: " + dir);
        }
        if (null != pendingCompaction)
        {
            throw new IllegalStateException(dir + ": a compaction is pending: complete it first");
        }
    }

    /**
     * Stop a pending compaction without swapping it in, deleting what it wrote.
     */
    private void abandonCompaction()
    {
        final PendingCompaction job = pendingCompaction;
        if (null != job)
        {
            pendingCompaction = null;
            job.cancelled = true;
            try
            {
                final byte[] verdicts = job.await();
                if (null != verdicts)
                {
                    LogCompactor.deleteCleaned(dir, job.input, verdicts);
                }
            }
            catch (final RuntimeException ex)
            {
                LOGGER.log(System.Logger.Level.WARNING, dir + ": abandoned compaction failed", ex);
            }
        }
    }

    /**
     * One compaction handed to the cleaner: its frozen input, and its output once done.
     */
    private final class PendingCompaction
    {
        final CompactionCheck check;
        final Segment[] input;
        final int closedCount;
        final long[] stats = new long[4];
        volatile boolean cancelled;
        long keptTombstones;
        long cleanNanos;
        CompletableFuture<byte[]> future;

        PendingCompaction(final CompactionCheck check, final Segment[] input, final int closedCount)
        {
            this.check = check;
            this.input = input;
            this.closedCount = closedCount;
        }

        /**
         * On the cleaner: null when not dirty enough (or cancelled), else the verdicts of {@link LogCompactor#clean}.
         */
        byte[] run()
        {
            if (cancelled)
            {
                // Abandoned (its log closed or deleted) before the cleaner got to it.
                return null;
            }
            final long start = System.nanoTime();
            final LogCompactor compactor = new LogCompactor(
                input, closedCount, check.evidenceEnd(), check.now(), check.deleteRetentionMs());
            keptTombstones = compactor.keptTombstones();
            byte[] verdicts = null;
            if (compactor.removableRecords() > 0 && compactor.dirtyRatio() >= check.minDirtyRatio())
            {
                verdicts = compactor.clean(dir, () -> cancelled, stats);
            }
            cleanNanos = System.nanoTime() - start;
            if (null != verdicts)
            {
                LOGGER.log(System.Logger.Level.INFO, String.format(Locale.ROOT,
                    "cleaner: %s compacted in %.1f ms, %d -> %d bytes (%.1f MB/s), swapped in at the next check",
                    dir.getFileName(), cleanNanos / 1e6, stats[0], stats[1], stats[0] / 1e6 / (cleanNanos / 1e9)));
            }
            return verdicts;
        }

        byte[] await()
        {
            try
            {
                return future.get();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(dir + ": interrupted waiting for compaction", ex);
            }
            catch (final ExecutionException ex)
            {
                final Throwable cause = ex.getCause();
                if (cause instanceof RuntimeException runtime)
                {
                    throw runtime;
                }
                throw new IllegalStateException(dir + ": compaction failed", cause);
            }
        }
    }

    /**
     * Use new settings for segments rolled from now on. Writer thread.
     */
    public void config(final LogConfig config)
    {
        this.config = config;
    }

    /**
     * Point {@code out} at whole batches starting with the one that contains {@code fetchOffset}, up to
     * {@code maxBytes} but at least one batch when one is available, and never across a segment boundary (fetch
     * again from the next offset). Zero-copy: the slice points into the mapped segment. Any thread.
     *
     * @return {@link #OK}, with an empty slice when {@code fetchOffset == endOffset()}, or
     * {@link #OFFSET_OUT_OF_RANGE}.
     */
    public int read(final long fetchOffset, final int maxBytes, final FetchSlice out)
    {
        final long end = endOffset;
        final Segment[] segments = this.segments;
        if (fetchOffset < startOffset)
        {
            final ArchivedLog archive = this.archive;
            if (null != archive && fetchOffset < archive.endOffset())
            {
                return archive.read(fetchOffset, maxBytes, out);
            }
            out.set(null, 0, 0);
            return OFFSET_OUT_OF_RANGE;
        }
        if (fetchOffset > end)
        {
            out.set(null, 0, 0);
            return OFFSET_OUT_OF_RANGE;
        }

        int index = floorSegment(segments, fetchOffset);
        Segment segment = segments[index];
        int limit = segment.length();
        int first = fetchOffset == end ? -1 : segment.findBatch(fetchOffset, limit);
        while (first < 0 && fetchOffset < end && index < segments.length - 1)
        {
            // The offset fell in a gap compaction left at the end of a segment: serve the next batch after it.
            segment = segments[++index];
            limit = segment.length();
            first = limit > 0 ? 0 : -1;
        }
        // A segment's length is published before the end offset, so it may already cover a batch at or past the end
        // offset read above: serve only batches below it, or a reader could fetch past the end it is told.
        final DirectBuffer buffer = segment.buffer();
        if (first < 0 || RecordBatches.baseOffset(buffer, first) >= end)
        {
            out.set(buffer, 0, 0);
            return OK;
        }

        int position = first + RecordBatches.batchLength(buffer, first);
        while (position < limit)
        {
            final int batchLength = RecordBatches.batchLength(buffer, position);
            if (position + batchLength - first > maxBytes || RecordBatches.baseOffset(buffer, position) >= end)
            {
                break;
            }
            position += batchLength;
        }
        out.set(buffer, first, position - first);

        return OK;
    }

    /**
     * One segment file as {@link #segmentFiles()} lists it, for copying it to another node.
     *
     * @param baseOffset the offset in its name.
     * @param id         changes when the file is replaced (compaction), within this process.
     * @param length     bytes of whole batches published at the listing.
     */
    public record SegmentFile(long baseOffset, long id, int length)
    {
    }

    /**
     * @return the segments as they are now, oldest first. Any thread.
     */
    public java.util.List<SegmentFile> segmentFiles()
    {
        final Segment[] segments = this.segments;
        final java.util.List<SegmentFile> files = new java.util.ArrayList<>(segments.length);
        for (final Segment segment : segments)
        {
            files.add(new SegmentFile(segment.baseOffset(), segment.id(), segment.length()));
        }
        return files;
    }

    /**
     * Point {@code out} at the bytes of a segment file from {@code position}, up to {@code maxBytes} and to the
     * published length: raw file bytes, whose chunk boundaries need not fall between batches. Any thread.
     *
     * @return false when no current segment has this base offset and id (deleted or replaced since listed) or the
     * position is past its published length.
     */
    public boolean readSegmentFile(
        final long baseOffset, final long id, final int position, final int maxBytes, final FetchSlice out)
    {
        for (final Segment segment : this.segments)
        {
            if (segment.baseOffset() == baseOffset && segment.id() == id)
            {
                final int length = segment.length();
                if (position < 0 || position > length)
                {
                    return false;
                }
                out.set(segment.buffer(), position, Math.min(maxBytes, length - position));
                return true;
            }
        }
        return false;
    }

    /**
     * Overwrite bytes of a segment file in place with a peer's copy of the same bytes, to repair a batch that failed
     * its CRC. Only within the published length, so the writer's appends are never touched. Readers check every
     * batch's CRC before serving it, so a batch half rewritten is refused, never served. Any thread; one repairer.
     *
     * @return false when no current segment has this base offset and id, or the range is past its length.
     */
    public boolean overwriteSegmentFile(
        final long baseOffset, final long id, final int position, final byte[] bytes, final int offset, final int length)
    {
        for (final Segment segment : this.segments)
        {
            if (segment.baseOffset() == baseOffset && segment.id() == id)
            {
                if (position < 0 || position + length > segment.length())
                {
                    return false;
                }
                segment.buffer().putBytes(position, bytes, offset, length);
                return true;
            }
        }
        return false;
    }

    /**
     * @return the first offset whose record's timestamp is at or after {@code timestamp}, or -1 if there is none.
     * Any thread; allocates a reader.
     */
    public long offsetForTimestamp(final long timestamp)
    {
        final Segment[] segments = this.segments;
        final RecordBatchReader reader = new RecordBatchReader();
        for (final Segment segment : segments)
        {
            final DirectBuffer buffer = segment.buffer();
            final int limit = segment.length();
            int position = segment.timestampScanStart(timestamp);
            while (position < limit)
            {
                final int batchLength = RecordBatches.batchLength(buffer, position);
                if (RecordBatches.maxTimestamp(buffer, position) >= timestamp)
                {
                    reader.wrap(buffer, position, batchLength);
                    while (reader.next())
                    {
                        if (reader.timestamp() >= timestamp)
                        {
                            return reader.offset();
                        }
                    }
                }
                position += batchLength;
            }
        }

        return -1;
    }

    /**
     * Cut the log back so that {@code newEndOffset} is the end offset, deleting later segments. Writer thread; for
     * loading a snapshot taken before this node appended more. Readers racing it may see the removed batches.
     *
     * @throws IllegalArgumentException if {@code newEndOffset} is beyond the end, before the start or not the first
     *                                  offset of a batch.
     */
    public void truncateTo(final long newEndOffset)
    {
        if (closed)
        {
            throw new IllegalStateException("log is closed: " + dir);
        }
        if (newEndOffset > nextOffset || newEndOffset < startOffset)
        {
            throw new IllegalArgumentException("cannot truncate to " + newEndOffset + ": the log holds [" +
                startOffset + ", " + nextOffset + ")");
        }
        if (newEndOffset == nextOffset)
        {
            return;
        }
        checkNoPendingCompaction();

        final Segment[] segments = this.segments;
        final int index = floorSegment(segments, newEndOffset);
        final Segment segment = segments[index];
        // Compaction may have removed the batch at newEndOffset: cut before the first batch after it, if any.
        final int found = segment.findBatch(newEndOffset, segment.length());
        final int position = found < 0 ? segment.length() : found;
        if (found >= 0 && RecordBatches.baseOffset(segment.buffer(), position) < newEndOffset)
        {
            throw new IllegalArgumentException("cannot truncate to " + newEndOffset + ": not the first offset of a batch");
        }

        LOGGER.log(System.Logger.Level.INFO, dir + ": truncating from offset " + nextOffset + " to " + newEndOffset);
        nextOffset = newEndOffset;
        endOffset = newEndOffset;

        final Segment newActive;
        if (segment.isActive())
        {
            newActive = segment;
        }
        else
        {
            newActive = Segment.openActive(dir, segment.baseOffset(), config.segmentBytes(), config.indexIntervalBytes());
        }
        final int previousLength = segment.length();
        final Segment[] newSegments = Arrays.copyOf(segments, index + 1);
        newSegments[index] = newActive;
        this.segments = newSegments;
        activeSegment = newActive;
        newActive.truncate(position, previousLength);

        for (int i = index + 1; i < segments.length; i++)
        {
            segments[i].deleteFiles();
        }
    }

    private static int floorSegment(final Segment[] segments, final long offset)
    {
        int low = 0;
        int high = segments.length - 1;
        while (low < high)
        {
            final int mid = (low + high + 1) >>> 1;
            if (segments[mid].baseOffset() <= offset)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }

        return low;
    }

    /**
     * Force every segment's mapped pages to disk. Writer thread.
     */
    public void flush()
    {
        for (final Segment segment : segments)
        {
            segment.force();
        }
    }

    /**
     * Trim the active segment to its data and release the files. Readers may still read what they hold; the
     * mappings go when no longer referenced. Writer thread; idempotent.
     */
    public void close()
    {
        if (!closed)
        {
            abandonCompaction();
            awaitArchiveCopies();
            closed = true;
            activeSegment.seal();
        }
    }

    /**
     * Close and remove the directory with all its files. Writer thread.
     */
    public void delete()
    {
        close();
        final ArchivedLog archive = this.archive;
        if (null != archive)
        {
            this.archive = null;
            archive.delete();
        }
        for (final Segment segment : segments)
        {
            segment.deleteFiles();
        }
        try (Stream<Path> files = Files.list(dir))
        {
            for (final Path file : (Iterable<Path>)files::iterator)
            {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(dir);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot delete " + dir, ex);
        }
    }

    public String toString()
    {
        return "PartitionLog{dir=" + dir + ", startOffset=" + startOffset + ", endOffset=" + endOffset +
            ", segments=" + segments.length + "}";
    }
}
