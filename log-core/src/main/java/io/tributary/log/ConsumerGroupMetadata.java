package io.tributary.log;

import java.util.Objects;

/**
 * Who commits a group's offsets inside a {@link Transaction}: the group, and for a member of a subscribed group its
 * member id and generation, so that a member that lost its partitions in a rebalance (a zombie) cannot commit them.
 *
 * @param groupId    the group.
 * @param memberId   the member, or empty for a group whose offsets are not fenced by membership.
 * @param generation the member's epoch when the metadata was taken (informational), or -1 when not a member.
 */
public record ConsumerGroupMetadata(String groupId, String memberId, int generation)
{
    public ConsumerGroupMetadata
    {
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(memberId, "memberId");
        if (groupId.isEmpty())
        {
            throw new IllegalArgumentException("groupId must not be empty");
        }
    }

    /**
     * @return metadata for a group used without subscription (partitions assigned by hand): not fenced.
     */
    public static ConsumerGroupMetadata of(final String groupId)
    {
        return new ConsumerGroupMetadata(groupId, "", -1);
    }

    /**
     * @return whether a commit is checked against the member's current assignment: refused for a partition it
     *         no longer holds.
     */
    public boolean fenced()
    {
        return !memberId.isEmpty();
    }
}
