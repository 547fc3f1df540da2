package io.tributary.log.internal.storage;

import io.tributary.log.internal.record.RecordBatchBuilder;
import io.tributary.log.internal.record.RecordBatchReader;
import io.tributary.log.internal.record.RecordBatches;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CompactionTest
{
    private static final LogConfig SMALL = new LogConfig(2048, 256);
    private static final long T0 = 1_000_000L;

    @TempDir
    Path dir;

    private final RecordBatchBuilder builder = new RecordBatchBuilder(64 * 1024);
    private final RecordBatchReader reader = new RecordBatchReader();
    private final FetchSlice slice = new FetchSlice();
    private PartitionLog log;

    /**
     * A record as read back: offset, key, value (null for tombstone), timestamp.
     */
    record Rec(long offset, String key, String value, long timestamp)
    {
    }

    @AfterEach
    void closeLog()
    {
        if (null != log)
        {
            log.close();
        }
    }

    private static byte[] bytes(final String s)
    {
        return null == s ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Append one batch of records {key, value} pairs.
     */
    private void append(final long appendTime, final String... keyValues)
    {
        builder.reset(-1, 0);
        for (int i = 0; i < keyValues.length; i += 2)
        {
            assertTrue(builder.tryAppend(appendTime + i, bytes(keyValues[i]), bytes(keyValues[i + 1]), null));
        }
        final int length = builder.finish();
        log.append(builder.buffer(), 0, length, appendTime);
    }

    private List<Rec> readFrom(final long from)
    {
        final List<Rec> out = new ArrayList<>();
        long offset = from;
        while (offset < log.endOffset())
        {
            assertEquals(PartitionLog.OK, log.read(offset, 1 << 20, slice));
            if (slice.length() == 0)
            {
                break;
            }
            final int[] walked = {0};
            final long[] next = {offset};
            RecordBatches.forEachBatch(slice.buffer(), slice.offset(), slice.length(), (buffer, position, length) ->
            {
                assertNull(RecordBatches.validate(buffer, position, length), "every served batch is valid");
                reader.wrap(buffer, position, length);
                while (reader.next())
                {
                    if (reader.offset() >= from)
                    {
                        out.add(new Rec(reader.offset(), reader.isKeyNull() ? null : new String(reader.key()),
                            reader.isValueNull() ? null : new String(reader.value()), reader.timestamp()));
                    }
                }
                next[0] = reader.lastOffset() + 1;
                walked[0] += length;
            });
            assertTrue(next[0] > offset, "a read makes progress");
            offset = next[0];
        }
        return out;
    }

    private List<Rec> readAll()
    {
        return readFrom(log.startOffset());
    }

    /**
     * Expected content: for each keyed record, only the newest per key; null keys all.
     */
    private static List<Rec> latestPerKey(final List<Rec> records)
    {
        final Map<String, Long> newest = new TreeMap<>();
        for (final Rec rec : records)
        {
            if (null != rec.key())
            {
                newest.put(rec.key(), rec.offset());
            }
        }
        final List<Rec> out = new ArrayList<>();
        for (final Rec rec : records)
        {
            if (null == rec.key() || newest.get(rec.key()) == rec.offset())
            {
                out.add(rec);
            }
        }
        return out;
    }

    private void fillWithUpdates(final int batches)
    {
        for (int b = 0; b < batches; b++)
        {
            append(T0 + b, "k" + (b % 5), "v" + b + "-a", "k" + ((b + 1) % 5), "v" + b + "-b",
                "x" + b, "unique-" + b);
        }
    }

    @Test
    void keepsTheNewestRecordPerKeyWithOffsetsAndOrder()
    {
        log = PartitionLog.open(dir, SMALL);
        fillWithUpdates(200);
        assertTrue(log.closedSegmentCount() > 5);
        final List<Rec> before = readAll();
        final long end = log.endOffset();

        final CompactionResult result = log.compact(T0 + 1000, 0, 0.1);
        assertNotNull(result);
        assertTrue(result.bytesWritten() < result.bytesRead());
        assertTrue(result.recordsRemoved() > 0);

        final List<Rec> after = readAll();
        final long activeBase = log.activeSegmentBaseOffset();
        final List<Rec> expected = new ArrayList<>();
        final List<Rec> latest = latestPerKey(before);
        for (final Rec rec : before)
        {
            if (rec.offset() >= activeBase || latest.contains(rec))
            {
                expected.add(rec);
            }
        }
        assertEquals(expected, after);
        assertEquals(0, log.startOffset());
        assertEquals(end, log.endOffset());

        // Idempotent: nothing more to remove.
        assertNull(log.compact(T0 + 1000, 0, 0.0));
        assertNull(log.compact(T0 + 1000, 0, 0.0), "and the unchanged log is not scanned again");
        // New superseding records make it dirty again.
        append(T0 + 2000, "k0", "newer");
        log.rollActiveSegment();
        append(T0 + 2001, "k1", "newer");
        assertNotNull(log.compact(T0 + 3000, 0, 0.0));
        final Map<String, String> view = view(readAll());
        assertEquals("newer", view.get("k0"));
        assertEquals("newer", view.get("k1"));
    }

    @Test
    void readsFromAnOffsetInAGapGetTheNextSurvivorAndReopenAgrees()
    {
        log = PartitionLog.open(dir, SMALL);
        fillWithUpdates(200);
        final List<Rec> before = readAll();
        assertNotNull(log.compact(T0 + 1000, 0, 0.1));
        final List<Rec> after = readAll();
        final List<Long> surviving = after.stream().map(Rec::offset).toList();

        for (long offset = 0; offset < log.endOffset(); offset++)
        {
            final long from = offset;
            final List<Rec> read = readFrom(from);
            assertFalse(read.isEmpty());
            final long firstSurvivor = surviving.stream().filter(o -> o >= from).findFirst().orElseThrow();
            assertEquals(firstSurvivor, read.get(0).offset(), "read from " + from);
        }

        final long end = log.endOffset();
        log.close();
        log = PartitionLog.open(dir, SMALL);
        assertEquals(after, readAll());
        assertEquals(end, log.endOffset());

        // Appends continue after reopen; a truncate into a gap works.
        append(T0 + 2000, "k1", "again");
        assertEquals(end + 1, log.endOffset());
        final long gap = before.stream().map(Rec::offset).filter(o -> !surviving.contains(o)).findFirst().orElseThrow();
        log.truncateTo(gap);
        assertEquals(gap, log.endOffset());
        final List<Rec> truncated = readAll();
        assertEquals(after.stream().filter(r -> r.offset() < gap).toList(), truncated);
        append(T0 + 3000, "k2", "after-truncate");
        assertEquals(gap + 1, log.endOffset());
        log.close();
        log = PartitionLog.open(dir, SMALL);
        assertEquals(gap + 1, log.endOffset());
        assertEquals("after-truncate", readAll().get(readAll().size() - 1).value());
    }

    @Test
    void tombstonesDeleteKeysAndAreDroppedOnlyAfterDeleteRetention()
    {
        log = PartitionLog.open(dir, SMALL);
        for (int i = 0; i < 40; i++)
        {
            append(T0, "a", "a" + i, "b", "b" + i, "c", "c" + i);
        }
        append(T0 + 100, "a", null, "b", "b-last");
        for (int i = 0; i < 40; i++)
        {
            append(T0 + 200, null, "nokey" + i);
        }
        log.rollActiveSegment();
        append(T0 + 300, "z", "active");

        // Tombstone is 100 ms old at T0 + 200 with delete.retention.ms 1000: kept.
        assertNotNull(log.compact(T0 + 200, 1000, 0.5));
        Map<String, String> view = view(readAll());
        assertTrue(view.containsKey("a") && null == view.get("a"), "tombstone still there: " + view);
        assertEquals("b-last", view.get("b"));
        assertEquals("c39", view.get("c"));
        assertEquals(40, readAll().stream().filter(r -> null == r.key()).count(), "null keys are kept");

        // Not dirty enough: the only removable record is the expired tombstone out of ~44.
        assertNull(log.compact(T0 + 100 + 1000, 1000, 0.5));
        // Past delete.retention.ms it goes.
        assertNotNull(log.compact(T0 + 100 + 1000, 1000, 0.0));
        view = view(readAll());
        assertFalse(view.containsKey("a"), "tombstone dropped: " + view);
        assertEquals("b-last", view.get("b"));
        assertEquals("active", view.get("z"));
        assertEquals(40, readAll().stream().filter(r -> null == r.key()).count());
    }

    private static Map<String, String> view(final List<Rec> records)
    {
        final Map<String, String> view = new LinkedHashMap<>();
        for (final Rec rec : records)
        {
            if (null != rec.key())
            {
                view.put(rec.key(), rec.value());
            }
        }
        return view;
    }

    @Test
    void anAllSupersededLogKeepsItsStartOffsetAndNeverRewritesTheActiveSegment()
    {
        log = PartitionLog.open(dir, SMALL);
        for (int i = 0; i < 100; i++)
        {
            append(T0, "k", "v" + i);
        }
        log.rollActiveSegment();
        append(T0 + 1, "k", "final");
        final long end = log.endOffset();
        final CompactionResult result = log.compact(T0 + 10, 0, 0.5);
        assertNotNull(result);
        assertEquals(0, log.startOffset());
        assertEquals(List.of(new Rec(end - 1, "k", "final", T0 + 1)), readAll());
        for (long offset = 0; offset < end; offset += 7)
        {
            assertEquals(end - 1, readFrom(offset).get(0).offset());
        }
        log.close();
        log = PartitionLog.open(dir, SMALL);
        assertEquals(0, log.startOffset());
        assertEquals(end, log.endOffset());
        assertEquals(List.of(new Rec(end - 1, "k", "final", T0 + 1)), readAll());
    }

    @Test
    void measuresThroughput()
    {
        final LogConfig config = new LogConfig(4 * 1024 * 1024, 4096);
        log = PartitionLog.open(dir, config);
        final byte[] value = new byte[200];
        long bytes = 0;
        for (int b = 0; b < 4000; b++)
        {
            builder.reset(-1, 0);
            for (int r = 0; r < 20; r++)
            {
                builder.tryAppend(T0, bytes("key-" + ((b * 20 + r) % 1000)), value, null);
            }
            final int length = builder.finish();
            log.append(builder.buffer(), 0, length, T0);
            bytes += length;
        }
        log.rollActiveSegment();
        final CompactionResult result = log.compact(T0, 0, 0.5);
        assertNotNull(result);
        System.out.printf("compaction: %d bytes read, %d written, %d records removed, %.1f ms, %.1f MB/s%n",
            result.bytesRead(), result.bytesWritten(), result.recordsRemoved(), result.nanos() / 1e6,
            result.megabytesPerSecond());
        assertEquals(bytes, result.bytesRead());
        assertEquals(1000, readAll().size());
    }

    /**
     * An executor that keeps what it is given until released, then runs it on a thread of its own: the cleaner
     * falling behind, made certain.
     */
    private static final class HeldCleaner implements Executor
    {
        private final List<Runnable> held = new ArrayList<>();
        private final List<Thread> threads = new ArrayList<>();

        public synchronized void execute(final Runnable command)
        {
            held.add(command);
        }

        synchronized int held()
        {
            return held.size();
        }

        synchronized void release()
        {
            for (final Runnable command : held)
            {
                final Thread thread = new Thread(command, "held-cleaner");
                threads.add(thread);
                thread.start();
            }
            held.clear();
        }

        void join() throws InterruptedException
        {
            for (final Thread thread : threads)
            {
                thread.join(30_000);
            }
        }
    }

    private void superseding(final int from, final int count)
    {
        for (int b = from; b < from + count; b++)
        {
            append(T0 + 5000 + b, "k" + (b % 5), "later-" + b, "x" + (b % 50), "later-unique-" + b);
        }
    }

    @Test
    void appendsAndReadsGoOnWhileTheCleanerWorksAndItsOutputIsWhatTheCheckFroze() throws Exception
    {
        final Path reference = dir.resolve("reference");
        final Path background = dir.resolve("background");

        // Reference: compacted synchronously at the check, then more appends.
        log = PartitionLog.open(reference, SMALL);
        fillWithUpdates(200);
        assertNotNull(log.compact(T0 + 1000, 0, 0.5));
        superseding(0, 100);
        final List<Rec> expected = readAll();
        log.close();

        // Background: the same check, but the cleaner only runs after the same appends were made.
        log = PartitionLog.open(background, SMALL);
        fillWithUpdates(200);
        final List<Rec> before = readAll();
        final long endAtCheck = log.endOffset();
        final HeldCleaner cleaner = new HeldCleaner();
        assertTrue(log.startCompaction(T0 + 1000, 0, 0.5, cleaner));
        assertEquals(1, cleaner.held());
        assertEquals(new CompactionCheck(log.activeSegmentBaseOffset(), endAtCheck, T0 + 1000, 0, 0.5),
            log.pendingCompaction());

        superseding(0, 100);
        assertTrue(log.closedSegmentCount() > 0);
        assertEquals(before, readFrom(0).subList(0, before.size()), "nothing changes before the swap");

        cleaner.release();
        cleaner.join();
        final CompactionResult result = log.completeCompaction();
        assertNotNull(result);
        assertTrue(result.recordsRemoved() > 0);
        assertNull(log.pendingCompaction());
        assertEquals(expected, readAll());
        log.close();
        assertSameLogFiles(reference, background);
    }

    @Test
    void aCompactionStartedAgainAfterARestartGivesTheSameBytes() throws Exception
    {
        final Path reference = dir.resolve("reference");
        final Path restarted = dir.resolve("restarted");

        log = PartitionLog.open(reference, SMALL);
        fillWithUpdates(200);
        assertNotNull(log.compact(T0 + 1000, 0, 0.5));
        log.close();

        // Started, then the node stopped before the swap; the snapshot kept the check.
        log = PartitionLog.open(restarted, SMALL);
        fillWithUpdates(200);
        final HeldCleaner cleaner = new HeldCleaner();
        assertTrue(log.startCompaction(T0 + 1000, 0, 0.5, cleaner));
        final CompactionCheck check = log.pendingCompaction();
        cleaner.release();
        cleaner.join();
        log.close();
        assertFalse(Files.list(restarted).anyMatch(f -> f.toString().endsWith(".cleaned")),
            "a closed log leaves no cleaner output behind");

        log = PartitionLog.open(restarted, SMALL);
        log.resumeCompaction(check, Runnable::run);
        assertNotNull(log.completeCompaction());
        log.close();
        assertSameLogFiles(reference, restarted);
    }

    @Test
    void segmentsCannotBeDeletedUnderAPendingCompaction()
    {
        log = PartitionLog.open(dir, SMALL);
        fillWithUpdates(200);
        final HeldCleaner cleaner = new HeldCleaner();
        assertTrue(log.startCompaction(T0 + 1000, 0, 0.5, cleaner));
        assertThrows(IllegalStateException.class, () -> log.deleteOldestSegments(1));
        assertThrows(IllegalStateException.class, () -> log.startCompaction(T0 + 2000, 0, 0.5, cleaner));
        cleaner.release();
        assertNotNull(log.completeCompaction());
        log.deleteOldestSegments(1);
    }

    private static void assertSameLogFiles(final Path expected, final Path actual) throws IOException
    {
        final List<String> names;
        try (var files = Files.list(expected))
        {
            names = files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".log")).sorted().toList();
        }
        try (var files = Files.list(actual))
        {
            assertEquals(names,
                files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".log")).sorted().toList());
        }
        for (final String name : names)
        {
            assertArrayEquals(Files.readAllBytes(expected.resolve(name)), Files.readAllBytes(actual.resolve(name)),
                name + " is the same byte for byte");
        }
    }
}
