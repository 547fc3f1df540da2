package io.tributary.log;

/**
 * What a node says of itself.
 *
 * @param nodeId           the node.
 * @param role             its role, or {@link Role#DOWN} when it did not answer.
 * @param appliedPosition  the cluster log position it has applied, or -1 when down.
 * @param corruptBatches   batches it found failing their checksum since it started (refused, never served).
 * @param repairedSegments segments it repaired from a peer's copy since it started.
 */
public record NodeStatus(int nodeId, Role role, long appliedPosition, long corruptBatches, long repairedSegments)
{
    public NodeStatus(final int nodeId, final Role role, final long appliedPosition)
    {
        this(nodeId, role, appliedPosition, 0, 0);
    }

    public enum Role
    {
        LEADER, FOLLOWER, CANDIDATE, DOWN
    }
}
