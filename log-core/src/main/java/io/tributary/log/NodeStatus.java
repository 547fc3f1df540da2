package io.tributary.log;

/**
 * What a node says of itself.
 *
 * @param nodeId           the node.
 * @param role             its role, or {@link Role#DOWN} when it did not answer.
 * @param appliedPosition  the cluster log position it has applied, or -1 when down.
 * @param corruptBatches   batches it found failing their checksum since it started (refused, never served).
 * @param repairedSegments segments it repaired from a peer's copy since it started.
 * @param authenticationFailures cluster connects and fetch sessions it refused for bad or missing credentials since
 *                               it started.
 * @param authorizationFailures  requests it refused because no ACL allowed them, since it started (the leader
 *                               counts the cluster's refusals; every node counts its fetch server's).
 */
public record NodeStatus(int nodeId, Role role, long appliedPosition, long corruptBatches, long repairedSegments,
    long authenticationFailures, long authorizationFailures)
{
    public NodeStatus(final int nodeId, final Role role, final long appliedPosition)
    {
        this(nodeId, role, appliedPosition, 0, 0, 0, 0);
    }

    public NodeStatus(final int nodeId, final Role role, final long appliedPosition, final long corruptBatches,
        final long repairedSegments)
    {
        this(nodeId, role, appliedPosition, corruptBatches, repairedSegments, 0, 0);
    }

    public enum Role
    {
        LEADER, FOLLOWER, CANDIDATE, DOWN
    }
}
