package io.tributary.kafka;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Waiting for many futures at once.
 */
final class Futures
{
    private Futures()
    {
    }

    /**
     * @return the values in order once every future completed; the first failure (in order) if any failed.
     */
    static <T> CompletableFuture<List<T>> allOf(final List<CompletableFuture<T>> futures)
    {
        if (futures.isEmpty())
        {
            return CompletableFuture.completedFuture(Collections.emptyList());
        }
        final CompletableFuture<List<T>> all = new CompletableFuture<>();
        final AtomicInteger remaining = new AtomicInteger(futures.size());
        for (final CompletableFuture<T> future : futures)
        {
            future.whenComplete((value, ex) ->
            {
                if (remaining.decrementAndGet() == 0)
                {
                    final List<T> values = new ArrayList<>(futures.size());
                    for (final CompletableFuture<T> f : futures)
                    {
                        if (f.isCompletedExceptionally())
                        {
                            all.completeExceptionally(f.handle((v, e) -> e).join());
                            return;
                        }
                        values.add(f.join());
                    }
                    all.complete(values);
                }
            });
        }
        return all;
    }
}
