package io.tributary.ops;

import io.tributary.log.Admin;
import io.tributary.log.GroupDescription;
import io.tributary.log.GroupListing;
import io.tributary.log.ResetTo;
import io.tributary.log.TopicPartition;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code tributary group ...}: list consumer groups, show their lag, reset their offsets.
 */
@Command(name = "group", description = "List consumer groups, show their committed offsets and lag, reset offsets.",
    subcommands = { GroupCommand.ListGroups.class, GroupCommand.Describe.class, GroupCommand.Reset.class })
final class GroupCommand extends CommandGroup
{
    @Command(name = "list", description = {
        "Every group with live members or committed offsets, one a line, sorted: GROUP MEMBERS" })
    static final class ListGroups implements Callable<Integer>
    {
        private final CliContext ctx;

        @Mixin
        ClusterOption cluster;

        ListGroups(final CliContext ctx)
        {
            this.ctx = ctx;
        }

        public Integer call()
        {
            try (Admin admin = cluster.admin(ctx))
            {
                for (final GroupListing group : admin.listGroups())
                {
                    ctx.out().println(group.groupId() + " " + group.members());
                }
            }
            return TributaryCli.OK;
        }
    }

    @Command(name = "describe", description = {
        "A group's members and, per partition of its topics, what it committed and how far behind it is:",
        "  group G members N",
        "  topic partition committed end lag member",
        "  T P COMMITTED END LAG MEMBER      (one a partition; '-' for no committed offset or no member)" })
    static final class Describe implements Callable<Integer>
    {
        private final CliContext ctx;

        @Mixin
        ClusterOption cluster;

        @Parameters(index = "0", paramLabel = "G")
        String group;

        Describe(final CliContext ctx)
        {
            this.ctx = ctx;
        }

        public Integer call()
        {
            final GroupDescription description;
            try (Admin admin = cluster.admin(ctx))
            {
                description = admin.describeGroup(group);
            }
            ctx.out().println("group " + description.groupId() + " members " + description.members().size());
            ctx.out().println("topic partition committed end lag member");
            for (final GroupDescription.PartitionLag p : description.partitions())
            {
                ctx.out().println(p.topic() + " " + p.partition() + " " +
                    (p.committed() < 0 ? "-" : Long.toString(p.committed())) + " " + p.endOffset() + " " +
                    (p.lag() < 0 ? "-" : Long.toString(p.lag())) + " " + (p.member() == null ? "-" : p.member()));
            }
            return TributaryCli.OK;
        }
    }

    @Command(name = "reset", aliases = "reset-offsets", description = {
        "Move a group's committed offsets for every partition of a topic. Only while the group has no live member.",
        "Prints the new offsets: T P OFFSET, one a partition." })
    static final class Reset implements Callable<Integer>
    {
        private final CliContext ctx;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        ClusterOption cluster;

        @Parameters(index = "0", paramLabel = "G")
        String group;

        @Option(names = "--topic", paramLabel = "T", required = true)
        String topic;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        /** Where to; exactly one. */
        static final class Target
        {
            @Option(names = "--to-earliest", description = "each partition's first offset")
            boolean earliest;

            @Option(names = "--to-latest", description = "each partition's end: skip everything written so far")
            boolean latest;

            @Option(names = "--to-offset", paramLabel = "N",
                description = "offset N in every partition; it must be within each partition's range")
            Long offset;

            @Option(names = "--to-time", paramLabel = "ISO-8601",
                description = "each partition's first record at or after this time (its end when there is none), " +
                    "e.g. 2024-05-01T12:00:00Z")
            String time;
        }

        Reset(final CliContext ctx)
        {
            this.ctx = ctx;
        }

        public Integer call()
        {
            final ResetTo to;
            if (target.earliest)
            {
                to = ResetTo.earliest();
            }
            else if (target.latest)
            {
                to = ResetTo.latest();
            }
            else if (target.offset != null)
            {
                if (target.offset < 0)
                {
                    throw new CommandLine.ParameterException(spec.commandLine(),
                        "--to-offset must be >= 0: " + target.offset);
                }
                to = ResetTo.offset(target.offset);
            }
            else
            {
                to = ResetTo.time(parseTime(spec, "--to-time", target.time));
            }
            final Map<TopicPartition, Long> offsets;
            try (Admin admin = cluster.admin(ctx))
            {
                offsets = admin.resetOffsets(group, topic, to);
            }
            for (final Map.Entry<TopicPartition, Long> e : offsets.entrySet())
            {
                ctx.out().println(e.getKey().topic() + " " + e.getKey().partition() + " " + e.getValue());
            }
            return TributaryCli.OK;
        }
    }

    /**
     * @return epoch ms of an ISO-8601 time with a zone.
     */
    static long parseTime(final CommandLine.Model.CommandSpec spec, final String option, final String text)
    {
        try
        {
            return Instant.parse(text).toEpochMilli();
        }
        catch (final DateTimeParseException notAnInstant)
        {
            try
            {
                return OffsetDateTime.parse(text).toInstant().toEpochMilli();
            }
            catch (final DateTimeParseException ex)
            {
                throw new CommandLine.ParameterException(spec.commandLine(), option + " '" + text +
                    "' is not an ISO-8601 time with a zone, e.g. 2024-05-01T12:00:00Z or 2024-05-01T14:00:00+02:00");
            }
        }
    }
}
