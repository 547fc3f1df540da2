package io.tributary.bench;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A consumer of one topic from its beginning on its own thread, handing every record to a handler (on that thread)
 * until closed. Closing stops and joins the thread.
 */
final class Tail implements AutoCloseable
{
    private final Thread thread;
    private final CountDownLatch ready = new CountDownLatch(1);
    private final AtomicLong received = new AtomicLong();
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
    private volatile boolean running = true;

    Tail(final Target target, final String topic, final Target.RecordHandler handler)
    {
        thread = new Thread(() ->
        {
            try (Target.Reader reader = target.consumer(topic))
            {
                ready.countDown();
                while (running)
                {
                    received.addAndGet(reader.poll(Duration.ofMillis(100), handler));
                }
            }
            catch (final RuntimeException ex)
            {
                failure.set(ex);
            }
            finally
            {
                ready.countDown();
            }
        }, "tail-" + topic);
        thread.start();
    }

    void awaitReady() throws InterruptedException
    {
        if (!ready.await(2, TimeUnit.MINUTES))
        {
            throw new IllegalStateException("consumer not ready after 2 minutes");
        }
        rethrow();
    }

    /**
     * @throws IllegalStateException if fewer than {@code count} arrived within the timeout.
     */
    void awaitReceived(final long count, final Duration timeout) throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (received.get() < count)
        {
            rethrow();
            if (System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException("received " + received.get() + " of " + count + " after " + timeout);
            }
            Thread.sleep(5);
        }
    }

    long received()
    {
        return received.get();
    }

    private void rethrow()
    {
        final RuntimeException ex = failure.get();
        if (ex != null)
        {
            throw ex;
        }
    }

    /**
     * Asks the thread to stop without waiting: stopping many tails first lets their consumers close in parallel.
     */
    void stop()
    {
        running = false;
    }

    public void close() throws InterruptedException
    {
        running = false;
        thread.join(TimeUnit.MINUTES.toMillis(1));
        rethrow();
    }
}
