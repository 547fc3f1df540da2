package io.tributary.log.internal.security;

import io.aeron.security.Authenticator;
import io.aeron.security.SessionProxy;
import org.agrona.collections.Long2ObjectHashMap;

import java.nio.charset.StandardCharsets;

/**
 * Cluster ingress authentication: Aeron Cluster's authenticator hook running SCRAM-SHA-256. The connect request
 * carries the client-first message; the session is challenged with the server-first message; the challenge response
 * carries the client-final proof; a right proof authenticates the session with the user name as its principal
 * (which the clustered service reads from {@code ClientSession.encodedPrincipal()}), a wrong one rejects it.
 * <p>
 * Aeron's challenge protocol has no message after the authentication, so the client does not check the server's
 * signature on this path (the fetch protocol's exchange does).
 * <p>
 * With security off every session is authenticated with an empty principal.
 * <p>
 * Threading: the consensus module's thread; users are read from the {@link SecurityView} the service publishes.
 */
public final class ScramAuthenticator implements Authenticator
{
    private static final System.Logger LOG = System.getLogger(ScramAuthenticator.class.getName());
    private static final byte[] NO_PRINCIPAL = new byte[0];
    /** An exchange the client abandons is forgotten after this long. */
    private static final long EXCHANGE_TIMEOUT_MS = 60_000;
    private static final int MAX_EXCHANGES = 10_000;

    private final SecurityView view;
    private final Long2ObjectHashMap<Exchange> exchanges = new Long2ObjectHashMap<>();

    private static final class Exchange
    {
        final Scram.Server server;
        final long startMs;
        byte[] challenge;
        boolean challenged;
        String principal;
        boolean failed;

        Exchange(final Scram.Server server, final long startMs)
        {
            this.server = server;
            this.startMs = startMs;
        }
    }

    public ScramAuthenticator(final SecurityView view)
    {
        this.view = view;
    }

    public void onConnectRequest(final long sessionId, final byte[] encodedCredentials, final long nowMs)
    {
        if (!view.enabled())
        {
            return;
        }
        expire(nowMs);
        final Exchange exchange = new Exchange(new Scram.Server(view::user), nowMs);
        try
        {
            exchange.challenge = exchange.server.onClientFirst(encodedCredentials);
        }
        catch (final RuntimeException ex)
        {
            exchange.failed = true;
        }
        exchanges.put(sessionId, exchange);
    }

    public void onChallengeResponse(final long sessionId, final byte[] encodedCredentials, final long nowMs)
    {
        final Exchange exchange = exchanges.get(sessionId);
        if (exchange == null || exchange.failed || !exchange.challenged)
        {
            return;
        }
        try
        {
            exchange.principal = exchange.server.onClientFinal(encodedCredentials);
        }
        catch (final RuntimeException ex)
        {
            exchange.principal = null;
        }
        if (exchange.principal == null)
        {
            exchange.failed = true;
        }
    }

    public void onConnectedSession(final SessionProxy sessionProxy, final long nowMs)
    {
        if (!view.enabled())
        {
            sessionProxy.authenticate(NO_PRINCIPAL);
            return;
        }
        final Exchange exchange = exchanges.get(sessionProxy.sessionId());
        if (exchange != null && !exchange.failed && !view.loaded())
        {
            // Users are not restored yet: the session waits (and times out, which the client retries) rather than
            // being refused for a user this node has not loaded.
            return;
        }
        if (exchange == null || exchange.failed || exchange.challenge == null)
        {
            reject(sessionProxy, exchange);
        }
        else if (!exchange.challenged && sessionProxy.challenge(exchange.challenge))
        {
            exchange.challenged = true;
        }
    }

    public void onChallengedSession(final SessionProxy sessionProxy, final long nowMs)
    {
        final Exchange exchange = exchanges.get(sessionProxy.sessionId());
        if (exchange == null || exchange.failed)
        {
            reject(sessionProxy, exchange);
        }
        else if (exchange.principal != null &&
            sessionProxy.authenticate(exchange.principal.getBytes(StandardCharsets.UTF_8)))
        {
            exchanges.remove(sessionProxy.sessionId());
        }
        else if (nowMs - exchange.startMs > EXCHANGE_TIMEOUT_MS)
        {
            reject(sessionProxy, exchange);
        }
    }

    private void reject(final SessionProxy sessionProxy, final Exchange exchange)
    {
        exchanges.remove(sessionProxy.sessionId());
        view.authenticationFailed();
        // The claimed name is logged, never anything of the proof.
        LOG.log(System.Logger.Level.INFO, "cluster session {0} refused: authentication of user ''{1}'' failed",
            Long.toString(sessionProxy.sessionId()), exchange == null ? "?" : exchange.server.claimedUser());
        sessionProxy.reject();
    }

    private void expire(final long nowMs)
    {
        if (exchanges.size() < 64)
        {
            return;
        }
        exchanges.values().removeIf(e -> nowMs - e.startMs > EXCHANGE_TIMEOUT_MS);
        if (exchanges.size() > MAX_EXCHANGES)
        {
            exchanges.clear();
        }
    }
}
