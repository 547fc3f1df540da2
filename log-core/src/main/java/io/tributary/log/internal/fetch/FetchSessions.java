package io.tributary.log.internal.fetch;

import io.tributary.log.internal.codecs.AclOperation;
import io.tributary.log.internal.codecs.AclResourceType;
import io.tributary.log.internal.codecs.ErrorCode;
import io.tributary.log.internal.security.Scram;
import io.tributary.log.internal.security.SecurityView;
import org.agrona.collections.Long2ObjectHashMap;

import java.security.SecureRandom;
import java.util.HashMap;

/**
 * Authentication and authorization of the fetch protocol. The protocol is connectionless (each request names the
 * endpoint to answer on), so a SCRAM exchange over two {@code FetchAuthRequest}s binds a random 64-bit session id to
 * the principal; every fetch and offsets request then carries that id and is checked for read access to its topic.
 * The id is a bearer secret on the wire: anyone who can read the traffic can use it until it expires (as with any
 * unencrypted session cookie).
 * <p>
 * Sessions idle for {@link #SESSION_IDLE_TIMEOUT_NS} are forgotten; the client then authenticates again.
 * <p>
 * Threading: the fetch server's thread only.
 */
final class FetchSessions
{
    static final long SESSION_IDLE_TIMEOUT_NS = 30L * 60 * 1_000_000_000L;
    private static final long EXCHANGE_TIMEOUT_NS = 30_000_000_000L;
    private static final int MAX_SESSIONS = 100_000;
    private static final int MAX_EXCHANGES = 10_000;

    record Outcome(ErrorCode code, long exchangeId, long sessionId, byte[] message, String error)
    {
    }

    private static final class Exchange
    {
        final Scram.Server server;
        final long startNs;

        Exchange(final Scram.Server server, final long startNs)
        {
            this.server = server;
            this.startNs = startNs;
        }
    }

    private static final class Session
    {
        final String principal;
        long lastUsedNs;
        Object tables;
        final HashMap<String, Boolean> readable = new HashMap<>();

        Session(final String principal, final long nowNs)
        {
            this.principal = principal;
            this.lastUsedNs = nowNs;
        }
    }

    private final SecurityView view;
    private final SecureRandom random = new SecureRandom();
    private final Long2ObjectHashMap<Exchange> exchanges = new Long2ObjectHashMap<>();
    private final Long2ObjectHashMap<Session> sessions = new Long2ObjectHashMap<>();
    private String denial;

    FetchSessions(final SecurityView view)
    {
        this.view = view;
    }

    SecurityView view()
    {
        return view;
    }

    boolean enabled()
    {
        return view.enabled();
    }

    /**
     * @return the answer to one step of an exchange; null for none, while the node has not restored its users.
     */
    Outcome onAuthRequest(final int step, final long exchangeId, final byte[] message, final long nowNs)
    {
        if (!view.enabled())
        {
            // Nothing to prove: exchange id 0 tells the client no session is needed.
            return new Outcome(ErrorCode.NONE, 0, 0, new byte[0], "");
        }
        if (!view.loaded())
        {
            // The node has not restored its users yet: no answer, and the client's exchange is retried.
            return null;
        }
        if (step == 1)
        {
            if (exchanges.size() >= MAX_EXCHANGES)
            {
                sweep(nowNs);
                if (exchanges.size() >= MAX_EXCHANGES)
                {
                    return failed(0, "too many authentications under way; try again");
                }
            }
            final Scram.Server server = new Scram.Server(view::user);
            try
            {
                final byte[] serverFirst = server.onClientFirst(message);
                final long id = nonZeroRandom();
                exchanges.put(id, new Exchange(server, nowNs));
                return new Outcome(ErrorCode.NONE, id, 0, serverFirst, "");
            }
            catch (final RuntimeException ex)
            {
                view.authenticationFailed();
                return failed(0, "malformed SCRAM message: " + ex.getMessage());
            }
        }
        final Exchange exchange = exchanges.remove(exchangeId);
        if (exchange == null || step != 2)
        {
            return failed(exchangeId, "no such authentication exchange (expired?); start again");
        }
        final String principal = exchange.server.onClientFinal(message);
        if (principal == null)
        {
            view.authenticationFailed();
            return failed(exchangeId, "authentication of user '" + exchange.server.claimedUser() +
                "' failed: wrong user name or password");
        }
        if (sessions.size() >= MAX_SESSIONS)
        {
            sweep(nowNs);
            if (sessions.size() >= MAX_SESSIONS)
            {
                return failed(exchangeId, "too many fetch sessions on this node; try again later");
            }
        }
        final long sessionId = nonZeroRandom();
        sessions.put(sessionId, new Session(principal, nowNs));
        return new Outcome(ErrorCode.NONE, exchangeId, sessionId, exchange.server.serverFinal(), "");
    }

    /**
     * @return NONE when the session may read the topic; AUTHENTICATION_FAILED or TOPIC_AUTHORIZATION_FAILED
     *         otherwise, with {@link #denial()} saying why.
     */
    ErrorCode checkRead(final long sessionId, final String topic, final long nowNs)
    {
        if (!view.enabled())
        {
            return ErrorCode.NONE;
        }
        final Session session = sessionId == 0 ? null : sessions.get(sessionId);
        if (session == null)
        {
            view.authenticationFailed();
            denial = "not authenticated: this node knows no such fetch session (none given, expired, or the node " +
                "restarted); authenticate first";
            return ErrorCode.AUTHENTICATION_FAILED;
        }
        session.lastUsedNs = nowNs;
        final Object tables = view.tables();
        if (session.tables != tables)
        {
            session.tables = tables;
            session.readable.clear();
        }
        Boolean allowed = session.readable.get(topic);
        if (allowed == null)
        {
            allowed = view.allowed(session.principal, AclOperation.READ, AclResourceType.TOPIC, topic);
            if (session.readable.size() < 10_000)
            {
                session.readable.put(topic, allowed);
            }
        }
        if (!allowed)
        {
            view.authorizationFailed();
            denial = SecurityView.denial(session.principal, AclOperation.READ, AclResourceType.TOPIC, topic);
            return ErrorCode.TOPIC_AUTHORIZATION_FAILED;
        }
        return ErrorCode.NONE;
    }

    /**
     * @return NONE when the session is a super user's (segment copy between nodes); AUTHENTICATION_FAILED or
     *         CLUSTER_AUTHORIZATION_FAILED otherwise, with {@link #denial()} saying why.
     */
    ErrorCode checkSuperUser(final long sessionId, final long nowNs)
    {
        if (!view.enabled())
        {
            return ErrorCode.NONE;
        }
        final Session session = sessionId == 0 ? null : sessions.get(sessionId);
        if (session == null)
        {
            view.authenticationFailed();
            denial = "not authenticated: segment copy needs a super user's fetch session";
            return ErrorCode.AUTHENTICATION_FAILED;
        }
        session.lastUsedNs = nowNs;
        if (!view.config().superUsers().contains(session.principal))
        {
            view.authorizationFailed();
            denial = "principal '" + session.principal + "' may not copy segments: only super users (nodes) may";
            return ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
        }
        return ErrorCode.NONE;
    }

    String denial()
    {
        return denial;
    }

    void sweep(final long nowNs)
    {
        exchanges.values().removeIf(e -> nowNs - e.startNs > EXCHANGE_TIMEOUT_NS);
        sessions.values().removeIf(s -> nowNs - s.lastUsedNs > SESSION_IDLE_TIMEOUT_NS);
    }

    private Outcome failed(final long exchangeId, final String error)
    {
        return new Outcome(ErrorCode.AUTHENTICATION_FAILED, exchangeId, 0, new byte[0], error);
    }

    private long nonZeroRandom()
    {
        long id;
        do
        {
            id = random.nextLong();
        }
        while (id == 0 || id == Long.MIN_VALUE);
        return id;
    }
}
