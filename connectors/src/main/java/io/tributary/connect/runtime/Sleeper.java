package io.tributary.connect.runtime;

import java.time.Duration;

/**
 * Waits between retries; tests pass one that records the waits instead.
 */
@FunctionalInterface
public interface Sleeper
{
    Sleeper REAL = d -> Thread.sleep(d.toMillis());

    void sleep(Duration duration) throws InterruptedException;
}
