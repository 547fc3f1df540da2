package io.tributary.log.internal.cluster;

import io.aeron.cluster.service.ClientSession;
import io.tributary.log.internal.codecs.AdminResponseEncoder;
import io.tributary.log.internal.codecs.ErrorCode;
import io.tributary.log.internal.codecs.MessageHeaderEncoder;
import org.agrona.ExpandableArrayBuffer;

/**
 * Answers a request whose only answer is an error code and a message ({@code AdminResponse}): topic, user and ACL
 * administration, and refusals.
 * <p>
 * Threading: the service thread.
 */
final class AdminResponder
{
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final AdminResponseEncoder encoder = new AdminResponseEncoder();
    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
    private final GroupCoordinator.Egress egress;

    AdminResponder(final GroupCoordinator.Egress egress)
    {
        this.egress = egress;
    }

    void send(final ClientSession session, final long correlationId, final ErrorCode errorCode, final String message)
    {
        encoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .correlationId(correlationId)
            .errorCode(errorCode)
            .errorMessage(message);
        egress.send(session, buffer, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength());
    }
}
