package io.tributary.log.internal.security;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A node's security settings. Authorization decides what the replicated log does, so {@code enabled} and
 * {@code superUsers} must be the same on every node, as the members list must.
 *
 * @param enabled     clients must authenticate (SCRAM-SHA-256) and requests are checked against ACLs.
 * @param superUsers  principals allowed everything, user and ACL administration included (Kafka's super.users).
 * @param staticUsers credentials known to this node without being in the replicated state: the bootstrap admin,
 *                    read from a file only its owner can read or from the environment; they win over a replicated
 *                    user of the same name.
 * @param nodeCredentials what this node authenticates to its peers' fetch servers with, to copy their segments (a
 *                        super user's: the bootstrap admin's); null for none.
 */
public record SecurityConfig(
    boolean enabled, Set<String> superUsers, Map<String, ScramCredential> staticUsers,
    io.tributary.log.Credentials nodeCredentials)
{
    public static final SecurityConfig DISABLED = new SecurityConfig(false, Set.of(), Map.of());

    public SecurityConfig(final boolean enabled, final Set<String> superUsers,
        final Map<String, ScramCredential> staticUsers)
    {
        this(enabled, superUsers, staticUsers, null);
    }

    public SecurityConfig
    {
        superUsers = Set.copyOf(new TreeSet<>(superUsers));
        staticUsers = Map.copyOf(new TreeMap<>(staticUsers));
        for (final String name : staticUsers.keySet())
        {
            if (!Scram.isValidUserName(name))
            {
                throw new IllegalArgumentException("invalid user name '" + name + "'");
            }
        }
        if (enabled && superUsers.isEmpty())
        {
            throw new IllegalArgumentException("authentication is on but no super user is named: nobody could " +
                "create users or ACLs (name one with --super-users)");
        }
    }
}
