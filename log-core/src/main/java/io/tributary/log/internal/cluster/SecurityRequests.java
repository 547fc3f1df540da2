package io.tributary.log.internal.cluster;

import io.aeron.cluster.service.ClientSession;
import io.tributary.log.internal.codecs.AclOperation;
import io.tributary.log.internal.codecs.AclResourceType;
import io.tributary.log.internal.codecs.AlterAclRequestDecoder;
import io.tributary.log.internal.codecs.BooleanType;
import io.tributary.log.internal.codecs.DescribeGroupRequestDecoder;
import io.tributary.log.internal.codecs.ErrorCode;
import io.tributary.log.internal.codecs.GroupCommitRequestDecoder;
import io.tributary.log.internal.codecs.GroupHeartbeatRequestDecoder;
import io.tributary.log.internal.codecs.ListAclsRequestDecoder;
import io.tributary.log.internal.codecs.ListAclsResponseEncoder;
import io.tributary.log.internal.codecs.ListUsersRequestDecoder;
import io.tributary.log.internal.codecs.ListUsersResponseEncoder;
import io.tributary.log.internal.codecs.MessageHeaderDecoder;
import io.tributary.log.internal.codecs.MessageHeaderEncoder;
import io.tributary.log.internal.codecs.ResetOffsetsRequestDecoder;
import io.tributary.log.internal.codecs.UserDeleteRequestDecoder;
import io.tributary.log.internal.codecs.UserUpsertRequestDecoder;
import io.tributary.log.internal.security.AclEntry;
import io.tributary.log.internal.security.Scram;
import io.tributary.log.internal.security.ScramCredential;
import io.tributary.log.internal.security.SecurityState;
import io.tributary.log.internal.security.SecurityView;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.Long2ObjectHashMap;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The security side of the clustered service: who a session is, the user and ACL requests (super users only when
 * security is on), and the authorization of consumer-group requests before the {@link GroupCoordinator} sees them.
 * A refusal names the principal, the operation and the resource, and is counted.
 * <p>
 * Threading: the service thread only.
 */
final class SecurityRequests
{
    /** The principal of sessions when security is off. */
    static final String ANONYMOUS = "ANONYMOUS";

    private final SecurityState state;
    private final GroupCoordinator.Egress egress;
    private final AdminResponder adminResponder;
    private final Long2ObjectHashMap<String> principals = new Long2ObjectHashMap<>();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final UserUpsertRequestDecoder upsertDecoder = new UserUpsertRequestDecoder();
    private final UserDeleteRequestDecoder deleteDecoder = new UserDeleteRequestDecoder();
    private final ListUsersRequestDecoder listUsersDecoder = new ListUsersRequestDecoder();
    private final ListUsersResponseEncoder listUsersEncoder = new ListUsersResponseEncoder();
    private final AlterAclRequestDecoder alterAclDecoder = new AlterAclRequestDecoder();
    private final ListAclsRequestDecoder listAclsDecoder = new ListAclsRequestDecoder();
    private final ListAclsResponseEncoder listAclsEncoder = new ListAclsResponseEncoder();
    private final GroupHeartbeatRequestDecoder heartbeatDecoder = new GroupHeartbeatRequestDecoder();
    private final GroupCommitRequestDecoder commitDecoder = new GroupCommitRequestDecoder();
    private final DescribeGroupRequestDecoder describeDecoder = new DescribeGroupRequestDecoder();
    private final ResetOffsetsRequestDecoder resetDecoder = new ResetOffsetsRequestDecoder();
    private final ExpandableArrayBuffer responseBuffer = new ExpandableArrayBuffer(1024);

    SecurityRequests(final SecurityState state, final GroupCoordinator.Egress egress)
    {
        this.state = state;
        this.egress = egress;
        this.adminResponder = new AdminResponder(egress);
    }

    static boolean isSecurityTemplate(final int templateId)
    {
        return templateId >= UserUpsertRequestDecoder.TEMPLATE_ID && templateId <= ListAclsRequestDecoder.TEMPLATE_ID;
    }

    SecurityState state()
    {
        return state;
    }

    /**
     * @return the session's principal: its user name, or {@link #ANONYMOUS} when security is off. Sessions restored
     *         from a snapshot were never opened here, so this is filled in on first use.
     */
    String principal(final ClientSession session)
    {
        if (session == null)
        {
            return ANONYMOUS;
        }
        String principal = principals.get(session.id());
        if (principal == null)
        {
            final byte[] encoded = session.encodedPrincipal();
            principal = encoded == null || encoded.length == 0 ? ANONYMOUS :
                new String(encoded, StandardCharsets.UTF_8);
            principals.put(session.id(), principal);
        }
        return principal;
    }

    void onSessionClose(final ClientSession session)
    {
        principals.remove(session.id());
    }

    /**
     * @return null when allowed, else the refusal (counted).
     */
    GroupCoordinator.Refusal authorize(
        final String principal, final AclOperation operation, final AclResourceType type, final String name)
    {
        if (state.authorize(principal, operation, type, name))
        {
            return null;
        }
        return new GroupCoordinator.Refusal(refusalCode(type), SecurityView.denial(principal, operation, type, name));
    }

    private static ErrorCode refusalCode(final AclResourceType type)
    {
        return switch (type)
        {
            case TOPIC -> ErrorCode.TOPIC_AUTHORIZATION_FAILED;
            case GROUP -> ErrorCode.GROUP_AUTHORIZATION_FAILED;
            case JOB -> ErrorCode.JOB_AUTHORIZATION_FAILED;
            default -> ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
        };
    }

    /**
     * Check a consumer-group request: its group must be readable, and so must the topics it subscribes to or commits
     * for.
     *
     * @return null when allowed, else the refusal.
     */
    GroupCoordinator.Refusal authorizeGroupRequest(
        final String principal, final int templateId, final DirectBuffer buffer, final int offset)
    {
        if (!state.enabled())
        {
            return null;
        }
        headerDecoder.wrap(buffer, offset);
        switch (templateId)
        {
            case GroupHeartbeatRequestDecoder.TEMPLATE_ID ->
            {
                heartbeatDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                final List<String> topics = new java.util.ArrayList<>();
                for (final GroupHeartbeatRequestDecoder.TopicsDecoder t : heartbeatDecoder.topics())
                {
                    topics.add(t.topic());
                }
                for (final GroupHeartbeatRequestDecoder.OwnedDecoder o : heartbeatDecoder.owned())
                {
                    o.skipTopic();
                }
                final GroupCoordinator.Refusal refusal = authorize(
                    principal, AclOperation.READ, AclResourceType.GROUP, heartbeatDecoder.groupId());
                return refusal != null ? refusal : authorizeTopics(principal, topics);
            }
            case GroupCommitRequestDecoder.TEMPLATE_ID ->
            {
                commitDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                final List<String> topics = new java.util.ArrayList<>();
                for (final GroupCommitRequestDecoder.OffsetsDecoder o : commitDecoder.offsets())
                {
                    topics.add(o.topic());
                }
                final GroupCoordinator.Refusal refusal = authorize(
                    principal, AclOperation.READ, AclResourceType.GROUP, commitDecoder.groupId());
                return refusal != null ? refusal : authorizeTopics(principal, topics);
            }
            case DescribeGroupRequestDecoder.TEMPLATE_ID ->
            {
                describeDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                return authorize(principal, AclOperation.READ, AclResourceType.GROUP, describeDecoder.groupId());
            }
            case ResetOffsetsRequestDecoder.TEMPLATE_ID ->
            {
                resetDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                for (final ResetOffsetsRequestDecoder.OffsetsDecoder o : resetDecoder.offsets())
                {
                    o.skipTopic();
                }
                return authorize(principal, AclOperation.READ, AclResourceType.GROUP, resetDecoder.groupId());
            }
            default ->
            {
                return null;
            }
        }
    }

    /**
     * @return null when every topic may be read, else the refusal for the first that may not.
     */
    GroupCoordinator.Refusal authorizeTopics(final String principal, final Iterable<String> topics)
    {
        for (final String topic : topics)
        {
            final GroupCoordinator.Refusal refusal =
                authorize(principal, AclOperation.READ, AclResourceType.TOPIC, topic);
            if (refusal != null)
            {
                return refusal;
            }
        }
        return null;
    }

    void onRequest(final ClientSession session, final int templateId, final DirectBuffer buffer, final int offset)
    {
        final String principal = principal(session);
        headerDecoder.wrap(buffer, offset);
        final long correlationId = buffer.getLong(offset + MessageHeaderDecoder.ENCODED_LENGTH,
            java.nio.ByteOrder.LITTLE_ENDIAN);
        if (!state.isSuperUser(principal))
        {
            state.view().authorizationFailed();
            sendAdminResponse(session, correlationId, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, "principal '" +
                principal + "' may not administer users or ACLs: only super users may");
            return;
        }
        switch (templateId)
        {
            case UserUpsertRequestDecoder.TEMPLATE_ID -> onUpsertUser(session, buffer, offset);
            case UserDeleteRequestDecoder.TEMPLATE_ID -> onDeleteUser(session, buffer, offset);
            case ListUsersRequestDecoder.TEMPLATE_ID -> onListUsers(session, buffer, offset);
            case AlterAclRequestDecoder.TEMPLATE_ID -> onAlterAcl(session, buffer, offset);
            case ListAclsRequestDecoder.TEMPLATE_ID -> onListAcls(session, buffer, offset);
            default -> throw new IllegalArgumentException("unknown security request template id " + templateId);
        }
    }

    private void onUpsertUser(final ClientSession session, final DirectBuffer buffer, final int offset)
    {
        upsertDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
        final long correlationId = upsertDecoder.correlationId();
        final int iterations = upsertDecoder.iterations();
        final String name = upsertDecoder.name();
        final byte[] salt = bytes(upsertDecoder.saltLength());
        upsertDecoder.getSalt(salt, 0, salt.length);
        final byte[] storedKey = bytes(upsertDecoder.storedKeyLength());
        upsertDecoder.getStoredKey(storedKey, 0, storedKey.length);
        final byte[] serverKey = bytes(upsertDecoder.serverKeyLength());
        upsertDecoder.getServerKey(serverKey, 0, serverKey.length);
        if (!Scram.isValidUserName(name))
        {
            sendAdminResponse(session, correlationId, ErrorCode.INVALID_REQUEST,
                "invalid user name '" + name + "': use 1 to 128 of A-Z a-z 0-9 . _ @ -");
            return;
        }
        final ScramCredential credential;
        try
        {
            credential = new ScramCredential(salt, iterations, storedKey, serverKey);
        }
        catch (final IllegalArgumentException ex)
        {
            sendAdminResponse(session, correlationId, ErrorCode.INVALID_REQUEST, ex.getMessage());
            return;
        }
        state.upsertUser(name, credential);
        sendAdminResponse(session, correlationId, ErrorCode.NONE, "");
    }

    private void onDeleteUser(final ClientSession session, final DirectBuffer buffer, final int offset)
    {
        deleteDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
        final long correlationId = deleteDecoder.correlationId();
        final String name = deleteDecoder.name();
        if (!state.deleteUser(name))
        {
            sendAdminResponse(session, correlationId, ErrorCode.INVALID_REQUEST, "no user '" + name + "'");
            return;
        }
        sendAdminResponse(session, correlationId, ErrorCode.NONE, "");
    }

    private void onListUsers(final ClientSession session, final DirectBuffer buffer, final int offset)
    {
        listUsersDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
        final long correlationId = listUsersDecoder.correlationId();
        listUsersEncoder.wrapAndApplyHeader(responseBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .errorCode(ErrorCode.NONE);
        final Map<String, ScramCredential> users = state.users();
        final ListUsersResponseEncoder.UsersEncoder out = listUsersEncoder.usersCount(users.size());
        for (final Map.Entry<String, ScramCredential> e : users.entrySet())
        {
            out.next().iterations(e.getValue().iterations()).name(e.getKey());
        }
        listUsersEncoder.errorMessage("");
        egress.send(session, responseBuffer, MessageHeaderEncoder.ENCODED_LENGTH + listUsersEncoder.encodedLength());
    }

    private void onAlterAcl(final ClientSession session, final DirectBuffer buffer, final int offset)
    {
        alterAclDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
        final long correlationId = alterAclDecoder.correlationId();
        final boolean remove = alterAclDecoder.remove() == BooleanType.TRUE;
        final AclEntry acl;
        try
        {
            acl = new AclEntry(alterAclDecoder.principal(), alterAclDecoder.resourceType(),
                alterAclDecoder.patternType(), alterAclDecoder.resource(), alterAclDecoder.operation());
        }
        catch (final IllegalArgumentException ex)
        {
            sendAdminResponse(session, correlationId, ErrorCode.INVALID_REQUEST, ex.getMessage());
            return;
        }
        if (!remove && acl.unsupported() != null)
        {
            sendAdminResponse(session, correlationId, ErrorCode.INVALID_REQUEST, acl.unsupported() + ": " + acl);
            return;
        }
        if (remove ? !state.removeAcl(acl) : !state.addAcl(acl))
        {
            sendAdminResponse(session, correlationId, ErrorCode.INVALID_REQUEST,
                remove ? "no such ACL: " + acl : "ACL exists already: " + acl);
            return;
        }
        sendAdminResponse(session, correlationId, ErrorCode.NONE, "");
    }

    private void onListAcls(final ClientSession session, final DirectBuffer buffer, final int offset)
    {
        listAclsDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
        final long correlationId = listAclsDecoder.correlationId();
        final List<AclEntry> acls = state.acls(listAclsDecoder.principal());
        listAclsEncoder.wrapAndApplyHeader(responseBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .errorCode(ErrorCode.NONE);
        final ListAclsResponseEncoder.AclsEncoder out = listAclsEncoder.aclsCount(acls.size());
        for (final AclEntry acl : acls)
        {
            out.next()
                .resourceType(acl.resourceType())
                .patternType(acl.patternType())
                .operation(acl.operation())
                .principal(acl.principal())
                .resource(acl.resource());
        }
        listAclsEncoder.errorMessage("");
        egress.send(session, responseBuffer, MessageHeaderEncoder.ENCODED_LENGTH + listAclsEncoder.encodedLength());
    }

    void sendAdminResponse(
        final ClientSession session, final long correlationId, final ErrorCode errorCode, final String message)
    {
        adminResponder.send(session, correlationId, errorCode, message);
    }

    private static byte[] bytes(final int length)
    {
        if (length < 0 || length > 1024)
        {
            throw new IllegalArgumentException("credential field of " + length + " bytes");
        }
        return new byte[length];
    }
}
