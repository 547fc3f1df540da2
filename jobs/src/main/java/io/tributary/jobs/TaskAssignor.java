package io.tributary.jobs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Spreads tasks over live workers, the same way on every worker, so that each can tell which tasks are its own
 * without asking anyone: a pure function of the tasks, the live workers and the previous assignment (which every
 * worker reads from {@code __job_status}: the worker each task last ran on).
 * <ol>
 * <li>every task stays on its previous worker if that worker is live and has a slot left (tasks in order);</li>
 * <li>tasks nobody keeps (new, or their worker left) go, in task order, to the live worker running fewest, with a
 *     slot free (then lowest id);</li>
 * <li>while a worker with a slot free runs two or more fewer than the most loaded one, the most loaded (then lowest
 *     id) gives its last task to the least loaded (then lowest id).</li>
 * </ol>
 * So a leaving worker's tasks move and nothing else; a joining worker takes tasks one at a time from the most loaded
 * until no worker runs two more than another: exactly its fair share, and no task moves between the others. Tasks
 * beyond all slots stay unassigned. Stateless and thread-safe.
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
     * Spread the tasks with no previous assignment.
     *
     * @param tasks   every task that should run.
     * @param workers live workers by id, with their slots.
     * @return the worker id of every assigned task, in task order.
     */
    public static Map<TaskId, String> assign(final List<TaskId> tasks, final Map<String, Integer> workers)
    {
        return assign(tasks, workers, Map.of());
    }

    /**
     * @param tasks    every task that should run.
     * @param workers  live workers by id, with their slots.
     * @param previous the worker each task ran on before, where known (workers not live are ignored).
     * @return the worker id of every assigned task, in task order.
     */
    public static Map<TaskId, String> assign(final List<TaskId> tasks, final Map<String, Integer> workers,
        final Map<TaskId, String> previous)
    {
        final Map<TaskId, String> assignment = new TreeMap<>();
        if (workers.isEmpty())
        {
            return new LinkedHashMap<>();
        }
        final List<TaskId> sorted = new ArrayList<>(new TreeSet<>(tasks));
        final TreeMap<String, TreeSet<TaskId>> held = new TreeMap<>();
        workers.keySet().forEach(w -> held.put(w, new TreeSet<>()));
        for (final TaskId task : sorted)
        {
            final String worker = previous.get(task);
            if (worker != null && held.containsKey(worker) && held.get(worker).size() < workers.get(worker))
            {
                held.get(worker).add(task);
                assignment.put(task, worker);
            }
        }
        for (final TaskId task : sorted)
        {
            if (!assignment.containsKey(task))
            {
                final String worker = leastLoaded(held, workers);
                if (worker != null)
                {
                    held.get(worker).add(task);
                    assignment.put(task, worker);
                }
            }
        }
        while (true)
        {
            final String to = leastLoaded(held, workers);
            String from = null;
            for (final Map.Entry<String, TreeSet<TaskId>> worker : held.entrySet())
            {
                if (from == null || worker.getValue().size() > held.get(from).size())
                {
                    from = worker.getKey();
                }
            }
            if (to == null || held.get(from).size() - held.get(to).size() < 2)
            {
                break;
            }
            final TaskId task = held.get(from).pollLast();
            held.get(to).add(task);
            assignment.put(task, to);
        }
        return new LinkedHashMap<>(assignment);
    }

    /**
     * @return the worker running fewest tasks among those with a slot free, the lowest id first; null when none.
     */
    private static String leastLoaded(final TreeMap<String, TreeSet<TaskId>> held, final Map<String, Integer> slots)
    {
        String best = null;
        for (final Map.Entry<String, TreeSet<TaskId>> worker : held.entrySet())
        {
            final int load = worker.getValue().size();
            if (load < slots.get(worker.getKey()) && (best == null || load < held.get(best).size()))
            {
                best = worker.getKey();
            }
        }
        return best;
    }
}
