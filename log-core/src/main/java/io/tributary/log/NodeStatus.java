package io.tributary.log;

/**
 * What a node says of itself.
 *
 * @param nodeId           the node.
 * @param role             its role, or {@link Role#DOWN} when it did not answer.
 * @param appliedPosition  the cluster log position it has applied, or -1 when down.
 */
public record NodeStatus(int nodeId, Role role, long appliedPosition)
{
    public enum Role
    {
        LEADER, FOLLOWER, CANDIDATE, DOWN
    }
}
