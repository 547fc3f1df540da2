package io.tributary.log.internal.cluster;

import io.tributary.log.TopicPartition;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Server-side partition assignment of a consumer group: sticky, balanced, and moving as few partitions as it can.
 * <ol>
 *   <li>every member keeps what it was assigned, if it still subscribes to the topic and the partition exists;</li>
 *   <li>partitions nobody keeps go, in partition order, to the eligible member holding fewest (then lowest id);</li>
 *   <li>while a member eligible for a partition of another holds two or more fewer, the most loaded member gives
 *       its last such partition to the least loaded one.</li>
 * </ol>
 * When every member subscribes to the same topics, no member ends with more than one partition more than another,
 * and only the partitions needed to reach that move (a joining member takes one from each of the most loaded; a
 * leaving member's partitions go to the least loaded). With different subscriptions the balance holds among the
 * members eligible for each topic.
 * <p>
 * A pure function of its arguments: iteration is over sorted collections only, so every node computes the same.
 */
final class GroupAssignor
{
    private GroupAssignor()
    {
    }

    /**
     * @param subscriptions   member id to the topics it subscribes to.
     * @param partitionCounts partitions of each existing topic; topics absent here are not assigned.
     * @param current         member id to what it was assigned before (members absent here had nothing).
     * @return member id to its new assignment, one entry per member of {@code subscriptions}.
     */
    static TreeMap<String, TreeSet<TopicPartition>> assign(
        final SortedMap<String, ? extends Set<String>> subscriptions,
        final Map<String, Integer> partitionCounts,
        final Map<String, ? extends Set<TopicPartition>> current)
    {
        final TreeMap<String, TreeSet<TopicPartition>> result = new TreeMap<>();
        final TreeSet<TopicPartition> all = new TreeSet<>();
        for (final Map.Entry<String, ? extends Set<String>> member : subscriptions.entrySet())
        {
            result.put(member.getKey(), new TreeSet<>());
            for (final String topic : member.getValue())
            {
                final Integer count = partitionCounts.get(topic);
                for (int p = 0; count != null && p < count; p++)
                {
                    all.add(new TopicPartition(topic, p));
                }
            }
        }

        final TreeSet<TopicPartition> unassigned = new TreeSet<>(all);
        for (final Map.Entry<String, TreeSet<TopicPartition>> member : result.entrySet())
        {
            final Set<TopicPartition> before = current.get(member.getKey());
            if (before == null)
            {
                continue;
            }
            final Set<String> topics = subscriptions.get(member.getKey());
            for (final TopicPartition tp : before)
            {
                if (topics.contains(tp.topic()) && unassigned.remove(tp))
                {
                    member.getValue().add(tp);
                }
            }
        }

        for (final TopicPartition tp : unassigned)
        {
            String best = null;
            for (final Map.Entry<String, TreeSet<TopicPartition>> member : result.entrySet())
            {
                if (subscriptions.get(member.getKey()).contains(tp.topic()) &&
                    (best == null || member.getValue().size() < result.get(best).size()))
                {
                    best = member.getKey();
                }
            }
            result.get(best).add(tp);
        }

        balance(subscriptions, result, all.size());
        return result;
    }

    /**
     * Co-partitioned assignment: partition numbers are assigned as partitions are by {@link #assign} (sticky,
     * balanced), each member subscribing to every topic of the group under one pseudo-topic whose partition count is
     * the largest of them; a member then gets partition p of each topic it subscribes to that has one. A number is
     * kept by a member that held it in any topic before.
     */
    static TreeMap<String, TreeSet<TopicPartition>> assignCoPartitioned(
        final SortedMap<String, ? extends Set<String>> subscriptions,
        final Map<String, Integer> partitionCounts,
        final Map<String, ? extends Set<TopicPartition>> current)
    {
        final String numbers = "";
        int slots = 0;
        for (final Set<String> topics : subscriptions.values())
        {
            for (final String topic : topics)
            {
                slots = Math.max(slots, partitionCounts.getOrDefault(topic, 0));
            }
        }
        final TreeMap<String, Set<String>> oneTopic = new TreeMap<>();
        final TreeMap<String, TreeSet<TopicPartition>> heldNumbers = new TreeMap<>();
        for (final String member : subscriptions.keySet())
        {
            oneTopic.put(member, Set.of(numbers));
            final TreeSet<TopicPartition> held = new TreeSet<>();
            final Set<TopicPartition> before = current.get(member);
            if (before != null)
            {
                for (final TopicPartition tp : before)
                {
                    held.add(new TopicPartition(numbers, tp.partition()));
                }
            }
            heldNumbers.put(member, held);
        }
        final TreeMap<String, TreeSet<TopicPartition>> byNumber =
            assign(oneTopic, Map.of(numbers, slots), heldNumbers);

        final TreeMap<String, TreeSet<TopicPartition>> result = new TreeMap<>();
        for (final Map.Entry<String, TreeSet<TopicPartition>> member : byNumber.entrySet())
        {
            final TreeSet<TopicPartition> partitions = new TreeSet<>();
            for (final TopicPartition number : member.getValue())
            {
                for (final String topic : subscriptions.get(member.getKey()))
                {
                    if (number.partition() < partitionCounts.getOrDefault(topic, 0))
                    {
                        partitions.add(new TopicPartition(topic, number.partition()));
                    }
                }
            }
            result.put(member.getKey(), partitions);
        }
        return result;
    }

    private static void balance(
        final SortedMap<String, ? extends Set<String>> subscriptions,
        final TreeMap<String, TreeSet<TopicPartition>> result,
        final int partitions)
    {
        final Comparator<String> byLoad = Comparator.<String>comparingInt(m -> result.get(m).size())
            .thenComparing(Comparator.naturalOrder());
        // Each move takes a partition from a member holding at least two more, so the sum of squares of the loads
        // strictly falls: the loop ends. The bound is a guard only.
        for (long moves = 0; moves <= (long)partitions * Math.max(1, result.size()); moves++)
        {
            final List<String> ascending = new ArrayList<>(result.keySet());
            ascending.sort(byLoad);
            if (!moveOne(subscriptions, result, ascending))
            {
                return;
            }
        }
    }

    private static boolean moveOne(
        final SortedMap<String, ? extends Set<String>> subscriptions,
        final TreeMap<String, TreeSet<TopicPartition>> result,
        final List<String> ascending)
    {
        for (final String taker : ascending)
        {
            final Set<String> topics = subscriptions.get(taker);
            final int takerLoad = result.get(taker).size();
            for (int i = ascending.size() - 1; i >= 0; i--)
            {
                final String giver = ascending.get(i);
                final TreeSet<TopicPartition> given = result.get(giver);
                if (given.size() < takerLoad + 2)
                {
                    break;
                }
                for (final TopicPartition tp : given.descendingSet())
                {
                    if (topics.contains(tp.topic()))
                    {
                        given.remove(tp);
                        result.get(taker).add(tp);
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
