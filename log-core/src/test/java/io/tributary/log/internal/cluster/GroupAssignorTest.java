package io.tributary.log.internal.cluster;

import io.tributary.log.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GroupAssignorTest
{
    private static final Map<String, Integer> TOPICS = Map.of("t", 6, "u", 5);

    @Test
    void coPartitionedMembersGetTheSamePartitionNumbersOfEveryTopicAndKeepThemWhenOneJoins()
    {
        final TreeMap<String, TreeSet<TopicPartition>> before =
            GroupAssignor.assignCoPartitioned(subscriptions(Set.of("t", "u"), "a", "b"), TOPICS, Map.of());
        assertCoversExactly(before, "t", 6);
        assertCoversExactly(before, "u", 5);
        assertCoPartitioned(before);
        final TreeMap<String, TreeSet<TopicPartition>> after =
            GroupAssignor.assignCoPartitioned(subscriptions(Set.of("t", "u"), "a", "b", "c"), TOPICS, before);
        assertCoversExactly(after, "t", 6);
        assertCoversExactly(after, "u", 5);
        assertCoPartitioned(after);
        for (final String member : List.of("a", "b"))
        {
            assertTrue(before.get(member).containsAll(after.get(member)), "a kept member only loses: " + member);
        }
        for (final TreeSet<TopicPartition> parts : after.values())
        {
            final long numbers = parts.stream().mapToInt(TopicPartition::partition).distinct().count();
            assertEquals(2, numbers, "six partition numbers over three members: " + after);
        }
    }

    private static void assertCoPartitioned(final TreeMap<String, TreeSet<TopicPartition>> result)
    {
        for (final TreeSet<TopicPartition> parts : result.values())
        {
            for (final TopicPartition tp : parts)
            {
                if (tp.partition() < TOPICS.get("u"))
                {
                    assertTrue(parts.contains(new TopicPartition("t", tp.partition())) &&
                        parts.contains(new TopicPartition("u", tp.partition())), "together: " + result);
                }
            }
        }
    }

    @Test
    void threeMembersOverSixPartitionsGetTwoEach()
    {
        final TreeMap<String, TreeSet<TopicPartition>> result =
            GroupAssignor.assign(subscriptions(Set.of("t"), "a", "b", "c"), TOPICS, Map.of());
        assertEquals(3, result.size());
        result.values().forEach(parts -> assertEquals(2, parts.size(), result.toString()));
        assertCoversExactly(result, "t", 6);
    }

    @Test
    void aFourthMemberTakesOnlyOnePartitionAndNobodyElseChanges()
    {
        final TreeMap<String, TreeSet<TopicPartition>> before =
            GroupAssignor.assign(subscriptions(Set.of("t"), "a", "b", "c"), TOPICS, Map.of());
        final TreeMap<String, TreeSet<TopicPartition>> after =
            GroupAssignor.assign(subscriptions(Set.of("t"), "a", "b", "c", "d"), TOPICS, before);
        assertBalanced(after);
        assertCoversExactly(after, "t", 6);
        assertEquals(1, moved(before, after), before + " -> " + after);
        for (final String member : before.keySet())
        {
            assertTrue(before.get(member).containsAll(after.get(member)), "a kept member only loses: " + member);
        }
    }

    @Test
    void aLeavingMembersPartitionsGoToTheOthersAndNothingElseMoves()
    {
        final TreeMap<String, TreeSet<TopicPartition>> before =
            GroupAssignor.assign(subscriptions(Set.of("t", "u"), "a", "b", "c", "d"), TOPICS, Map.of());
        final TreeMap<String, TreeSet<TopicPartition>> after =
            GroupAssignor.assign(subscriptions(Set.of("t", "u"), "a", "b", "d"), TOPICS, before);
        assertBalanced(after);
        assertCoversExactly(after, "t", 6);
        assertCoversExactly(after, "u", 5);
        for (final String member : after.keySet())
        {
            assertTrue(after.get(member).containsAll(before.get(member)), "a kept member keeps all: " + member);
        }
    }

    @Test
    void balancedAndMinimalForEveryGroupSizeAndChange()
    {
        for (int partitions = 1; partitions <= 24; partitions++)
        {
            final Map<String, Integer> topics = Map.of("t", partitions);
            TreeMap<String, TreeSet<TopicPartition>> previous = new TreeMap<>();
            final TreeSet<String> members = new TreeSet<>();
            for (int step = 0; step < 12; step++)
            {
                // Grow to 8 members, then shrink, removing from the middle.
                if (step < 8)
                {
                    members.add("m" + step);
                }
                else
                {
                    members.remove("m" + (2 * (step - 8) + 1));
                }
                final TreeMap<String, TreeSet<TopicPartition>> next =
                    GroupAssignor.assign(subscriptions(Set.of("t"), members.toArray(String[]::new)), topics, previous);
                assertBalanced(next);
                assertCoversExactly(next, "t", partitions);
                assertEquals(fewestMoves(previous, members, partitions), moved(previous, next),
                    partitions + " partitions, step " + step + ": " + previous + " -> " + next);
                previous = next;
            }
        }
    }

    @Test
    void sameInputSameOutput()
    {
        final var subs = subscriptions(Set.of("t", "u"), "x", "y", "z");
        assertEquals(GroupAssignor.assign(subs, TOPICS, Map.of()), GroupAssignor.assign(subs, TOPICS, Map.of()));
    }

    @Test
    void membersOnlyGetTopicsTheySubscribeTo()
    {
        final TreeMap<String, Set<String>> subs = new TreeMap<>();
        subs.put("a", Set.of("t"));
        subs.put("b", Set.of("t", "u"));
        subs.put("c", Set.of("missing"));
        final TreeMap<String, TreeSet<TopicPartition>> result = GroupAssignor.assign(subs, TOPICS, Map.of());
        assertTrue(result.get("a").stream().allMatch(tp -> tp.topic().equals("t")));
        assertTrue(result.get("c").isEmpty());
        assertCoversExactly(result, "t", 6);
        assertCoversExactly(result, "u", 5);
        assertTrue(Math.abs(result.get("a").size() - result.get("b").size()) <= 1, result.toString());
    }

    /**
     * The fewest partitions that must change owner to reach balance: those of members gone, plus what kept members
     * hold above their share when the larger shares go to those already holding most.
     */
    private static int fewestMoves(
        final Map<String, TreeSet<TopicPartition>> previous, final Set<String> members, final int partitions)
    {
        int moves = 0;
        final java.util.List<Integer> kept = new java.util.ArrayList<>();
        for (final Map.Entry<String, TreeSet<TopicPartition>> e : previous.entrySet())
        {
            if (members.contains(e.getKey()))
            {
                kept.add(e.getValue().size());
            }
            else
            {
                moves += e.getValue().size();
            }
        }
        while (kept.size() < members.size())
        {
            kept.add(0);
        }
        kept.sort(java.util.Comparator.reverseOrder());
        final int floor = partitions / members.size();
        final int larger = partitions % members.size();
        for (int i = 0; i < kept.size(); i++)
        {
            moves += Math.max(0, kept.get(i) - (i < larger ? floor + 1 : floor));
        }
        return moves;
    }

    private static TreeMap<String, Set<String>> subscriptions(final Set<String> topics, final String... members)
    {
        final TreeMap<String, Set<String>> subs = new TreeMap<>();
        for (final String m : members)
        {
            subs.put(m, topics);
        }
        return subs;
    }

    private static void assertBalanced(final Map<String, TreeSet<TopicPartition>> result)
    {
        final int min = result.values().stream().mapToInt(Set::size).min().orElse(0);
        final int max = result.values().stream().mapToInt(Set::size).max().orElse(0);
        assertTrue(max - min <= 1, "unbalanced: " + result);
    }

    private static void assertCoversExactly(
        final Map<String, TreeSet<TopicPartition>> result, final String topic, final int partitions)
    {
        final Set<TopicPartition> seen = new HashSet<>();
        for (final TreeSet<TopicPartition> parts : result.values())
        {
            for (final TopicPartition tp : parts)
            {
                if (tp.topic().equals(topic))
                {
                    assertTrue(seen.add(tp), "assigned twice: " + tp);
                }
            }
        }
        assertEquals(partitions, seen.size(), result.toString());
    }

    /**
     * @return partitions that had an owner before and have another one after.
     */
    private static int moved(
        final Map<String, TreeSet<TopicPartition>> before, final Map<String, TreeSet<TopicPartition>> after)
    {
        final Map<TopicPartition, String> ownerBefore = new java.util.HashMap<>();
        before.forEach((member, parts) -> parts.forEach(tp -> ownerBefore.put(tp, member)));
        int moved = 0;
        for (final Map.Entry<String, TreeSet<TopicPartition>> e : after.entrySet())
        {
            for (final TopicPartition tp : e.getValue())
            {
                final String owner = ownerBefore.get(tp);
                if (owner != null && !owner.equals(e.getKey()))
                {
                    moved++;
                }
            }
        }
        return moved;
    }
}
