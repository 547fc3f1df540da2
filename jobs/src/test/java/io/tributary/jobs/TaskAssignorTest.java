package io.tributary.jobs;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
    void aLeavingWorkersTasksMoveAndFewOthers()
    {
        final List<TaskAssignor.TaskId> tasks = new ArrayList<>(tasks("a", 6));
        tasks.addAll(tasks("b", 3));
        final Map<TaskAssignor.TaskId, String> before = TaskAssignor.assign(tasks, Map.of("w1", 8, "w2", 8, "w3", 8));
        final Map<TaskAssignor.TaskId, String> after = TaskAssignor.assign(tasks, Map.of("w1", 8, "w2", 8));
        assertEquals(9, after.size());
        assertEquals(Map.of("w1", 5, "w2", 4), loads(after).get("w1") == 5 ? loads(after) : Map.of("w1", 4, "w2", 5));
        // The new shares (5 and 4 instead of 3 each) may displace a task of a staying worker; most stay put.
        final long movedOthers = tasks.stream().filter(t -> !before.get(t).equals("w3") &&
            !before.get(t).equals(after.get(t))).count();
        assertTrue(movedOthers <= 2, "moved " + movedOthers + " tasks of staying workers");
    }

    @Test
    void aJoiningWorkerTakesItsShareAndLittleElseMoves()
    {
        final List<TaskAssignor.TaskId> tasks = tasks("a", 12);
        final Map<TaskAssignor.TaskId, String> before = TaskAssignor.assign(tasks, Map.of("w1", 16, "w2", 16));
        final Map<TaskAssignor.TaskId, String> after = TaskAssignor.assign(tasks, Map.of("w1", 16, "w2", 16,
            "w3", 16));
        assertEquals(Map.of("w1", 4, "w2", 4, "w3", 4), loads(after));
        final long moved = tasks.stream().filter(t -> !before.get(t).equals(after.get(t))).count();
        // 4 must move to the new worker; balancing between the old two may move a few more, never most.
        assertTrue(moved >= 4 && moved <= 6, "moved " + moved);
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
