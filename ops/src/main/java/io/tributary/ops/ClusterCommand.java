package io.tributary.ops;

import io.tributary.log.Admin;
import io.tributary.log.NodeStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/**
 * {@code tributary cluster ...}: the cluster's state.
 */
@Command(name = "cluster", description = "Inspect the cluster.", subcommands = ClusterCommand.Status.class)
final class ClusterCommand extends CommandGroup
{
    /**
     * One line per member, in members-list order: {@code <id> <LEADER|FOLLOWER|DOWN>}. A candidate (mid-election)
     * is reported as FOLLOWER; a node that does not answer within 1 s as DOWN. Exits 0 whatever the roles.
     */
    @Command(name = "status", description = {
        "One line per node: <id> <LEADER|FOLLOWER|DOWN>.",
        "A node in an election shows as FOLLOWER; one that does not answer within 1 s as DOWN." })
    static final class Status implements Callable<Integer>
    {
        private final CliContext ctx;

        @Mixin
        ClusterOption cluster;

        Status(final CliContext ctx)
        {
            this.ctx = ctx;
        }

        public Integer call()
        {
            try (Admin admin = Admin.create(cluster.cluster()))
            {
                for (final NodeStatus status : admin.clusterStatus())
                {
                    final String role = switch (status.role())
                    {
                        case LEADER -> "LEADER";
                        case FOLLOWER, CANDIDATE -> "FOLLOWER";
                        case DOWN -> "DOWN";
                    };
                    ctx.out().println(status.nodeId() + " " + role);
                }
            }
            return TributaryCli.OK;
        }
    }
}
