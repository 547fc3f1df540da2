package io.tributary.pipeline.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class StateEncodingTest
{
    @Test
    void timedValuesRoundTripIncludingNullAndEmptyValues()
    {
        final List<TimedValues.Entry> entries = List.of(new TimedValues.Entry(-5, new byte[] {1, 2}),
            new TimedValues.Entry(0, null), new TimedValues.Entry(Long.MAX_VALUE, new byte[0]));
        final List<TimedValues.Entry> back = TimedValues.decode(TimedValues.encode(entries));
        assertEquals(3, back.size());
        for (int i = 0; i < entries.size(); i++)
        {
            assertEquals(entries.get(i).timestamp(), back.get(i).timestamp());
            assertArrayEquals(entries.get(i).value(), back.get(i).value());
        }
        assertEquals(new ArrayList<>(), TimedValues.decode(null));
    }

    @Test
    void storeRecordsOnlyTheLastChangePerKeyUntilDrained()
    {
        final KeyValueStore store = new KeyValueStore("s");
        final Bytes a = Bytes.wrap(new byte[] {'a'});
        final Bytes b = Bytes.wrap(new byte[] {'b'});
        store.put(a, new byte[] {1});
        store.put(b, new byte[] {2});
        store.put(a, new byte[] {3});
        store.delete(b);
        final Map<Bytes, byte[]> changes = store.drainChanges();
        assertEquals(List.of(a, b), List.copyOf(changes.keySet()));
        assertArrayEquals(new byte[] {3}, changes.get(a));
        assertNull(changes.get(b));
        assertTrue(store.drainChanges().isEmpty());
        assertEquals(0, store.pendingBytes());
        store.restore(b, new byte[] {9});
        assertEquals(0, store.pendingChanges());
        assertArrayEquals(new byte[] {9}, store.get(b));
        store.delete(Bytes.wrap(new byte[] {'z'}));
        assertEquals(0, store.pendingChanges());
    }

    @Test
    void bytesOrderIsUnsignedAndKeysWithALongSplitBack()
    {
        assertTrue(Bytes.wrap(new byte[] {(byte)0xff}).compareTo(Bytes.wrap(new byte[] {0x01})) > 0);
        final Bytes key = Bytes.withLong(new byte[] {7, 8}, 123_456L);
        assertArrayEquals(new byte[] {7, 8}, key.prefix());
        assertEquals(123_456L, key.suffix());
        assertEquals(Bytes.withLong(new byte[] {7, 8}, 123_456L), key);
    }
}
