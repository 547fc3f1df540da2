package io.tributary.pipeline.internal;

import io.tributary.pipeline.Consumed;
import io.tributary.pipeline.Grouped;
import io.tributary.pipeline.KeyValue;
import io.tributary.pipeline.Pipeline;
import io.tributary.pipeline.Produced;
import io.tributary.pipeline.Serdes;
import io.tributary.pipeline.Stateful;
import io.tributary.pipeline.Windows;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class RocksDbBackendTest
{
    @TempDir
    Path dir;

    @Test
    void keepsEntriesInUnsignedKeyOrderAndRemovesItsFilesOnClose()
    {
        final Path path = dir.resolve("store");
        final RocksDbBackend backend = new RocksDbBackend(path);
        backend.put(Bytes.wrap(new byte[] {(byte)0xff}), new byte[] {1});
        backend.put(Bytes.wrap(new byte[] {0x01}), new byte[] {2});
        backend.put(Bytes.wrap(new byte[] {0x01, 0x00}), new byte[] {3});
        assertArrayEquals(new byte[] {2}, backend.get(Bytes.wrap(new byte[] {0x01})));
        assertTrue(backend.delete(Bytes.wrap(new byte[] {0x01, 0x00})));
        assertFalse(backend.delete(Bytes.wrap(new byte[] {0x01, 0x00})));
        assertNull(backend.get(Bytes.wrap(new byte[] {0x01, 0x00})));
        final List<Bytes> keys = new ArrayList<>();
        backend.forEach((k, v) -> keys.add(k));
        assertEquals(List.of(Bytes.wrap(new byte[] {0x01}), Bytes.wrap(new byte[] {(byte)0xff})), keys);
        backend.close();
        assertFalse(Files.exists(path));
    }

    @Test
    void aWindowedPipelineGivesTheSameResultsOnRocksDbAsInMemory()
    {
        final List<String> inMemory = run(name -> new InMemoryBackend());
        final List<String> rocks = run(name -> new RocksDbBackend(dir.resolve(name)));
        assertEquals(6 * 4 + 4, inMemory.size());
        assertEquals(inMemory, rocks);
    }

    private static List<String> run(final Function<String, StoreBackend> backends)
    {
        final Pipeline p = Pipeline.create("rocks");
        final var keyed = p.stream("in", Consumed.with(Serdes.string(), Serdes.longs()))
            .keyBy((k, v) -> k, Grouped.as("k", Serdes.string(), Serdes.longs()));
        keyed.window(Windows.tumbling(Duration.ofSeconds(10))).count(Stateful.named("tumbling"))
            .map((w, c) -> KeyValue.of(w.key(), "t " + w.key() + "@" + w.start() + "=" + c))
            .to("out", Produced.with(Serdes.string(), Serdes.string()));
        keyed.window(Windows.session(Duration.ofSeconds(5))).count(Stateful.named("sessions"))
            .map((w, c) -> KeyValue.of(w.key(), "s " + w.key() + "@" + w.start() + "=" + c))
            .to("out", Produced.with(Serdes.string(), Serdes.string()));
        final GraphTopology topology = (GraphTopology)p.build();
        final List<String> out = new ArrayList<>();
        final List<Object[]> repartitioned = new ArrayList<>();
        final TaskState state = new TaskState(topology.storeNames(), backends);
        final StreamTask task = new StreamTask(topology, state, (topic, k, v, ts) ->
        {
            if (topic.equals("out"))
            {
                out.add(new String(v));
            }
            else
            {
                repartitioned.add(new Object[] {topic, k, v, ts});
            }
        }, 0);
        for (int i = 0; i < 60; i++)
        {
            final long ts = i * 1_000L + (i % 3 == 0 ? 0 : 500);
            task.process("in", Serdes.string().serialize("k" + (i % 4)), Serdes.longs().serialize((long)i), ts);
            for (final Object[] r : List.copyOf(repartitioned))
            {
                repartitioned.remove(r);
                task.process((String)r[0], (byte[])r[1], (byte[])r[2], (long)r[3]);
            }
        }
        task.advanceWatermark(1_000_000);
        state.close();
        return out;
    }
}
