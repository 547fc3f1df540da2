package io.tributary.log.internal.security;

import io.tributary.log.internal.codecs.AclOperation;
import io.tributary.log.internal.codecs.AclResourceType;
import io.tributary.log.internal.codecs.AclSnapshotDecoder;
import io.tributary.log.internal.codecs.AclSnapshotEncoder;
import io.tributary.log.internal.codecs.MessageHeaderDecoder;
import io.tributary.log.internal.codecs.MessageHeaderEncoder;
import io.tributary.log.internal.codecs.UserSnapshotDecoder;
import io.tributary.log.internal.codecs.UserSnapshotEncoder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntConsumer;

/**
 * Users and ACLs as part of the replicated state: changed only by log entries, written into and read from the
 * snapshot ({@code UserSnapshot}, {@code AclSnapshot}), published to the rest of the node through
 * {@link SecurityView} after every change. Also answers the service's authorization questions, with a cache of the
 * produce path's question (may this principal write to this topic?) cleared at every change.
 * <p>
 * Threading: the service thread only.
 */
public final class SecurityState
{
    private static final int MAX_CACHED = 10_000;

    private final SecurityView view;
    private final TreeMap<String, ScramCredential> users = new TreeMap<>();
    private final TreeSet<AclEntry> acls = new TreeSet<>();
    private final HashMap<String, HashMap<String, Boolean>> writeCache = new HashMap<>();
    private int cached;
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final UserSnapshotDecoder userDecoder = new UserSnapshotDecoder();
    private final AclSnapshotDecoder aclDecoder = new AclSnapshotDecoder();

    public SecurityState(final SecurityView view)
    {
        this.view = view;
    }

    public SecurityView view()
    {
        return view;
    }

    public boolean enabled()
    {
        return view.enabled();
    }

    public boolean isSuperUser(final String principal)
    {
        return !view.enabled() || view.config().superUsers().contains(principal);
    }

    /**
     * @return true when allowed; a denial is counted.
     */
    public boolean authorize(
        final String principal, final AclOperation operation, final AclResourceType type, final String name)
    {
        final boolean allowed;
        if (!view.enabled())
        {
            return true;
        }
        if (operation == AclOperation.WRITE && type == AclResourceType.TOPIC)
        {
            final HashMap<String, Boolean> topics = writeCache.computeIfAbsent(principal, p -> new HashMap<>());
            final Boolean known = topics.get(name);
            if (known != null)
            {
                allowed = known;
            }
            else
            {
                allowed = view.allowed(principal, operation, type, name);
                if (++cached > MAX_CACHED)
                {
                    clearCache();
                }
                writeCache.computeIfAbsent(principal, p -> new HashMap<>()).put(name, allowed);
            }
        }
        else
        {
            allowed = view.allowed(principal, operation, type, name);
        }
        if (!allowed)
        {
            view.authorizationFailed();
        }
        return allowed;
    }

    public void upsertUser(final String name, final ScramCredential credential)
    {
        users.put(name, credential);
        changed();
    }

    /**
     * @return false when there is no such user.
     */
    public boolean deleteUser(final String name)
    {
        final boolean removed = users.remove(name) != null;
        changed();
        return removed;
    }

    public SortedMap<String, ScramCredential> users()
    {
        return java.util.Collections.unmodifiableSortedMap(users);
    }

    /**
     * @return false when the rule was there already.
     */
    public boolean addAcl(final AclEntry acl)
    {
        final boolean added = acls.add(acl);
        changed();
        return added;
    }

    /**
     * @return false when there was no such rule.
     */
    public boolean removeAcl(final AclEntry acl)
    {
        final boolean removed = acls.remove(acl);
        changed();
        return removed;
    }

    public NavigableSet<AclEntry> acls()
    {
        return java.util.Collections.unmodifiableNavigableSet(acls);
    }

    private void changed()
    {
        clearCache();
        view.publish(users, new ArrayList<>(acls));
    }

    private void clearCache()
    {
        writeCache.clear();
        cached = 0;
    }

    /**
     * Write every user and ACL into the snapshot.
     *
     * @param buffer scratch to encode into.
     * @param offer  offers {@code buffer}'s first n bytes to the snapshot publication.
     */
    public void writeSnapshot(final ExpandableArrayBuffer buffer, final IntConsumer offer)
    {
        final UserSnapshotEncoder userEncoder = new UserSnapshotEncoder();
        for (final Map.Entry<String, ScramCredential> e : users.entrySet())
        {
            final ScramCredential c = e.getValue();
            final byte[] salt = c.salt();
            final byte[] storedKey = c.storedKey();
            final byte[] serverKey = c.serverKey();
            userEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
                .iterations(c.iterations())
                .name(e.getKey())
                .putSalt(salt, 0, salt.length)
                .putStoredKey(storedKey, 0, storedKey.length)
                .putServerKey(serverKey, 0, serverKey.length);
            offer.accept(MessageHeaderEncoder.ENCODED_LENGTH + userEncoder.encodedLength());
        }
        final AclSnapshotEncoder aclEncoder = new AclSnapshotEncoder();
        for (final AclEntry acl : acls)
        {
            aclEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
                .resourceType(acl.resourceType())
                .patternType(acl.patternType())
                .operation(acl.operation())
                .principal(acl.principal())
                .resource(acl.resource());
            offer.accept(MessageHeaderEncoder.ENCODED_LENGTH + aclEncoder.encodedLength());
        }
    }

    /**
     * @return true when the snapshot message was a user or an ACL.
     */
    public boolean onSnapshotFragment(final int templateId, final DirectBuffer buffer, final int offset)
    {
        switch (templateId)
        {
            case UserSnapshotDecoder.TEMPLATE_ID ->
            {
                userDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                final int iterations = userDecoder.iterations();
                final String name = userDecoder.name();
                final byte[] salt = bytes(userDecoder.saltLength());
                userDecoder.getSalt(salt, 0, salt.length);
                final byte[] storedKey = bytes(userDecoder.storedKeyLength());
                userDecoder.getStoredKey(storedKey, 0, storedKey.length);
                final byte[] serverKey = bytes(userDecoder.serverKeyLength());
                userDecoder.getServerKey(serverKey, 0, serverKey.length);
                upsertUser(name, new ScramCredential(salt, iterations, storedKey, serverKey));
                return true;
            }
            case AclSnapshotDecoder.TEMPLATE_ID ->
            {
                aclDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                addAcl(new AclEntry(aclDecoder.principal(), aclDecoder.resourceType(), aclDecoder.patternType(),
                    aclDecoder.resource(), aclDecoder.operation()));
                return true;
            }
            default ->
            {
                return false;
            }
        }
    }

    private static byte[] bytes(final int length)
    {
        if (length < 0 || length > 1024)
        {
            throw new IllegalArgumentException("credential field of " + length + " bytes");
        }
        return new byte[length];
    }

    /**
     * @return the rules of one principal, or all when it is empty.
     */
    public List<AclEntry> acls(final String principal)
    {
        final List<AclEntry> result = new ArrayList<>();
        for (final AclEntry acl : acls)
        {
            if (principal.isEmpty() || acl.principal().equals(principal))
            {
                result.add(acl);
            }
        }
        return result;
    }
}
