package io.tributary.ops.bench.jmh;

import io.tributary.log.internal.record.RecordBatchBuilder;
import io.tributary.log.internal.record.RecordBatches;
import io.tributary.log.internal.storage.FetchSlice;
import io.tributary.log.internal.storage.LogConfig;
import io.tributary.log.internal.storage.PartitionLog;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Throughput of {@link PartitionLog}: appending batches of 100-byte records, and fetching 1 MiB slices sequentially
 * from a prefilled log. Files live in a temporary directory under /tmp, removed at tear-down.
 * <p>
 * Run: {@code java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED
 * -cp ops/target/tributary.jar org.openjdk.jmh.Main SegmentBenchmark -f 1 -wi 2 -i 3}. Scores are operations per
 * second: batches for append, 1 MiB fetches for the reads.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {
    "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED"})
public class SegmentBenchmark
{
    private static final int RECORD_BYTES = 100;
    private static final int FETCH_BYTES = 1024 * 1024;
    /**
     * Appends start over in a fresh log after this many bytes, so a long run does not fill the disk; the cost, an
     * unlink and a new sparse file, is negligible next to writing this much.
     */
    private static final long MAX_APPENDED_BYTES = 512L * 1024 * 1024;

    static DirectBuffer encodeBatch(final int batchBytes)
    {
        final RecordBatchBuilder builder = new RecordBatchBuilder(batchBytes);
        builder.reset(-1, 0);
        final byte[] value = new byte[RECORD_BYTES];
        long timestamp = 1_700_000_000_000L;
        while (builder.tryAppend(timestamp++, null, value, null))
        {
            value[0]++;
        }
        final int length = builder.finish();
        final UnsafeBuffer batch = new UnsafeBuffer(ByteBuffer.allocateDirect(length));
        batch.putBytes(0, builder.buffer(), 0, length);
        if (null != RecordBatches.validate(batch, 0, length))
        {
            throw new IllegalStateException(RecordBatches.validate(batch, 0, length));
        }
        return batch;
    }

    static void deleteDirectory(final Path dir) throws IOException
    {
        if (Files.exists(dir))
        {
            try (var files = Files.walk(dir))
            {
                for (final Path path : (Iterable<Path>)files.sorted(java.util.Comparator.reverseOrder())::iterator)
                {
                    Files.deleteIfExists(path);
                }
            }
        }
    }

    @State(Scope.Thread)
    public static class AppendState
    {
        @Param({"1024", "16384"})
        int batchBytes;

        Path root;
        PartitionLog log;
        DirectBuffer batch;
        int batchLength;
        long appendedBytes;
        int generation;

        @Setup(Level.Trial)
        public void setUp() throws IOException
        {
            root = Files.createTempDirectory(Path.of("/tmp"), "segment-bench-append");
            batch = encodeBatch(batchBytes);
            batchLength = batch.capacity();
            log = PartitionLog.open(root.resolve("p" + generation), LogConfig.DEFAULT);
        }

        void startOverIfFull()
        {
            if (appendedBytes >= MAX_APPENDED_BYTES)
            {
                log.delete();
                log = PartitionLog.open(root.resolve("p" + ++generation), LogConfig.DEFAULT);
                appendedBytes = 0;
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException
        {
            log.delete();
            deleteDirectory(root);
        }
    }

    @State(Scope.Thread)
    public static class ReadState
    {
        /** Bytes of log to prefill; several segments, so fetches cross segment boundaries. */
        static final long PREFILL_BYTES = 256L * 1024 * 1024;

        Path root;
        PartitionLog log;
        final FetchSlice slice = new FetchSlice();
        final UnsafeBuffer response = new UnsafeBuffer(ByteBuffer.allocateDirect(2 * FETCH_BYTES));
        long nextOffset;

        @Setup(Level.Trial)
        public void setUp() throws IOException
        {
            root = Files.createTempDirectory(Path.of("/tmp"), "segment-bench-read");
            log = PartitionLog.open(root.resolve("p0"), LogConfig.DEFAULT);
            final DirectBuffer batch = encodeBatch(16 * 1024);
            for (long written = 0; written < PREFILL_BYTES; written += batch.capacity())
            {
                log.append(batch, 0, batch.capacity(), System.currentTimeMillis());
            }
            log.flush();
        }

        /**
         * Fetch the next slice and work out where the following fetch starts, as a fetch server would.
         */
        int fetchNext()
        {
            if (nextOffset >= log.endOffset())
            {
                nextOffset = log.startOffset();
            }
            log.read(nextOffset, FETCH_BYTES, slice);
            final DirectBuffer buffer = slice.buffer();
            int position = slice.offset();
            final int end = position + slice.length();
            long next = nextOffset;
            while (position < end)
            {
                next = RecordBatches.baseOffset(buffer, position) + RecordBatches.lastOffsetDelta(buffer, position) + 1;
                position += RecordBatches.batchLength(buffer, position);
            }
            nextOffset = next;
            return slice.length();
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException
        {
            log.delete();
            deleteDirectory(root);
        }
    }

    @Benchmark
    public long append(final AppendState state)
    {
        state.startOverIfFull();
        state.appendedBytes += state.batchLength;
        return state.log.append(state.batch, 0, state.batchLength, 1_700_000_000_000L);
    }

    /**
     * Locate 1 MiB of batches: index lookup and a walk over batch headers; the bytes are not touched.
     */
    @Benchmark
    public int readSlice(final ReadState state)
    {
        return state.fetchNext();
    }

    /**
     * Locate 1 MiB of batches and copy them out, as building a fetch response does.
     */
    @Benchmark
    public int readAndCopy(final ReadState state)
    {
        final int length = state.fetchNext();
        state.response.putBytes(0, state.slice.buffer(), state.slice.offset(), length);
        return length;
    }
}
