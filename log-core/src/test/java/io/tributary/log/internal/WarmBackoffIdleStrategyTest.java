package io.tributary.log.internal;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WarmBackoffIdleStrategyTest
{
    private static final long MIN_PARK_NS = 1_000;
    private static final long WARM_PARK_NS = 50_000;
    private static final long MAX_PARK_NS = 400_000;

    @Test
    void spinsAndYieldsBeforeTheFirstPark()
    {
        final WarmBackoffIdleStrategy idle = new WarmBackoffIdleStrategy(
            3, 2, MIN_PARK_NS, WARM_PARK_NS, MAX_PARK_NS, TimeUnit.HOURS.toNanos(1));
        for (int i = 0; i < 3 + 2; i++)
        {
            idle.idle(0);
            assertEquals(0, idle.parkPeriodNs(), "idle " + i + " should spin or yield");
        }
        idle.idle(0);
        assertEquals(2 * MIN_PARK_NS, idle.parkPeriodNs(), "the sixth idle parks the shortest period, then doubles");
    }

    @Test
    void parksStayShortWhileWarm()
    {
        final WarmBackoffIdleStrategy idle = new WarmBackoffIdleStrategy(
            0, 0, MIN_PARK_NS, WARM_PARK_NS, MAX_PARK_NS, TimeUnit.HOURS.toNanos(1));
        long longest = 0;
        for (int i = 0; i < 40; i++)
        {
            idle.idle(0);
            longest = Math.max(longest, idle.parkPeriodNs());
        }
        assertEquals(WARM_PARK_NS, longest, "parks grow to the warm cap and no further within the warm period");
    }

    @Test
    void parksGrowToTheLongestOnceTheWarmPeriodHasPassed()
    {
        final long warmNs = TimeUnit.MILLISECONDS.toNanos(20);
        final WarmBackoffIdleStrategy idle = new WarmBackoffIdleStrategy(
            0, 0, MIN_PARK_NS, WARM_PARK_NS, MAX_PARK_NS, warmNs);
        idle.idle(0);
        final long wentIdleNs = System.nanoTime();
        while (System.nanoTime() - wentIdleNs < 2 * warmNs)
        {
            idle.idle(0);
        }
        for (int i = 0; i < 10; i++)
        {
            idle.idle(0);
        }
        assertEquals(MAX_PARK_NS, idle.parkPeriodNs());
    }

    @Test
    void workMakesItWarmAgainAndStartsOverFromTheShortestPark()
    {
        // Long enough that a loaded machine cannot let it pass during the dozen parks after the work.
        final long warmNs = TimeUnit.MILLISECONDS.toNanos(300);
        final WarmBackoffIdleStrategy idle = new WarmBackoffIdleStrategy(
            0, 0, MIN_PARK_NS, WARM_PARK_NS, MAX_PARK_NS, warmNs);
        final long startNs = System.nanoTime();
        while (System.nanoTime() - startNs < 2 * warmNs || idle.parkPeriodNs() < MAX_PARK_NS)
        {
            idle.idle(0);
        }

        idle.idle(1);
        assertEquals(0, idle.parkPeriodNs());
        long longest = 0;
        for (int i = 0; i < 12; i++)
        {
            idle.idle(0);
            longest = Math.max(longest, idle.parkPeriodNs());
        }
        assertTrue(longest <= WARM_PARK_NS, "a thread that just worked parks at most the warm cap: " + longest);
    }

    @Test
    void refusesParkPeriodsOutOfOrder()
    {
        assertThrows(IllegalArgumentException.class,
            () -> new WarmBackoffIdleStrategy(1, 1, 0, WARM_PARK_NS, MAX_PARK_NS, 0));
        assertThrows(IllegalArgumentException.class,
            () -> new WarmBackoffIdleStrategy(1, 1, MIN_PARK_NS, MAX_PARK_NS, WARM_PARK_NS, 0));
    }
}
