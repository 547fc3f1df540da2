package io.tributary.jobs;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TaskAssignorTest
{
    @Test
    void spreadsTasksEvenlyAndTheSameWayEverywhere()
    {
        final List<TaskAssignor.TaskId> tasks = tasks("a", 4);
        final Map<TaskAssignor.TaskId, String> one = TaskAssignor.assign(tasks, Map.of("w1", 8, "w2", 8));
        final List<TaskAssignor.TaskId> reversed = new ArrayList<>(tasks);
        java.util.Collections.reverse(reversed);
        final Map<TaskAssignor.TaskId, String> other = TaskAssignor.assign(reversed,
            new TreeMap<>(Map.of("w2", 8, "w1", 8)));
        assertEquals(one, other);
        assertEquals(Map.of("w1", 2, "w2", 2), loads(one));
    }

    @Test
    void aLeavingWorkersTasksMoveAndNothingElse()
    {
        final List<TaskAssignor.TaskId> tasks = new ArrayList<>(tasks("a", 6));
        tasks.addAll(tasks("b", 3));
        final Map<TaskAssignor.TaskId, String> before = TaskAssignor.assign(tasks, Map.of("w1", 8, "w2", 8, "w3", 8));
        assertEquals(Map.of("w1", 3, "w2", 3, "w3", 3), loads(before));
        final Map<TaskAssignor.TaskId, String> after = TaskAssignor.assign(tasks, Map.of("w1", 8, "w2", 8), before);
        assertEquals(9, after.size());
        assertEquals(Set.of(4, 5), Set.copyOf(loads(after).values()));
        assertEquals(tasksOf(before, "w3"), moved(before, after));
    }

    @Test
    void aJoiningWorkerTakesExactlyItsShareFromTheMostLoaded()
    {
        final List<TaskAssignor.TaskId> tasks = tasks("a", 12);
        final Map<TaskAssignor.TaskId, String> before = TaskAssignor.assign(tasks, Map.of("w1", 16, "w2", 16));
        final Map<TaskAssignor.TaskId, String> after = TaskAssignor.assign(tasks, Map.of("w1", 16, "w2", 16,
            "w3", 16), before);
        assertEquals(Map.of("w1", 4, "w2", 4, "w3", 4), loads(after));
        assertEquals(tasksOf(after, "w3"), moved(before, after));

        // 3, 3, 2 over three workers: a fourth takes one from each of the two with 3, and the one with 2 keeps all.
        final List<TaskAssignor.TaskId> eight = tasks("b", 8);
        final Map<TaskAssignor.TaskId, String> three = TaskAssignor.assign(eight, Map.of("w1", 8, "w2", 8, "w3", 8));
        final Map<TaskAssignor.TaskId, String> four = TaskAssignor.assign(eight, Map.of("w1", 8, "w2", 8, "w3", 8,
            "w4", 8), three);
        assertEquals(Map.of("w1", 2, "w2", 2, "w3", 2, "w4", 2), loads(four));
        assertEquals(2, moved(three, four).size());
        assertEquals(tasksOf(four, "w4"), moved(three, four));
    }

    @Test
    void everyJoinMovesOnlyTheJoinersShareAndEveryLeaveOnlyTheLeaversTasks()
    {
        final List<TaskAssignor.TaskId> tasks = new ArrayList<>(tasks("a", 7));
        tasks.addAll(tasks("b", 10));
        tasks.addAll(tasks("c", 2));
        final java.util.Random random = new java.util.Random(9);
        final TreeMap<String, Integer> workers = new TreeMap<>(Map.of("w0", 32));
        Map<TaskAssignor.TaskId, String> current = TaskAssignor.assign(tasks, workers);
        int next = 1;
        for (int step = 0; step < 200; step++)
        {
            final boolean join = workers.size() == 1 || (workers.size() < 8 && random.nextBoolean());
            final String changed;
            if (join)
            {
                changed = "w" + next++;
                workers.put(changed, 32);
            }
            else
            {
                changed = new ArrayList<>(workers.keySet()).get(random.nextInt(workers.size()));
                workers.remove(changed);
            }
            final Map<TaskAssignor.TaskId, String> after = TaskAssignor.assign(tasks, workers, current);
            assertEquals(tasks.size(), after.size());
            final Map<String, Integer> loads = loads(after);
            final int max = loads.values().stream().max(Integer::compare).orElseThrow();
            final int min = workers.keySet().stream().mapToInt(w -> loads.getOrDefault(w, 0)).min().orElseThrow();
            assertTrue(max - min <= 1, "unbalanced " + loads);
            if (join)
            {
                // Only tasks that the joiner takes move, and it takes no more than balance asks.
                assertEquals(tasksOf(after, changed), moved(current, after), "step " + step);
                assertEquals(tasks.size() / workers.size(), tasksOf(after, changed).size(), "step " + step);
            }
            else
            {
                assertEquals(tasksOf(current, changed), moved(current, after), "step " + step);
            }
            // Every worker computes the same from the same inputs, whatever their order.
            assertEquals(after, TaskAssignor.assign(reversed(tasks), new HashMap<>(workers), new HashMap<>(current)));
            current = after;
        }
    }

    @Test
    void aTaskStaysOnlyWithinItsWorkersSlots()
    {
        final List<TaskAssignor.TaskId> tasks = tasks("a", 4);
        final Map<TaskAssignor.TaskId, String> before = TaskAssignor.assign(tasks, Map.of("w1", 4));
        final Map<TaskAssignor.TaskId, String> after = TaskAssignor.assign(tasks, Map.of("w1", 1, "w2", 2), before);
        assertEquals(Map.of("w1", 1, "w2", 2), loads(after));
        assertEquals("w1", after.get(new TaskAssignor.TaskId("a", 0)));
    }

    @Test
    void slotsBoundWhatAWorkerTakes()
    {
        final Map<TaskAssignor.TaskId, String> assignment = TaskAssignor.assign(tasks("a", 5), Map.of("small", 1,
            "big", 3));
        assertEquals(Map.of("small", 1, "big", 3), loads(assignment));
        assertEquals(4, assignment.size());
        assertTrue(TaskAssignor.assign(tasks("a", 2), Map.of()).isEmpty());
    }

    private static Set<TaskAssignor.TaskId> moved(final Map<TaskAssignor.TaskId, String> before,
        final Map<TaskAssignor.TaskId, String> after)
    {
        final Set<TaskAssignor.TaskId> moved = new TreeSet<>();
        before.forEach((task, worker) ->
        {
            if (!worker.equals(after.get(task)))
            {
                moved.add(task);
            }
        });
        after.keySet().stream().filter(t -> !before.containsKey(t)).forEach(moved::add);
        return moved;
    }

    private static Set<TaskAssignor.TaskId> tasksOf(final Map<TaskAssignor.TaskId, String> assignment,
        final String worker)
    {
        final Set<TaskAssignor.TaskId> tasks = new TreeSet<>();
        assignment.forEach((task, w) ->
        {
            if (w.equals(worker))
            {
                tasks.add(task);
            }
        });
        return tasks;
    }

    private static List<TaskAssignor.TaskId> reversed(final List<TaskAssignor.TaskId> tasks)
    {
        final List<TaskAssignor.TaskId> reversed = new ArrayList<>(tasks);
        java.util.Collections.reverse(reversed);
        return reversed;
    }

    private static List<TaskAssignor.TaskId> tasks(final String job, final int count)
    {
        final List<TaskAssignor.TaskId> tasks = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            tasks.add(new TaskAssignor.TaskId(job, i));
        }
        return tasks;
    }

    private static Map<String, Integer> loads(final Map<TaskAssignor.TaskId, String> assignment)
    {
        final Map<String, Integer> loads = new HashMap<>();
        assignment.values().forEach(w -> loads.merge(w, 1, Integer::sum));
        return loads;
    }
}
