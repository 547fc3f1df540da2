package io.tributary.ops;

import io.tributary.log.Acl;
import io.tributary.log.Admin;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code tributary acl ...}: access rules (super users only). A rule allows a principal an operation on the topics,
 * consumer groups or jobs named, or starting with a prefix; what no rule allows is denied.
 */
@Command(name = "acl", description = "Add, list and remove access rules (super users only).", subcommands = {
    AclCommand.Add.class,
    AclCommand.ListAcls.class,
    AclCommand.Remove.class
})
final class AclCommand extends CommandGroup
{
    /** What an add or remove names: the principal, one resource, and operations. */
    static final class RuleOptions
    {
        @Option(names = "--principal", paramLabel = "USER", required = true,
            description = "the user (or token) name; * for every authenticated user")
        String principal;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Resource resource;

        @Option(names = "--operation", paramLabel = "OP", required = true, split = ",",
            description = "read, write, create, delete, alter (topics), read (groups), deploy, stop (jobs: " +
                "pipelines and connectors), or all; repeat or separate with commas")
        List<String> operations = new ArrayList<>();

        List<Acl> acls(final CommandLine.Model.CommandSpec spec)
        {
            final List<Acl> acls = new ArrayList<>();
            for (final String operation : operations)
            {
                final Acl.Operation op;
                try
                {
                    op = Acl.Operation.parse(operation);
                }
                catch (final IllegalArgumentException ex)
                {
                    throw new CommandLine.ParameterException(spec.commandLine(), "unknown operation '" + operation +
                        "': use read, write, create, delete, alter, deploy, stop or all");
                }
                acls.add(resource.acl(principal, op));
            }
            return acls;
        }
    }

    static final class Resource
    {
        @Option(names = "--topic", paramLabel = "T", description = "a topic by name; * for every topic")
        String topic;

        @Option(names = "--topic-prefix", paramLabel = "X", description = "every topic whose name starts with X")
        String topicPrefix;

        @Option(names = "--group", paramLabel = "G", description = "a consumer group by name; * for every group")
        String group;

        @Option(names = "--group-prefix", paramLabel = "X", description = "every group whose id starts with X")
        String groupPrefix;

        @Option(names = "--job", paramLabel = "J",
            description = "a job (a pipeline or connector deployed to the cluster) by name; * for every job")
        String job;

        @Option(names = "--job-prefix", paramLabel = "X", description = "every job whose name starts with X")
        String jobPrefix;

        Acl acl(final String principal, final Acl.Operation operation)
        {
            if (topic != null)
            {
                return new Acl(principal, Acl.ResourceType.TOPIC, Acl.PatternType.LITERAL, topic, operation);
            }
            if (topicPrefix != null)
            {
                return new Acl(principal, Acl.ResourceType.TOPIC, Acl.PatternType.PREFIXED, topicPrefix, operation);
            }
            if (group != null)
            {
                return new Acl(principal, Acl.ResourceType.GROUP, Acl.PatternType.LITERAL, group, operation);
            }
            if (groupPrefix != null)
            {
                return new Acl(principal, Acl.ResourceType.GROUP, Acl.PatternType.PREFIXED, groupPrefix, operation);
            }
            if (job != null)
            {
                return Acl.job(principal, job, operation);
            }
            return Acl.jobPrefix(principal, jobPrefix, operation);
        }
    }

    /** What add and remove share: the options naming rules, and applying each rule in turn. */
    abstract static class AlterRules implements Callable<Integer>
    {
        private final CliContext ctx;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        ClusterOption cluster;

        @ArgGroup(exclusive = false, multiplicity = "1")
        RuleOptions rule;

        AlterRules(final CliContext ctx)
        {
            this.ctx = ctx;
        }

        public Integer call()
        {
            final List<Acl> acls = rule.acls(spec);
            try (Admin admin = cluster.admin(ctx))
            {
                for (final Acl acl : acls)
                {
                    ctx.out().println(apply(admin, acl) + " " + acl);
                }
            }
            return TributaryCli.OK;
        }

        /**
         * @return what was done, for the line printed.
         */
        abstract String apply(Admin admin, Acl acl);
    }

    @Command(name = "add", description = "Allow a principal operations on a topic, group or job, by name or prefix.")
    static final class Add extends AlterRules
    {
        Add(final CliContext ctx)
        {
            super(ctx);
        }

        String apply(final Admin admin, final Acl acl)
        {
            admin.createAcl(acl);
            return "added";
        }
    }

    @Command(name = "remove", description = "Remove rules added with the same options.")
    static final class Remove extends AlterRules
    {
        Remove(final CliContext ctx)
        {
            super(ctx);
        }

        String apply(final Admin admin, final Acl acl)
        {
            admin.deleteAcl(acl);
            return "removed";
        }
    }

    @Command(name = "list", description = "Every rule, or one principal's, one a line.")
    static final class ListAcls implements Callable<Integer>
    {
        private final CliContext ctx;

        @Mixin
        ClusterOption cluster;

        @Option(names = "--principal", paramLabel = "USER", description = "only this principal's rules")
        String principal;

        ListAcls(final CliContext ctx)
        {
            this.ctx = ctx;
        }

        public Integer call()
        {
            try (Admin admin = cluster.admin(ctx))
            {
                for (final Acl acl : admin.listAcls(principal))
                {
                    ctx.out().println(acl);
                }
            }
            return TributaryCli.OK;
        }
    }
}
