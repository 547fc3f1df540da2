package io.tributary.kafka;

import io.tributary.log.internal.codecs.AclOperation;
import io.tributary.log.internal.codecs.AclResourceType;
import io.tributary.log.internal.security.JobResources;
import io.tributary.log.internal.security.SecurityView;

/**
 * The ACL checks the gateway makes for its Kafka clients, with the principal each connection authenticated as, before
 * it forwards a request: the gateway's own cluster session is a super user's, so the cluster would allow anything it
 * sends. The rules are the node's ({@link SecurityView#allowed}, super users included), so a Kafka client is allowed
 * exactly what the same user is allowed with Tributary's clients, with one difference: the job topics
 * ({@link JobResources}) take writes from super users only, because the cluster's per-job checks of their records
 * see the gateway's session, not the client's.
 * <p>
 * Without a view, or with security off, everything is allowed. Each refusal is counted in the node's authorization
 * failures.
 * <p>
 * Threading: any thread (the view is read without locks).
 */
final class GatewayAuthorizer
{
    static final GatewayAuthorizer OPEN = new GatewayAuthorizer(null);

    private final SecurityView view;

    GatewayAuthorizer(final SecurityView view)
    {
        this.view = view;
    }

    /**
     * @return true when Kafka clients must authenticate and requests are checked.
     */
    boolean enabled()
    {
        return view != null && view.enabled();
    }

    boolean mayWriteTopic(final String principal, final String topic)
    {
        if (!enabled())
        {
            return true;
        }
        return counted(JobResources.writeOperation(topic) != null ? view.superUser(principal) :
            view.allowed(principal, AclOperation.WRITE, AclResourceType.TOPIC, topic));
    }

    boolean mayReadTopic(final String principal, final String topic)
    {
        return may(principal, AclOperation.READ, AclResourceType.TOPIC, topic);
    }

    boolean mayReadGroup(final String principal, final String group)
    {
        return may(principal, AclOperation.READ, AclResourceType.GROUP, group);
    }

    boolean may(final String principal, final AclOperation operation, final AclResourceType type, final String name)
    {
        return !enabled() || counted(view.allowed(principal, operation, type, name));
    }

    private boolean counted(final boolean allowed)
    {
        if (!allowed)
        {
            view.authorizationFailed();
        }
        return allowed;
    }
}
