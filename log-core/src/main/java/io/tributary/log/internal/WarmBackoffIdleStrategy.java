package io.tributary.log.internal;

import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.locks.LockSupport;

/**
 * A back-off idle strategy that stays responsive while traffic flows and cheap when it stops: after work it spins,
 * yields, then parks for periods doubling from {@code minParkNs}; for {@code warmNs} after the thread last went idle
 * the parks stop growing at {@code warmParkNs}, and only then grow on to {@code maxParkNs}.
 * <p>
 * Why: a record or a request crosses several polling threads (client conductor, media drivers, consensus module,
 * archive, service, fetch server), each of which parks when it has nothing to do. With parks growing straight to
 * 1 ms, a request that comes a millisecond or more after the last (a pipeline's checkpoint, a consumer's next fetch,
 * a producer at 1,000 records/s) finds every thread on its way in a 1 ms park and waits about half of one at each
 * hop. Capping every park at 100 µs fixes that but keeps an idle node's threads waking 10,000 times a second (about
 * 0.3 of a core per node); the warm period gives the short parks only to threads that worked a moment ago.
 * <p>
 * Not thread-safe: one per agent thread, as every idle strategy.
 */
public final class WarmBackoffIdleStrategy implements IdleStrategy
{
    private static final int NOT_IDLE = 0;
    private static final int SPINNING = 1;
    private static final int YIELDING = 2;
    private static final int PARKING = 3;

    private final long maxSpins;
    private final long maxYields;
    private final long minParkNs;
    private final long warmParkNs;
    private final long maxParkNs;
    private final long warmNs;

    private int state = NOT_IDLE;
    private long spins;
    private long yields;
    private long parkNs;
    private long idleSinceNs;

    /**
     * @param maxSpins   spins before yielding.
     * @param maxYields  yields before parking.
     * @param minParkNs  the first park.
     * @param warmParkNs the longest park while warm.
     * @param maxParkNs  the longest park.
     * @param warmNs     how long after going idle a thread stays warm.
     */
    public WarmBackoffIdleStrategy(
        final long maxSpins,
        final long maxYields,
        final long minParkNs,
        final long warmParkNs,
        final long maxParkNs,
        final long warmNs)
    {
        if (minParkNs < 1 || warmParkNs < minParkNs || maxParkNs < warmParkNs || warmNs < 0)
        {
            throw new IllegalArgumentException("need 1 <= minParkNs <= warmParkNs <= maxParkNs and warmNs >= 0");
        }
        this.maxSpins = maxSpins;
        this.maxYields = maxYields;
        this.minParkNs = minParkNs;
        this.warmParkNs = warmParkNs;
        this.maxParkNs = maxParkNs;
        this.warmNs = warmNs;
    }

    public void idle(final int workCount)
    {
        if (workCount > 0)
        {
            reset();
        }
        else
        {
            idle();
        }
    }

    public void idle()
    {
        switch (state)
        {
            case NOT_IDLE:
                idleSinceNs = System.nanoTime();
                spins = 0;
                state = SPINNING;
                // fall through
            case SPINNING:
                if (spins < maxSpins)
                {
                    spins++;
                    Thread.onSpinWait();
                    break;
                }
                yields = 0;
                state = YIELDING;
                // fall through
            case YIELDING:
                if (yields < maxYields)
                {
                    yields++;
                    Thread.yield();
                    break;
                }
                parkNs = minParkNs;
                state = PARKING;
                // fall through
            default:
                LockSupport.parkNanos(parkNs);
                final long cap = System.nanoTime() - idleSinceNs < warmNs ? warmParkNs : maxParkNs;
                parkNs = Math.min(parkNs << 1, cap);
                break;
        }
    }

    /**
     * @return the period of the next park, or 0 when the thread is not parking yet.
     */
    public long parkPeriodNs()
    {
        return state == PARKING ? parkNs : 0;
    }

    public void reset()
    {
        state = NOT_IDLE;
    }

    public String alias()
    {
        return "warm-backoff";
    }

    public String toString()
    {
        return "WarmBackoffIdleStrategy{spins=" + maxSpins + ", yields=" + maxYields + ", minParkNs=" + minParkNs +
            ", warmParkNs=" + warmParkNs + ", maxParkNs=" + maxParkNs + ", warmNs=" + warmNs + '}';
    }
}
