package io.tributary.log;

/**
 * A consumer group the cluster knows: one with live members or committed offsets.
 *
 * @param groupId the group's id.
 * @param members how many members it has now; 0 for a group that only has committed offsets.
 */
public record GroupListing(String groupId, int members)
{
}
