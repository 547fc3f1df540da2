package io.tributary.pipeline.internal;

import io.tributary.log.Admin;
import io.tributary.log.ErrorCode;
import io.tributary.log.NewTopic;
import io.tributary.log.TopicDescription;
import io.tributary.log.TributaryException;

import java.util.Map;
import java.util.Set;

/**
 * Makes sure the topics a pipeline needs exist before it runs: its source topics must; its repartition topics and
 * compacted changelog topics are created with as many partitions as the widest source, so that partition {@code p}
 * of each belongs to task {@code p}.
 * <p>
 * Stateless; uses the caller's admin client on the caller's thread.
 */
public final class TopicSetup
{
    private TopicSetup()
    {
    }

    /**
     * @return the number of tasks: the partition count of the widest source topic.
     */
    public static int ensure(final Admin admin, final GraphTopology topology)
    {
        final Set<String> sources = topology.sourceTopics();
        final Set<String> existing = admin.listTopics();
        int partitions = 0;
        for (final String topic : sources)
        {
            if (!existing.contains(topic))
            {
                throw new TributaryException(ErrorCode.UNKNOWN_TOPIC, "pipeline " + topology.name()
                    + " reads topic " + topic + ", which does not exist");
            }
        }
        for (final TopicDescription d : admin.describeTopics(sources).values())
        {
            partitions = Math.max(partitions, d.partitions().size());
        }
        for (final String topic : topology.repartitionTopics())
        {
            create(admin, existing, new NewTopic(topic, partitions));
        }
        for (final String topic : topology.changelogTopics().values())
        {
            create(admin, existing, new NewTopic(topic, partitions, Map.of("cleanup.policy", "compact")));
        }
        return partitions;
    }

    private static void create(final Admin admin, final Set<String> existing, final NewTopic topic)
    {
        if (existing.contains(topic.name()))
        {
            return;
        }
        try
        {
            admin.createTopic(topic);
        }
        catch (final TributaryException ex)
        {
            if (ex.errorCode() != ErrorCode.TOPIC_ALREADY_EXISTS)
            {
                throw ex;
            }
        }
    }
}
