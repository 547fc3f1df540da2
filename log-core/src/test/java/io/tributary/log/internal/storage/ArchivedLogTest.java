package io.tributary.log.internal.storage;

import io.tributary.log.internal.record.RecordBatchBuilder;
import io.tributary.log.internal.record.RecordBatchReader;
import io.tributary.log.internal.record.RecordBatches;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ArchivedLogTest
{
    private static final LogConfig SMALL = new LogConfig(2048, 256);
    private static final long T0 = 1_000_000L;

    @TempDir
    Path dir;

    private final RecordBatchBuilder builder = new RecordBatchBuilder(64 * 1024);
    private final RecordBatchReader reader = new RecordBatchReader();
    private final FetchSlice slice = new FetchSlice();
    private PartitionLog log;

    @AfterEach
    void closeLog()
    {
        if (null != log)
        {
            log.close();
        }
    }

    private void append(final int i)
    {
        builder.reset(-1, 0);
        assertTrue(builder.tryAppend(T0 + i, ("k" + i).getBytes(StandardCharsets.UTF_8),
            ("value-" + i).getBytes(StandardCharsets.UTF_8), null));
        final int length = builder.finish();
        log.append(builder.buffer(), 0, length, T0 + i);
    }

    /**
     * @return "offset:key=value" of every record from {@code from} to the end, read as the fetch server does.
     */
    private List<String> readFrom(final long from)
    {
        final List<String> out = new ArrayList<>();
        long offset = from;
        while (offset < log.endOffset())
        {
            assertEquals(PartitionLog.OK, log.read(offset, 1024, slice), "offset " + offset + " is served");
            final long[] next = {offset};
            RecordBatches.forEachBatch(slice.buffer(), slice.offset(), slice.length(), (buffer, position, length) ->
            {
                assertNull(RecordBatches.validate(buffer, position, length));
                reader.wrap(buffer, position, length);
                while (reader.next())
                {
                    if (reader.offset() >= next[0])
                    {
                        out.add(reader.offset() + ":" + new String(reader.key()) + "=" + new String(reader.value()));
                    }
                }
                next[0] = reader.lastOffset() + 1;
            });
            assertTrue(next[0] > offset);
            offset = next[0];
        }
        return out;
    }

    @Test
    void segmentsDeletedLocallyAreReadFromTheArchiveWithTheSameOffsetsAndBytes()
    {
        log = PartitionLog.open(dir.resolve("log"), SMALL);
        log.attachArchive(ArchivedLog.open(dir.resolve("archive")));
        for (int i = 0; i < 200; i++)
        {
            append(i);
        }
        final List<String> all = readFrom(0);
        assertEquals(200, all.size());
        final int closed = log.closedSegmentCount();
        assertTrue(closed > 4);

        log.archiveClosedSegments(Runnable::run);
        log.awaitArchived(closed - 1);
        log.deleteOldestSegments(closed - 1);
        assertTrue(log.startOffset() > 0);
        assertEquals(0, log.earliestOffset(), "the archive reaches back to offset 0");
        assertEquals(all, readFrom(0), "same records at the same offsets, from the archive then the local log");
        for (long offset = 0; offset < log.endOffset(); offset += 13)
        {
            assertEquals(all.subList((int)offset, all.size()), readFrom(offset));
        }

        // Reopened (a restart), the archive is found again.
        log.close();
        log = PartitionLog.open(dir.resolve("log"), SMALL);
        log.attachArchive(ArchivedLog.open(dir.resolve("archive")));
        assertEquals(0, log.earliestOffset());
        assertEquals(all, readFrom(0));

        // Archive retention deletes only what is no longer local, oldest first.
        final ArchivedLog archive = log.archive();
        final int expired = archive.expire(T0 + 1_000_000, 0, log.startOffset());
        assertEquals(closed - 1, expired);
        assertEquals(log.startOffset(), log.earliestOffset());
        assertEquals(PartitionLog.OFFSET_OUT_OF_RANGE, log.read(0, 1024, slice));
    }

    @Test
    void aCopyThatDoesNotContinueTheArchiveRestartsIt() throws Exception
    {
        log = PartitionLog.open(dir.resolve("log"), SMALL);
        final ArchivedLog archive = ArchivedLog.open(dir.resolve("archive"));
        for (int i = 0; i < 200; i++)
        {
            append(i);
        }
        final List<String> all = readFrom(0);
        // The first segment is deleted without being archived (as when its copy failed).
        log.deleteOldestSegments(1);
        log.attachArchive(archive);
        log.archiveClosedSegments(Runnable::run);
        final int closed = log.closedSegmentCount();
        log.awaitArchived(closed);
        log.deleteOldestSegments(closed);
        assertTrue(archive.startOffset() > 0);
        assertEquals(archive.startOffset(), log.earliestOffset());
        assertEquals(all.subList((int)archive.startOffset(), all.size()), readFrom(log.earliestOffset()));
        try (var files = Files.list(archive.directory()))
        {
            assertFalse(files.anyMatch(f -> f.toString().endsWith(ArchivedLog.COPYING_SUFFIX)));
        }
    }

    @Test
    void aDamagedArchivedSegmentFoundOnOpenIsLeftOutWithEverythingBeforeIt() throws Exception
    {
        log = PartitionLog.open(dir.resolve("log"), SMALL);
        log.attachArchive(ArchivedLog.open(dir.resolve("archive")));
        for (int i = 0; i < 200; i++)
        {
            append(i);
        }
        final List<String> all = readFrom(0);
        final int closed = log.closedSegmentCount();
        log.archiveClosedSegments(Runnable::run);
        log.awaitArchived(closed);
        log.deleteOldestSegments(closed);
        log.close();

        // Cut the second archived segment in the middle of a batch.
        final List<Path> archived;
        try (var files = Files.list(dir.resolve("archive")))
        {
            archived = files.sorted().toList();
        }
        final Path damaged = archived.get(1);
        Files.write(damaged, java.util.Arrays.copyOf(Files.readAllBytes(damaged), 100));

        log = PartitionLog.open(dir.resolve("log"), SMALL);
        log.attachArchive(ArchivedLog.open(dir.resolve("archive")));
        final long start = Long.parseLong(archived.get(2).getFileName().toString().substring(0, 20));
        assertEquals(start, log.earliestOffset(), "the archive starts after the damaged segment");
        assertEquals(all.subList((int)start, all.size()), readFrom(start));
    }
}
