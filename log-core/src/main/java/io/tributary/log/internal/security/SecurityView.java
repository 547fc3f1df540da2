package io.tributary.log.internal.security;

import io.tributary.log.internal.codecs.AclOperation;
import io.tributary.log.internal.codecs.AclResourceType;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The users and ACLs of the replicated state as the parts of a node outside the clustered service see them: the
 * consensus module's authenticator and the fetch server. The service thread publishes an immutable {@link Tables}
 * after each change; readers take the latest with one volatile read.
 * <p>
 * Threading: publish from the service thread; read from any thread.
 */
public final class SecurityView
{
    /**
     * @param users credentials by user name, static ones included.
     * @param acls  every rule.
     */
    public record Tables(Map<String, ScramCredential> users, List<AclEntry> acls)
    {
    }

    private final SecurityConfig config;
    private volatile Tables tables;
    private volatile boolean loaded;
    private final AtomicLong authenticationFailures = new AtomicLong();
    private final AtomicLong authorizationFailures = new AtomicLong();

    public SecurityView(final SecurityConfig config)
    {
        this.config = config;
        this.tables = new Tables(config.staticUsers(), List.of());
    }

    public SecurityConfig config()
    {
        return config;
    }

    public boolean enabled()
    {
        return config.enabled();
    }

    /**
     * The service has restored users and ACLs from its snapshot: until then a node knows only its static users, and
     * must not turn a client away for a user it has not loaded yet.
     */
    public void markLoaded()
    {
        loaded = true;
    }

    public boolean loaded()
    {
        return loaded;
    }

    void publish(final Map<String, ScramCredential> replicatedUsers, final List<AclEntry> acls)
    {
        final java.util.HashMap<String, ScramCredential> users = new java.util.HashMap<>(replicatedUsers);
        users.putAll(config.staticUsers());
        tables = new Tables(Map.copyOf(users), List.copyOf(acls));
    }

    /**
     * @return the current tables; a different object after every change.
     */
    public Tables tables()
    {
        return tables;
    }

    /**
     * @return the credential of a user, or null.
     */
    public ScramCredential user(final String name)
    {
        return tables.users().get(name);
    }

    /**
     * @return true when the principal may do the operation on the resource: security off, a super user, or an ACL
     *         allows it.
     */
    public boolean allowed(final String principal, final AclOperation operation, final AclResourceType type,
        final String name)
    {
        if (superUser(principal))
        {
            return true;
        }
        for (final AclEntry acl : tables.acls())
        {
            if (acl.matches(principal, operation, type, name))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * @return why a request was refused, in the words every entry point uses (the cluster, the fetch server, the
     *         Kafka gateway).
     */
    public static String denial(
        final String principal, final AclOperation operation, final AclResourceType type, final String name)
    {
        return "principal '" + principal + "' may not " + operation.name().toLowerCase(Locale.ROOT) + " " +
            type.name().toLowerCase(Locale.ROOT) + " '" + name + "'";
    }

    /**
     * @return true when the principal is allowed everything: security off, or one of the super users.
     */
    public boolean superUser(final String principal)
    {
        return !config.enabled() || config.superUsers().contains(principal);
    }

    public void authenticationFailed()
    {
        authenticationFailures.incrementAndGet();
    }

    public long authenticationFailures()
    {
        return authenticationFailures.get();
    }

    public void authorizationFailed()
    {
        authorizationFailures.incrementAndGet();
    }

    /**
     * @return requests this node refused because an ACL did not allow them (the cluster service's and the fetch
     *         server's), since it started.
     */
    public long authorizationFailures()
    {
        return authorizationFailures.get();
    }
}
