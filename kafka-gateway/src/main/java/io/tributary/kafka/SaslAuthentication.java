package io.tributary.kafka;

import io.tributary.log.internal.security.Scram;
import io.tributary.log.internal.security.SecurityView;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.List;

/**
 * SASL/SCRAM-SHA-256 for one Kafka connection, as Kafka clients speak it (KIP-152): a SaslHandshake names the
 * mechanism, then the SCRAM messages travel in SaslAuthenticate requests (client-first, answered by server-first;
 * client-final, answered by server-final). The exchange is Tributary's own {@link Scram.Server} against the node's
 * users ({@link SecurityView}), the credentials {@code tributary user add} creates; a user that does not exist
 * gets the same made-up salt as on every other Tributary entry point.
 * <p>
 * Until it succeeds the connection may send only ApiVersions and these two. A failed exchange is answered
 * SASL_AUTHENTICATION_FAILED (counted in the node's authentication failures) and the connection closed after the
 * answer; so is anything out of order. No re-authentication: the session lasts as long as the connection.
 * <p>
 * Threading: the selector thread, which dispatches one connection's requests in order.
 */
final class SaslAuthentication
{
    static final String MECHANISM = "SCRAM-SHA-256";
    private static final List<String> MECHANISMS = List.of(MECHANISM);

    /**
     * @param body  the response.
     * @param close whether to close the connection once it is sent.
     */
    record Answer(ApiMessage body, boolean close)
    {
    }

    private enum State
    {
        HANDSHAKE, CLIENT_FIRST, CLIENT_FINAL, AUTHENTICATED, FAILED
    }

    private final SecurityView view;
    private State state = State.HANDSHAKE;
    private Scram.Server scram;
    private String principal;

    /**
     * @param view the node's users; null or with security off when the gateway asks for no authentication.
     */
    SaslAuthentication(final SecurityView view)
    {
        this.view = view;
    }

    /**
     * @return true while the connection may send nothing but ApiVersions, SaslHandshake and SaslAuthenticate.
     */
    boolean required()
    {
        return view != null && view.enabled() && state != State.AUTHENTICATED;
    }

    /**
     * @return the authenticated user; null before (and always without security).
     */
    String principal()
    {
        return principal;
    }

    Answer handshake(final SaslHandshakeRequestData request)
    {
        final SaslHandshakeResponseData response = new SaslHandshakeResponseData();
        if (view == null || !view.enabled())
        {
            // As a Kafka broker's PLAINTEXT listener: nothing to authenticate with.
            return new Answer(response.setErrorCode(Errors.ILLEGAL_SASL_STATE.code()).setMechanisms(List.of()),
                false);
        }
        if (state != State.HANDSHAKE)
        {
            return fail(response.setErrorCode(Errors.ILLEGAL_SASL_STATE.code()).setMechanisms(MECHANISMS));
        }
        response.setMechanisms(MECHANISMS);
        if (!MECHANISM.equals(request.mechanism()))
        {
            return fail(response.setErrorCode(Errors.UNSUPPORTED_SASL_MECHANISM.code()));
        }
        if (!view.loaded())
        {
            // The node has not restored its users yet: a refusal now could be wrong, so the client reconnects and
            // tries again instead of being told its password is wrong.
            return new Answer(null, true);
        }
        state = State.CLIENT_FIRST;
        scram = new Scram.Server(view::user);
        return new Answer(response.setErrorCode(Errors.NONE.code()), false);
    }

    Answer authenticate(final SaslAuthenticateRequestData request)
    {
        final SaslAuthenticateResponseData response = new SaslAuthenticateResponseData()
            .setAuthBytes(new byte[0]).setSessionLifetimeMs(0);
        if (view == null || !view.enabled() || (state != State.CLIENT_FIRST && state != State.CLIENT_FINAL))
        {
            return fail(response.setErrorCode(Errors.ILLEGAL_SASL_STATE.code())
                .setErrorMessage("SaslAuthenticate out of order: a SaslHandshake for " + MECHANISM + " comes first"));
        }
        if (state == State.CLIENT_FIRST)
        {
            try
            {
                final byte[] serverFirst = scram.onClientFirst(request.authBytes());
                state = State.CLIENT_FINAL;
                return new Answer(response.setErrorCode(Errors.NONE.code()).setAuthBytes(serverFirst), false);
            }
            catch (final RuntimeException ex)
            {
                view.authenticationFailed();
                return fail(response.setErrorCode(Errors.SASL_AUTHENTICATION_FAILED.code())
                    .setErrorMessage("malformed SCRAM client-first message: " + ex.getMessage()));
            }
        }
        final String user = scram.onClientFinal(request.authBytes());
        if (user == null)
        {
            view.authenticationFailed();
            return fail(response.setErrorCode(Errors.SASL_AUTHENTICATION_FAILED.code())
                .setErrorMessage("authentication of user '" + scram.claimedUser() +
                    "' failed: wrong user name or password"));
        }
        principal = user;
        state = State.AUTHENTICATED;
        return new Answer(response.setErrorCode(Errors.NONE.code()).setAuthBytes(scram.serverFinal()), false);
    }

    private Answer fail(final ApiMessage response)
    {
        state = State.FAILED;
        scram = null;
        return new Answer(response, true);
    }
}
