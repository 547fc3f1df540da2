package io.tributary.ops;

import io.tributary.log.Admin;
import io.tributary.log.NewTopic;
import io.tributary.log.PartitionInfo;
import io.tributary.log.TopicDescription;
import io.tributary.log.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code tributary topic ...}: create, list, describe and delete topics.
 */
@Command(name = "topic", description = "Create, list, describe, alter and delete topics.", subcommands = {
    TopicCommand.Create.class,
    TopicCommand.ListTopics.class,
    TopicCommand.Describe.class,
    TopicCommand.Alter.class,
    TopicCommand.Delete.class
})
final class TopicCommand extends CommandGroup
{
    @Command(name = "create", description = "Create a topic.")
    static final class Create implements Callable<Integer>
    {
        private final CliContext ctx;

        @Mixin
        ClusterOption cluster;

        @Parameters(index = "0", paramLabel = "NAME", description = "1 to 249 of a-z A-Z 0-9 . _ -")
        String name;

        @Option(names = "--partitions", paramLabel = "N", required = true, description = "partition count")
        int partitions;

        @Option(names = "--config", paramLabel = "KEY=VALUE",
            description = "a topic config by Kafka's name (retention.ms, cleanup.policy, segment.bytes, " +
                "max.message.bytes, ...); repeat for more; unknown keys are refused")
        Map<String, String> configs = new LinkedHashMap<>();

        Create(final CliContext ctx)
        {
            this.ctx = ctx;
        }

        public Integer call()
        {
            try (Admin admin = cluster.admin(ctx))
            {
                admin.createTopic(new NewTopic(name, partitions, configs));
            }
            ctx.out().println("created topic " + name + " with " + partitions + " partition" +
                (partitions == 1 ? "" : "s"));
            return TributaryCli.OK;
        }
    }

    @Command(name = "alter", description = {
        "Change configs of a running topic; the others keep their values.",
        "Retention applies from the cluster's next check, segment settings from the next roll." })
    static final class Alter implements Callable<Integer>
    {
        private final CliContext ctx;

        @Mixin
        ClusterOption cluster;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--config", paramLabel = "KEY=VALUE", required = true,
            description = "a topic config by Kafka's name; repeat for more; unknown keys are refused")
        Map<String, String> configs = new LinkedHashMap<>();

        Alter(final CliContext ctx)
        {
            this.ctx = ctx;
        }

        public Integer call()
        {
            try (Admin admin = cluster.admin(ctx))
            {
                admin.alterTopicConfigs(name, configs);
            }
            ctx.out().println("altered topic " + name + ": " + configs.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).collect(java.util.stream.Collectors.joining(" ")));
            return TributaryCli.OK;
        }
    }

    @Command(name = "list", description = "Every topic name, one a line, sorted.")
    static final class ListTopics implements Callable<Integer>
    {
        private final CliContext ctx;

        @Mixin
        ClusterOption cluster;

        ListTopics(final CliContext ctx)
        {
            this.ctx = ctx;
        }

        public Integer call()
        {
            try (Admin admin = cluster.admin(ctx))
            {
                for (final String name : admin.listTopics())
                {
                    ctx.out().println(name);
                }
            }
            return TributaryCli.OK;
        }
    }

    /**
     * Prints, one fact a line, each line starting with its keyword:
     * <pre>
     * topic NAME
     * id TOPIC_ID
     * partitions COUNT
     * partition P start START_OFFSET end END_OFFSET     (one per partition, in order)
     * config KEY=VALUE                                  (every config, defaults included, sorted by key)
     * </pre>
     */
    @Command(name = "describe", description = {
        "A topic's partitions with their start and end offsets, and its configs, one fact a line:",
        "  topic NAME",
        "  id TOPIC_ID",
        "  partitions COUNT",
        "  partition P start START_OFFSET end END_OFFSET   (one a partition, in order)",
        "    ... archived-start OFFSET                     (with remote.storage.enable=true: the first offset served,",
        "                                                   from the answering node's archive)",
        "  config KEY=VALUE                                (every config, defaults included, sorted by key)" })
    static final class Describe implements Callable<Integer>
    {
        private final CliContext ctx;

        @Mixin
        ClusterOption cluster;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        Describe(final CliContext ctx)
        {
            this.ctx = ctx;
        }

        public Integer call()
        {
            final TopicDescription description;
            Map<TopicPartition, Long> earliest = Map.of();
            try (Admin admin = cluster.admin(ctx))
            {
                description = admin.describeTopic(name);
                if ("true".equals(description.configs().get("remote.storage.enable")))
                {
                    // The first offset a node serves, from its archive: per node, as the archive is.
                    earliest = admin.startOffsets(description.partitions().stream()
                        .map(p -> new TopicPartition(name, p.partition())).toList());
                }
            }
            ctx.out().println("topic " + description.name());
            ctx.out().println("id " + description.topicId());
            ctx.out().println("partitions " + description.partitions().size());
            for (final PartitionInfo partition : description.partitions())
            {
                final Long archived = earliest.get(new TopicPartition(name, partition.partition()));
                ctx.out().println("partition " + partition.partition() + " start " + partition.startOffset() +
                    " end " + partition.endOffset() + (null == archived ? "" : " archived-start " + archived));
            }
            for (final Map.Entry<String, String> config : new TreeMap<>(description.configs()).entrySet())
            {
                ctx.out().println("config " + config.getKey() + "=" + config.getValue());
            }
            return TributaryCli.OK;
        }
    }

    @Command(name = "delete", description = "Delete a topic and its records.")
    static final class Delete implements Callable<Integer>
    {
        private final CliContext ctx;

        @Mixin
        ClusterOption cluster;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        Delete(final CliContext ctx)
        {
            this.ctx = ctx;
        }

        public Integer call()
        {
            try (Admin admin = cluster.admin(ctx))
            {
                admin.deleteTopic(name);
            }
            ctx.out().println("deleted topic " + name);
            return TributaryCli.OK;
        }
    }
}
