package io.tributary.kafka;

import io.tributary.log.internal.security.Scram;
import io.tributary.log.internal.security.SecurityConfig;
import io.tributary.log.internal.security.SecurityView;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.security.scram.internals.ScramSaslClient;
import org.junit.jupiter.api.Test;

import javax.security.auth.callback.Callback;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One connection's SASL exchange, stepped by hand with kafka-clients' own SCRAM client ({@code ScramSaslClient}, what
 * a producer with {@code sasl.mechanism=SCRAM-SHA-256} runs) against Tributary's {@code Scram} server.
 */
class SaslAuthenticationTest
{
    private final SecurityView view = new SecurityView(new SecurityConfig(true, Set.of("admin"),
        Map.of("alice", Scram.credential("alice-secret".toCharArray(), Scram.DEFAULT_ITERATIONS))));

    SaslAuthenticationTest()
    {
        view.markLoaded();
    }

    private static ScramSaslClient kafkaClient(final String user, final String password) throws Exception
    {
        return new ScramSaslClient(ScramMechanism.SCRAM_SHA_256, callbacks ->
        {
            for (final Callback callback : callbacks)
            {
                if (callback instanceof NameCallback name)
                {
                    name.setName(user);
                }
                else if (callback instanceof PasswordCallback pw)
                {
                    pw.setPassword(password.toCharArray());
                }
            }
        });
    }

    private static SaslAuthenticateRequestData bytes(final byte[] authBytes)
    {
        return new SaslAuthenticateRequestData().setAuthBytes(authBytes);
    }

    @Test
    void kafkasScramClientAuthenticatesAndAcceptsTheServersSignature() throws Exception
    {
        final SaslAuthentication sasl = new SaslAuthentication(view);
        assertTrue(sasl.required());
        final SaslAuthentication.Answer handshake =
            sasl.handshake(new SaslHandshakeRequestData().setMechanism("SCRAM-SHA-256"));
        assertEquals(Errors.NONE.code(), ((SaslHandshakeResponseData)handshake.body()).errorCode());
        assertFalse(handshake.close());

        final ScramSaslClient client = kafkaClient("alice", "alice-secret");
        final SaslAuthentication.Answer first = sasl.authenticate(bytes(client.evaluateChallenge(new byte[0])));
        final SaslAuthenticateResponseData serverFirst = (SaslAuthenticateResponseData)first.body();
        assertEquals(Errors.NONE.code(), serverFirst.errorCode());
        final SaslAuthentication.Answer last = sasl.authenticate(bytes(client.evaluateChallenge(serverFirst.authBytes())));
        final SaslAuthenticateResponseData serverFinal = (SaslAuthenticateResponseData)last.body();
        assertEquals(Errors.NONE.code(), serverFinal.errorCode());
        assertFalse(last.close());
        assertNull(client.evaluateChallenge(serverFinal.authBytes()), "the client checked the server's signature");
        assertTrue(client.isComplete());
        assertEquals("alice", sasl.principal());
        assertFalse(sasl.required());
        assertEquals(0, view.authenticationFailures());

        final SaslAuthentication.Answer again =
            sasl.handshake(new SaslHandshakeRequestData().setMechanism("SCRAM-SHA-256"));
        assertEquals(Errors.ILLEGAL_SASL_STATE.code(), ((SaslHandshakeResponseData)again.body()).errorCode());
        assertTrue(again.close(), "no re-authentication on a connection");
    }

    @Test
    void aWrongPasswordOrAnUnknownUserFailsAndIsCounted() throws Exception
    {
        for (final String[] wrong : new String[][] {{"alice", "guess"}, {"mallory", "alice-secret"}})
        {
            final SaslAuthentication sasl = new SaslAuthentication(view);
            sasl.handshake(new SaslHandshakeRequestData().setMechanism("SCRAM-SHA-256"));
            final ScramSaslClient client = kafkaClient(wrong[0], wrong[1]);
            final SaslAuthenticateResponseData serverFirst = (SaslAuthenticateResponseData)sasl.authenticate(
                bytes(client.evaluateChallenge(new byte[0]))).body();
            assertEquals(Errors.NONE.code(), serverFirst.errorCode(), "an unknown name is not told apart yet");
            final SaslAuthentication.Answer last =
                sasl.authenticate(bytes(client.evaluateChallenge(serverFirst.authBytes())));
            assertEquals(Errors.SASL_AUTHENTICATION_FAILED.code(),
                ((SaslAuthenticateResponseData)last.body()).errorCode());
            assertTrue(last.close());
            assertNull(sasl.principal());
            assertTrue(sasl.required());
        }
        assertEquals(2, view.authenticationFailures());
    }

    @Test
    void onlyScramSha256IsOfferedAndOrderIsEnforced()
    {
        final SaslAuthentication.Answer plain =
            new SaslAuthentication(view).handshake(new SaslHandshakeRequestData().setMechanism("PLAIN"));
        final SaslHandshakeResponseData response = (SaslHandshakeResponseData)plain.body();
        assertEquals(Errors.UNSUPPORTED_SASL_MECHANISM.code(), response.errorCode());
        assertEquals(List.of("SCRAM-SHA-256"), response.mechanisms());
        assertTrue(plain.close());

        final SaslAuthentication.Answer early = new SaslAuthentication(view).authenticate(bytes(new byte[] {1}));
        assertEquals(Errors.ILLEGAL_SASL_STATE.code(), ((SaslAuthenticateResponseData)early.body()).errorCode());
        assertTrue(early.close());
    }

    @Test
    void aNodeThatHasNotRestoredItsUsersClosesWithoutAnAnswer()
    {
        final SecurityView loading = new SecurityView(new SecurityConfig(true, Set.of("admin"), Map.of()));
        final SaslAuthentication.Answer answer =
            new SaslAuthentication(loading).handshake(new SaslHandshakeRequestData().setMechanism("SCRAM-SHA-256"));
        assertNull(answer.body());
        assertTrue(answer.close());
        assertEquals(0, loading.authenticationFailures());
    }

    @Test
    void withSecurityOffNoSaslIsNeededNorOffered()
    {
        final SaslAuthentication sasl = new SaslAuthentication(new SecurityView(SecurityConfig.DISABLED));
        assertFalse(sasl.required());
        final SaslAuthentication.Answer answer =
            sasl.handshake(new SaslHandshakeRequestData().setMechanism("SCRAM-SHA-256"));
        assertEquals(Errors.ILLEGAL_SASL_STATE.code(), ((SaslHandshakeResponseData)answer.body()).errorCode());
        assertArrayEquals(new Object[0], ((SaslHandshakeResponseData)answer.body()).mechanisms().toArray());
        assertFalse(new SaslAuthentication(null).required());
    }
}
