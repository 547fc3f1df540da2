package io.tributary.jobs;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Spreads tasks over live workers, the same way on every worker, so that each can tell which tasks are its own
 * without asking anyone: a pure function of the running jobs and the live workers.
 * <p>
 * Each task ranks the workers by a hash of (task, worker), highest random weight first, and goes to the first worker
 * in its ranking that is below its share ({@code ceil(tasks / workers)}, at most its slots); tasks left over, when
 * shares are smaller than slots allow, go to the first worker in their ranking with a free slot. A task's ranking does
 * not depend on other workers, so when a worker joins, the tasks that rank it first (about 1/n of them) move to it,
 * and when one leaves, its tasks move; in both cases the changed shares may displace a few more. It keeps no history:
 * stickiness comes from the hash alone. Tasks beyond all slots stay unassigned.
 * Stateless and thread-safe.
 */
public final class TaskAssignor
{
    /**
     * A job's task: the job name and the task's index in it.
     */
    public record TaskId(String job, int index) implements Comparable<TaskId>
    {
        public int compareTo(final TaskId other)
        {
            final int byJob = job.compareTo(other.job);
            return byJob != 0 ? byJob : Integer.compare(index, other.index);
        }

        public String toString()
        {
            return job + "/" + index;
        }
    }

    private TaskAssignor()
    {
    }

    /**
     * @param tasks   every task that should run.
     * @param workers live workers by id, with their slots.
     * @return the worker id of every assigned task, in task order.
     */
    public static Map<TaskId, String> assign(final List<TaskId> tasks, final Map<String, Integer> workers)
    {
        final Map<TaskId, String> assignment = new LinkedHashMap<>();
        if (workers.isEmpty())
        {
            return assignment;
        }
        final List<TaskId> sorted = new ArrayList<>(tasks);
        sorted.sort(Comparator.naturalOrder());
        final int share = (sorted.size() + workers.size() - 1) / workers.size();
        final Map<String, Integer> load = new HashMap<>();
        final List<TaskId> leftover = new ArrayList<>();
        for (final TaskId task : sorted)
        {
            final String worker = firstWithRoom(task, workers, load, share);
            if (worker == null)
            {
                leftover.add(task);
            }
            else
            {
                assignment.put(task, worker);
                load.merge(worker, 1, Integer::sum);
            }
        }
        for (final TaskId task : leftover)
        {
            final String worker = firstWithRoom(task, workers, load, Integer.MAX_VALUE);
            if (worker != null)
            {
                assignment.put(task, worker);
                load.merge(worker, 1, Integer::sum);
            }
        }
        final Map<TaskId, String> ordered = new LinkedHashMap<>();
        sorted.stream().filter(assignment::containsKey).forEach(t -> ordered.put(t, assignment.get(t)));
        return ordered;
    }

    private static String firstWithRoom(final TaskId task, final Map<String, Integer> workers,
        final Map<String, Integer> load, final int share)
    {
        String best = null;
        long bestWeight = 0;
        for (final Map.Entry<String, Integer> worker : workers.entrySet())
        {
            final int used = load.getOrDefault(worker.getKey(), 0);
            if (used >= Math.min(share, worker.getValue()))
            {
                continue;
            }
            final long weight = weight(task, worker.getKey());
            if (best == null || weight > bestWeight || (weight == bestWeight && worker.getKey().compareTo(best) < 0))
            {
                best = worker.getKey();
                bestWeight = weight;
            }
        }
        return best;
    }

    static long weight(final TaskId task, final String worker)
    {
        long h = 0x9E3779B97F4A7C15L;
        for (final char c : (task.job() + '\u0000' + task.index() + '\u0000' + worker).toCharArray())
        {
            h = (h ^ c) * 0x100000001B3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
