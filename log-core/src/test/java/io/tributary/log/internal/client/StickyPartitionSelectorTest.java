package io.tributary.log.internal.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StickyPartitionSelectorTest
{
    @Test
    void shouldKeepPartitionUntilNewBatch()
    {
        final StickyPartitionSelector selector = new StickyPartitionSelector();
        final int numPartitions = 7;

        final int first = selector.partition("orders", numPartitions);
        assertInRange(first, numPartitions);
        for (int i = 0; i < 100; i++)
        {
            assertEquals(first, selector.partition("orders", numPartitions));
        }

        final int moved = selector.onNewBatch("orders", numPartitions, first);
        assertNotEquals(first, moved);
        assertInRange(moved, numPartitions);
        for (int i = 0; i < 100; i++)
        {
            assertEquals(moved, selector.partition("orders", numPartitions));
        }
    }

    @Test
    void shouldAlwaysMoveToAnotherPartitionInRange()
    {
        final StickyPartitionSelector selector = new StickyPartitionSelector();
        for (final int numPartitions : new int[]{ 2, 3, 4, 12, 100 })
        {
            final String topic = "topic-" + numPartitions;
            final Set<Integer> seen = new HashSet<>();
            int current = selector.partition(topic, numPartitions);
            for (int i = 0; i < 2_000; i++)
            {
                final int next = selector.onNewBatch(topic, numPartitions, current);
                assertNotEquals(current, next, () -> "over " + numPartitions);
                assertInRange(next, numPartitions);
                assertEquals(next, selector.partition(topic, numPartitions));
                seen.add(next);
                current = next;
            }

            if (numPartitions <= 12)
            {
                assertEquals(numPartitions, seen.size(), () -> "every partition is reached over " + numPartitions);
            }
        }
    }

    @Test
    void shouldStayOnOnlyPartition()
    {
        final StickyPartitionSelector selector = new StickyPartitionSelector();

        assertEquals(0, selector.partition("single", 1));
        assertEquals(0, selector.onNewBatch("single", 1, 0));
        assertEquals(0, selector.partition("single", 1));
    }

    @Test
    void shouldMoveOnceWhenBatchIsClosedTwice()
    {
        final StickyPartitionSelector selector = new StickyPartitionSelector();
        final int first = selector.partition("events", 12);

        final int moved = selector.onNewBatch("events", 12, first);
        assertEquals(moved, selector.onNewBatch("events", 12, first));
        assertEquals(moved, selector.partition("events", 12));
    }

    @Test
    void shouldKeepTopicsIndependent()
    {
        final StickyPartitionSelector selector = new StickyPartitionSelector();
        final int a = selector.partition("a", 100);
        final int b = selector.partition("b", 100);

        selector.onNewBatch("a", 100, a);

        assertEquals(b, selector.partition("b", 100));
    }

    @Test
    void shouldStayInRangeWhenPartitionCountShrinks()
    {
        final StickyPartitionSelector selector = new StickyPartitionSelector();
        for (int i = 0; i < 200; i++)
        {
            final String topic = "shrinking-" + i;
            selector.partition(topic, 1000);
            assertInRange(selector.partition(topic, 3), 3);
        }
    }

    @Test
    void shouldRejectPartitionCountBelowOne()
    {
        final StickyPartitionSelector selector = new StickyPartitionSelector();

        assertThrows(IllegalArgumentException.class, () -> selector.partition("t", 0));
        assertThrows(IllegalArgumentException.class, () -> selector.onNewBatch("t", 0, 0));
    }

    private static void assertInRange(final int partition, final int numPartitions)
    {
        assertTrue(partition >= 0 && partition < numPartitions, () -> partition + " not in [0, " + numPartitions + ")");
    }
}
