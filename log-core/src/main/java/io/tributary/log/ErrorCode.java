package io.tributary.log;

/**
 * Why the cluster or the client refused or failed a request.
 */
public enum ErrorCode
{
    UNKNOWN_TOPIC(false),
    PARTITION_OUT_OF_RANGE(false),
    INVALID_TOPIC(false),
    TOPIC_ALREADY_EXISTS(false),
    RECORD_TOO_LARGE(false),
    CORRUPT_BATCH(false),
    INVALID_REQUEST(false),
    OFFSET_OUT_OF_RANGE(false),
    INVALID_CONFIG(false),
    INVALID_PARTITIONS(false),
    /** An idempotent producer's batch arrived ahead of an earlier one; the producer sends them again in order. */
    OUT_OF_ORDER_SEQUENCE(true),
    /** The group has no such member: its session expired or it left. It must rejoin; what it held is lost. */
    UNKNOWN_MEMBER(false),
    /** The member no longer holds the partition (it was reassigned): its commit is refused. */
    FENCED_MEMBER(false),
    /** The request needs a group with no live member. */
    GROUP_NOT_EMPTY(false),
    /** No group of that id has members or committed offsets. */
    UNKNOWN_GROUP(false),
    /** The principal may not do this to the topic: no ACL allows it. */
    TOPIC_AUTHORIZATION_FAILED(false),
    /** The principal may not read the consumer group: no ACL allows it. */
    GROUP_AUTHORIZATION_FAILED(false),
    /** The principal may not deploy or stop the job: no ACL allows it. */
    JOB_AUTHORIZATION_FAILED(false),
    /** Only super users may do this (user and ACL administration). */
    CLUSTER_AUTHORIZATION_FAILED(false),
    /** The client did not authenticate, or its user name or password is wrong. */
    AUTHENTICATION_FAILED(false),
    /** The cluster could not be reached, or did not answer in time; the request may or may not have been applied. */
    TIMEOUT(true),
    /** The connection to the cluster was lost with the request in flight; it may or may not have been applied. */
    DISCONNECTED(true),
    /** The client was closed before the request completed. */
    CLOSED(false),
    UNKNOWN_ERROR(false);

    private final boolean retriable;

    ErrorCode(final boolean retriable)
    {
        this.retriable = retriable;
    }

    /**
     * @return true when sending the same request again may succeed.
     */
    public boolean isRetriable()
    {
        return retriable;
    }
}
