package io.tributary.log.internal.storage;

import io.tributary.log.internal.record.RecordBatchBuilder;
import io.tributary.log.internal.record.RecordBatchReader;
import io.tributary.log.internal.record.RecordBatches;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PartitionLogTest
{
    private static final LogConfig SMALL = new LogConfig(4096, 256);

    @TempDir
    Path dir;

    private final RecordBatchBuilder builder = new RecordBatchBuilder(1024 * 1024);
    private final RecordBatchReader reader = new RecordBatchReader();
    private final FetchSlice slice = new FetchSlice();
    private final Random random = new Random(42);
    private PartitionLog log;

    @AfterEach
    void closeLog()
    {
        if (null != log)
        {
            log.close();
        }
    }

    @Test
    void appendsRollsReopensAndReadsEverythingBack()
    {
        log = PartitionLog.open(dir, SMALL);
        assertEquals(0, log.startOffset());
        assertEquals(0, log.endOffset());

        final List<String> written = new ArrayList<>();
        long expectedBase = 0;
        for (int b = 0; b < 200; b++)
        {
            final int records = 1 + random.nextInt(8);
            final int length = batch(expectedBase, records, random.nextInt(300), written);
            assertEquals(expectedBase, log.append(builder.buffer(), 0, length, 5000 + b));
            expectedBase += records;
            assertEquals(expectedBase, log.endOffset());
        }
        assertTrue(segmentFiles().size() > 10, "tiny segments must have rolled");
        assertEquals(written, readAll(log));
        log.close();

        log = PartitionLog.open(dir, SMALL);
        assertEquals(0, log.startOffset());
        assertEquals(expectedBase, log.endOffset());
        assertEquals(written, readAll(log));
        for (final Path file : segmentFiles().subList(0, segmentFiles().size() - 1))
        {
            assertTrue(sizeOf(file) < SMALL.segmentBytes(), "rolled segments are trimmed: " + file);
        }
    }

    @Test
    void aBatchLargerThanASegmentGetsASegmentOfItsOwn()
    {
        log = PartitionLog.open(dir, SMALL);
        final List<String> written = new ArrayList<>();
        append(batch(0, 1, 10, written));
        append(batch(1, 3, 5000, written));
        append(batch(4, 1, 10, written));
        assertEquals(5, log.endOffset());
        assertEquals(written, readAll(log));
        log.close();

        log = PartitionLog.open(dir, SMALL);
        assertEquals(written, readAll(log));
    }

    @Test
    void aBatchLargerThanTheEmptyFirstSegmentReplacesIt()
    {
        log = PartitionLog.open(dir, SMALL);
        final List<String> written = new ArrayList<>();
        append(batch(0, 2, 6000, written));
        append(batch(2, 1, 10, written));
        assertEquals(written, readAll(log));
        assertEquals(0, log.startOffset());
    }

    @Test
    void readFromTheMiddleOfABatchReturnsTheWholeBatch()
    {
        log = PartitionLog.open(dir, SMALL);
        for (int b = 0; b < 50; b++)
        {
            append(batch(b * 5L, 5, 40, null));
        }

        for (long offset = 0; offset < 250; offset++)
        {
            assertEquals(PartitionLog.OK, log.read(offset, 1, slice));
            assertTrue(slice.length() > 0);
            final long batchBase = RecordBatches.baseOffset(slice.buffer(), slice.offset());
            assertEquals(offset - offset % 5, batchBase, "fetch " + offset);
            assertEquals(RecordBatches.batchLength(slice.buffer(), slice.offset()), slice.length(),
                "maxBytes 1 still returns exactly one whole batch");
        }
    }

    @Test
    void honoursMaxBytesWithWholeBatches()
    {
        log = PartitionLog.open(dir, new LogConfig(1024 * 1024, 4096));
        final int length = batch(0, 2, 50, null);
        for (int b = 0; b < 100; b++)
        {
            append(length);
        }

        assertEquals(PartitionLog.OK, log.read(0, length * 10 + length / 2, slice));
        assertEquals(length * 10, slice.length());
        assertEquals(10, RecordBatches.forEachBatch(slice.buffer(), slice.offset(), slice.length(),
            (buffer, offset, len) -> assertNull(RecordBatches.validate(buffer, offset, len))) / length);

        assertEquals(PartitionLog.OK, log.read(190, Integer.MAX_VALUE, slice));
        assertEquals(length * 5, slice.length(), "only what is there");
    }

    @Test
    void readAtTheEndIsEmptyAndBeyondIsOutOfRange()
    {
        log = PartitionLog.open(dir, SMALL);
        assertEquals(PartitionLog.OK, log.read(0, 1000, slice));
        assertEquals(0, slice.length());
        assertEquals(PartitionLog.OFFSET_OUT_OF_RANGE, log.read(1, 1000, slice));

        append(batch(0, 3, 10, null));
        assertEquals(PartitionLog.OK, log.read(3, 1000, slice));
        assertEquals(0, slice.length());
        assertEquals(PartitionLog.OFFSET_OUT_OF_RANGE, log.read(4, 1000, slice));
        assertEquals(PartitionLog.OFFSET_OUT_OF_RANGE, log.read(-1, 1000, slice));
    }

    @Test
    void doesNotChangeTheCallersBuffer()
    {
        log = PartitionLog.open(dir, SMALL);
        final int length = batch(0, 1, 10, null);
        append(length);
        final long base = log.append(builder.buffer(), 0, length, 99);
        assertEquals(1, base);
        assertEquals(0, RecordBatches.baseOffset(builder.buffer(), 0));
        assertEquals(0, RecordBatches.appendTime(builder.buffer(), 0));

        log.read(1, 1, slice);
        assertEquals(99, RecordBatches.appendTime(slice.buffer(), slice.offset()));
        assertNull(RecordBatches.validate(slice.buffer(), slice.offset(), slice.length()));
    }

    @Test
    void truncatesAHalfWrittenBatchOnOpen() throws IOException
    {
        final List<String> written = fillAndClose(20);
        final Path last = lastSegment();
        final long size = sizeOf(last);
        final int length = batch(0, 3, 100, null);
        try (RandomAccessFile file = new RandomAccessFile(last.toFile(), "rw"))
        {
            file.seek(size);
            final byte[] half = new byte[length / 2];
            builder.buffer().getBytes(0, half);
            file.write(half);
        }

        assertRecoversTo(written);
    }

    @Test
    void truncatesGarbageAfterTheLastBatchOnOpen() throws IOException
    {
        final List<String> written = fillAndClose(20);
        final Path last = lastSegment();
        try (RandomAccessFile file = new RandomAccessFile(last.toFile(), "rw"))
        {
            file.seek(sizeOf(last));
            final byte[] garbage = new byte[500];
            random.nextBytes(garbage);
            file.write(garbage);
        }

        assertRecoversTo(written);
    }

    @Test
    void truncatesACorruptLastBatchOnOpen() throws IOException
    {
        final List<String> written = fillAndClose(20);
        final Path last = lastSegment();
        final long size = sizeOf(last);
        final UnsafeBuffer whole = new UnsafeBuffer(Files.readAllBytes(last));
        final List<Integer> starts = new ArrayList<>();
        RecordBatches.forEachBatch(whole, 0, (int)size, (buffer, offset, length) -> starts.add(offset));
        final int lastStart = starts.get(starts.size() - 1);
        final int lastLength = (int)size - lastStart;
        reader.wrap(whole, lastStart, lastLength);
        final int lostRecords = reader.recordCount();

        try (RandomAccessFile file = new RandomAccessFile(last.toFile(), "rw"))
        {
            final long flipAt = size - 3;
            file.seek(flipAt);
            final int b = file.read();
            file.seek(flipAt);
            file.write(b ^ 0x10);
        }

        assertRecoversTo(written.subList(0, written.size() - lostRecords));
    }

    @Test
    void trimsARolledSegmentLeftPreallocatedByACrashDuringARoll() throws IOException
    {
        final List<String> written = fillAndClose(100);
        final Path first = segmentFiles().get(0);
        try (RandomAccessFile file = new RandomAccessFile(first.toFile(), "rw"))
        {
            file.setLength(SMALL.segmentBytes());
        }

        log = PartitionLog.open(dir, SMALL);
        assertEquals(written, readAll(log));
        assertTrue(sizeOf(first) < SMALL.segmentBytes());
    }

    @Test
    void rebuildsMissingAndGarbageIndexes() throws IOException
    {
        final List<String> written = fillAndClose(300);
        final List<Path> indexes;
        try (Stream<Path> files = Files.list(dir))
        {
            indexes = files.filter(p -> p.toString().endsWith(".index") || p.toString().endsWith(".timeindex"))
                .sorted().toList();
        }
        assertTrue(indexes.size() >= 6);
        Files.delete(indexes.get(0));
        Files.delete(indexes.get(1));
        final byte[] garbage = new byte[96];
        random.nextBytes(garbage);
        Files.write(indexes.get(2), garbage);
        Files.write(indexes.get(4), new byte[5]);

        log = PartitionLog.open(dir, SMALL);
        assertEquals(written, readAll(log));
        for (int offset = 0; offset < written.size(); offset += 7)
        {
            assertEquals(PartitionLog.OK, log.read(offset, 1, slice));
            reader.wrap(slice.buffer(), slice.offset(), slice.length());
            assertTrue(reader.baseOffset() <= offset && offset <= reader.lastOffset());
        }
        assertEquals(150, log.offsetForTimestamp(1_000_150));
        for (final Path index : indexes)
        {
            assertTrue(Files.exists(index), "rebuilt " + index);
        }
    }

    @Test
    void findsTheFirstOffsetAtOrAfterATimestamp()
    {
        log = PartitionLog.open(dir, SMALL);
        // Timestamps 1000, 1010, ... per record, except one record that is out of order.
        long offset = 0;
        for (int b = 0; b < 100; b++)
        {
            builder.reset(-1, 0);
            for (int r = 0; r < 4; r++)
            {
                final long timestamp = offset == 201 ? 999_999 : 1000 + 10 * offset;
                builder.tryAppend(timestamp, null, new byte[20], null);
                offset++;
            }
            append(builder.finish());
        }

        assertEquals(0, log.offsetForTimestamp(Long.MIN_VALUE));
        assertEquals(0, log.offsetForTimestamp(1000));
        assertEquals(1, log.offsetForTimestamp(1001));
        assertEquals(150, log.offsetForTimestamp(2500));
        assertEquals(200, log.offsetForTimestamp(3000));
        assertEquals(201, log.offsetForTimestamp(3005), "the out-of-order record is the first at or after 3005");
        assertEquals(201, log.offsetForTimestamp(999_999));
        assertEquals(-1, log.offsetForTimestamp(1_000_000));
    }

    @Test
    void truncateToCutsBackToABatchBoundaryAndAcceptsNewAppends()
    {
        final List<String> written = new ArrayList<>();
        log = PartitionLog.open(dir, SMALL);
        for (int b = 0; b < 100; b++)
        {
            append(batch(b * 3L, 3, 60, written));
        }
        final int segmentsBefore = segmentFiles().size();

        assertThrows(IllegalArgumentException.class, () -> log.truncateTo(301));
        assertThrows(IllegalArgumentException.class, () -> log.truncateTo(31));
        log.truncateTo(300);
        assertEquals(300, log.endOffset());

        log.truncateTo(150);
        assertEquals(150, log.endOffset());
        assertTrue(segmentFiles().size() < segmentsBefore, "later segments deleted");
        assertEquals(written.subList(0, 150), readAll(log));
        assertEquals(PartitionLog.OFFSET_OUT_OF_RANGE, log.read(151, 100, slice));

        final List<String> rewritten = new ArrayList<>(written.subList(0, 150));
        for (int b = 0; b < 20; b++)
        {
            append(batch(150 + b * 2L, 2, 80, rewritten));
        }
        assertEquals(rewritten, readAll(log));
        log.close();

        log = PartitionLog.open(dir, SMALL);
        assertEquals(190, log.endOffset());
        assertEquals(rewritten, readAll(log));

        log.truncateTo(0);
        assertEquals(0, log.endOffset());
        assertEquals(List.of(), readAll(log));
        append(batch(0, 1, 1, null));
        assertEquals(1, log.endOffset());
    }

    @Test
    void deleteRemovesTheDirectory()
    {
        final Path partition = dir.resolve("topic-0");
        log = PartitionLog.open(partition, SMALL);
        for (int b = 0; b < 50; b++)
        {
            append(batch(b, 1, 200, null));
        }
        log.read(0, 100, slice);
        log.delete();
        assertFalse(Files.exists(partition));
        assertEquals(0, RecordBatches.baseOffset(slice.buffer(), slice.offset()), "a held slice stays readable");
        log = null;
    }

    @Test
    void readersSeeOnlyWholeValidBatchesWhileTheWriterAppends() throws Exception
    {
        log = PartitionLog.open(dir, new LogConfig(64 * 1024, 1024));
        final int totalRecords = 30_000;
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread writer = new Thread(() ->
        {
            final RecordBatchBuilder writerBuilder = new RecordBatchBuilder(64 * 1024);
            final Random writerRandom = new Random(7);
            long offset = 0;
            while (offset < totalRecords)
            {
                writerBuilder.reset(-1, 0);
                final int records = (int)Math.min(1 + writerRandom.nextInt(20), totalRecords - offset);
                for (int r = 0; r < records; r++)
                {
                    writerBuilder.tryAppend(offset + r, null, longBytes(offset + r, writerRandom.nextInt(200)), null);
                }
                log.append(writerBuilder.buffer(), 0, writerBuilder.finish(), 1);
                offset += records;
            }
        });
        writer.setUncaughtExceptionHandler((t, ex) -> failure.set(ex));

        final List<Thread> readers = new ArrayList<>();
        for (int i = 0; i < 2; i++)
        {
            final Thread thread = new Thread(() ->
            {
                final FetchSlice fetched = new FetchSlice();
                final RecordBatchReader batchReader = new RecordBatchReader();
                final long[] next = {0};
                while (next[0] < totalRecords)
                {
                    assertEquals(PartitionLog.OK, log.read(next[0], 8192, fetched));
                    final int walked = RecordBatches.forEachBatch(fetched.buffer(), fetched.offset(), fetched.length(),
                        (buffer, offset, length) ->
                        {
                            assertNull(RecordBatches.validate(buffer, offset, length));
                            batchReader.wrap(buffer, offset, length);
                            while (batchReader.next())
                            {
                                if (batchReader.offset() >= next[0])
                                {
                                    assertEquals(next[0], batchReader.offset(), "dense offsets");
                                    assertEquals(next[0], readLong(batchReader.value()));
                                    next[0]++;
                                }
                            }
                        });
                    assertEquals(fetched.length(), walked, "only whole batches");
                }
            });
            thread.setUncaughtExceptionHandler((t, ex) -> failure.compareAndSet(null, ex));
            readers.add(thread);
        }

        readers.forEach(Thread::start);
        writer.start();
        writer.join(30_000);
        for (final Thread thread : readers)
        {
            thread.join(30_000);
            assertFalse(thread.isAlive(), "reader finished");
        }
        if (null != failure.get())
        {
            fail(failure.get());
        }
        assertEquals(totalRecords, log.endOffset());
    }

    private List<String> fillAndClose(final int batches)
    {
        final List<String> written = new ArrayList<>();
        log = PartitionLog.open(dir, SMALL);
        for (int b = 0; b < batches; b++)
        {
            builder.reset(-1, 0);
            builder.tryAppend(1_000_000 + b, null, ("record-" + b).getBytes(), null);
            written.add(b + ":" + "record-" + b);
            append(builder.finish());
        }
        log.close();
        log = null;
        return written;
    }

    private void assertRecoversTo(final List<String> expected)
    {
        log = PartitionLog.open(dir, SMALL);
        assertEquals(expected, readAll(log));
        assertEquals(expected.size(), log.endOffset());

        final List<String> more = new ArrayList<>(expected);
        append(batch(expected.size(), 2, 30, more));
        assertEquals(more, readAll(log));
        log.close();

        log = PartitionLog.open(dir, SMALL);
        assertEquals(more, readAll(log), "nothing stale resurfaces after the appended batch");
    }

    private void append(final int length)
    {
        assertNull(RecordBatches.validate(builder.buffer(), 0, length));
        log.append(builder.buffer(), 0, length, 1);
    }

    /**
     * Build a batch of {@code records} with random values of up to {@code maxValue} bytes, noting "offset:value-hash"
     * for each in {@code written}.
     */
    private int batch(final long baseOffset, final int records, final int maxValue, final List<String> written)
    {
        builder.reset(-1, 0);
        for (int r = 0; r < records; r++)
        {
            final byte[] value = new byte[random.nextInt(maxValue + 1)];
            random.nextBytes(value);
            assertTrue(builder.tryAppend(baseOffset + r, null, value, null));
            if (null != written)
            {
                written.add((baseOffset + r) + ":" + java.util.Arrays.hashCode(value));
            }
        }
        return builder.finish();
    }

    @Test
    void segmentFilesAreListedReadInChunksAndCopiedToTheSameBytesAndRepairedInPlace() throws IOException
    {
        log = PartitionLog.open(dir, SMALL);
        final List<String> written = new ArrayList<>();
        long base = 0;
        for (int b = 0; b < 60; b++)
        {
            final int records = 1 + random.nextInt(4);
            final int length = batch(base, records, random.nextInt(200), written);
            log.append(builder.buffer(), 0, length, 7000 + b);
            base += records;
        }
        final List<PartitionLog.SegmentFile> files = log.segmentFiles();
        assertEquals(segmentFiles().size(), files.size());

        // Copy every file in 100-byte chunks: the copy opens as the same log, with the same bytes.
        final Path copy = dir.resolve("copy");
        Files.createDirectories(copy);
        for (final PartitionLog.SegmentFile file : files)
        {
            final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            for (int position = 0; position < file.length(); position += slice.length())
            {
                assertTrue(log.readSegmentFile(file.baseOffset(), file.id(), position, 100, slice));
                assertTrue(slice.length() > 0 && slice.length() <= 100);
                final byte[] chunk = new byte[slice.length()];
                slice.buffer().getBytes(slice.offset(), chunk);
                bytes.write(chunk, 0, chunk.length);
            }
            assertEquals(file.length(), bytes.size());
            Files.write(copy.resolve(String.format("%020d.log", file.baseOffset())), bytes.toByteArray());
        }
        try (PartitionLog copied = PartitionLog.open(copy, SMALL))
        {
            assertEquals(log.endOffset(), copied.endOffset());
            assertEquals(written, readAll(copied));
            final PartitionLog.SegmentFile first = files.get(0);
            final byte[] original = Files.readAllBytes(segmentFiles().get(0));
            assertArrayEquals(original, Files.readAllBytes(copy.resolve(String.format("%020d.log", 0))));

            // Damage a byte of the copy's first segment, then put the original's bytes back over it in place.
            final PartitionLog.SegmentFile damaged = copied.segmentFiles().get(0);
            assertTrue(copied.overwriteSegmentFile(damaged.baseOffset(), damaged.id(), 50, new byte[] {42}, 0, 1));
            assertFalse(java.util.Arrays.equals(original, Files.readAllBytes(copy.resolve(String.format("%020d.log", 0)))));
            assertTrue(copied.overwriteSegmentFile(damaged.baseOffset(), damaged.id(), 0, original, 0, original.length));
            assertEquals(written, readAll(copied));
            assertArrayEquals(original, Files.readAllBytes(copy.resolve(String.format("%020d.log", 0))));

            // Never past the published length, never a segment that is not the one listed.
            assertFalse(copied.overwriteSegmentFile(damaged.baseOffset(), damaged.id(), damaged.length(),
                new byte[1], 0, 1));
            assertFalse(copied.overwriteSegmentFile(damaged.baseOffset(), first.id(), 0, new byte[1], 0, 1));
            assertFalse(copied.readSegmentFile(damaged.baseOffset(), damaged.id(), damaged.length() + 1, 10, slice));
        }
        log.deleteOldestSegments(1);
        assertFalse(log.readSegmentFile(files.get(0).baseOffset(), files.get(0).id(), 0, 10, slice),
            "a deleted segment is no longer served");
    }

    /**
     * Read the whole log through {@link PartitionLog#read} the way a consumer would, describing each record as
     * {@link #batch} and {@link #fillAndClose} do.
     */
    private List<String> readAll(final PartitionLog partitionLog)
    {
        final List<String> records = new ArrayList<>();
        long next = partitionLog.startOffset();
        while (next < partitionLog.endOffset())
        {
            assertEquals(PartitionLog.OK, partitionLog.read(next, 1000, slice));
            assertTrue(slice.length() > 0, "data at " + next);
            final long[] cursor = {next};
            RecordBatches.forEachBatch(slice.buffer(), slice.offset(), slice.length(), (buffer, offset, length) ->
            {
                assertNull(RecordBatches.validate(buffer, offset, length));
                reader.wrap(buffer, offset, length);
                assertEquals(cursor[0], reader.baseOffset(), "dense offsets");
                while (reader.next())
                {
                    final byte[] value = reader.value();
                    final String text = new String(value);
                    records.add(reader.offset() + ":" +
                        (text.startsWith("record-") ? text : String.valueOf(java.util.Arrays.hashCode(value))));
                }
                cursor[0] = reader.lastOffset() + 1;
            });
            next = cursor[0];
        }
        return records;
    }

    private List<Path> segmentFiles()
    {
        try (Stream<Path> files = Files.list(dir))
        {
            return files.filter(p -> p.toString().endsWith(".log")).sorted().toList();
        }
        catch (final IOException ex)
        {
            throw new AssertionError(ex);
        }
    }

    private Path lastSegment()
    {
        final List<Path> files = segmentFiles();
        return files.get(files.size() - 1);
    }

    private static long sizeOf(final Path path)
    {
        try
        {
            return Files.size(path);
        }
        catch (final IOException ex)
        {
            throw new AssertionError(ex);
        }
    }

    private static byte[] longBytes(final long value, final int padding)
    {
        final byte[] bytes = new byte[8 + padding];
        new UnsafeBuffer(bytes).putLong(0, value);
        return bytes;
    }

    private static long readLong(final byte[] bytes)
    {
        return new UnsafeBuffer(bytes).getLong(0);
    }

}
