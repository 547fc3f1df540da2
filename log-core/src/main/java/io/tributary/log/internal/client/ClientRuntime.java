package io.tributary.log.internal.client;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.cluster.client.AeronCluster;
import io.aeron.cluster.client.EgressListener;
import io.aeron.driver.MediaDriver;
import io.aeron.logbuffer.Header;
import io.tributary.log.Credentials;
import io.tributary.log.ErrorCode;
import io.tributary.log.internal.AeronSettings;
import io.tributary.log.internal.cluster.ClusterMembers;
import io.aeron.security.AuthenticationException;
import io.aeron.security.CredentialsSupplier;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;

import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every client in a JVM shares for one cluster: an embedded media driver, an Aeron client, one cluster session
 * and one {@link FetchClient}, all driven by a single conductor thread. Producers, consumers and admin clients hand
 * work to that thread and are told results on it; a thousand consumers in a process cost one thread and one socket
 * pair, not a thousand.
 * <p>
 * Reference counted: {@link #acquire(String)} and {@link #release()}; the last release closes it.
 * <p>
 * Threading: public methods are safe from any thread; everything named "conductor" runs on the conductor thread.
 */
public final class ClientRuntime
{
    private static final System.Logger LOG = System.getLogger(ClientRuntime.class.getName());
    private static final Map<String, ClientRuntime> RUNTIMES = new HashMap<>();

    static
    {
        // A JVM that exits without closing its clients must still stop their media drivers, which delete their
        // directories under /dev/shm.
        Runtime.getRuntime().addShutdownHook(new Thread(ClientRuntime::closeAll, "tributary-client-shutdown"));
    }
    private static final AtomicLong INSTANCE_IDS = new AtomicLong();
    private static final long RECONNECT_DELAY_NS = 500_000_000L;
    private static final long TIMEOUT_SWEEP_INTERVAL_NS = 10_000_000L;

    /** Work a client does on the conductor thread each duty cycle. */
    public interface Duty
    {
        int doWork(long nowNs);
    }

    private final String key;
    private final ClusterMembers members;
    private final Credentials credentials;
    private final MediaDriver driver;
    private final Aeron aeron;
    private final FetchClient fetchClient;
    private final AgentRunner runner;
    private final ManyToOneConcurrentLinkedQueue<Runnable> commands = new ManyToOneConcurrentLinkedQueue<>();
    private final AtomicLong correlationIds = new AtomicLong(System.nanoTime() & 0xFFFF_FFFFL);
    private int references;

    // Conductor state.
    private final Long2ObjectHashMap<Inflight> inflight = new Long2ObjectHashMap<>();
    private final ArrayDeque<Outgoing> outgoing = new ArrayDeque<>();
    private final List<Duty> duties = new ArrayList<>();
    private AeronCluster cluster;
    private AeronCluster.AsyncConnect asyncConnect;
    private long nextConnectAttemptNs;
    private String lastConnectError = "not connected yet";
    /** Why the cluster refused this runtime's credentials at the last connect; null when it did not. */
    private String authenticationFailure;
    private long lastTimeoutSweepNs;

    private ClientRuntime(final String key, final ClusterMembers members, final Credentials credentials)
    {
        this.key = key;
        this.members = members;
        this.credentials = credentials;
        final String aeronDir = AeronSettings.aeronDirectoryBase() + "/tributary-client-" +
            ProcessHandle.current().pid() + "-" + INSTANCE_IDS.incrementAndGet();
        driver = MediaDriver.launchEmbedded(AeronSettings.mediaDriverContext(aeronDir)
            .errorHandler(ex -> LOG.log(System.Logger.Level.DEBUG, "client media driver", ex)));
        Aeron connected = null;
        try
        {
            connected = Aeron.connect(new Aeron.Context()
                .aeronDirectoryName(driver.aeronDirectoryName())
                .errorHandler(ex -> LOG.log(System.Logger.Level.DEBUG, "client", ex)));
            aeron = connected;
            fetchClient = new FetchClient(aeron, members, localHost(members) + ":0", credentials);
            runner = new AgentRunner(
                AeronSettings.idle(),
                ex -> LOG.log(System.Logger.Level.WARNING, "client conductor: " + ex, ex),
                null,
                new Conductor());
            AgentRunner.startOnThread(runner);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(connected, driver);
            throw ex;
        }
    }

    /**
     * @param cluster members list, e.g. {@code 0=127.0.0.1:9100}.
     * @return the runtime for that cluster in this JVM, started on first use.
     */
    public static ClientRuntime acquire(final String cluster)
    {
        return acquire(cluster, null);
    }

    /**
     * @param cluster     members list, e.g. {@code 0=127.0.0.1:9100}.
     * @param explicit    who to authenticate as; null for the process's default ({@link
     *                    Credentials#setProcessDefault}), else nobody (a cluster with security on refuses that).
     * @return the runtime for that cluster and those credentials in this JVM, started on first use: clients with
     *         different credentials never share a cluster session.
     */
    public static ClientRuntime acquire(final String cluster, final Credentials explicit)
    {
        final Credentials credentials = explicit != null ? explicit : Credentials.processDefault();
        final ClusterMembers members = ClusterMembers.parse(cluster);
        final String key = members + (credentials == null ? "" :
            "|" + credentials.username() + "|" + Integer.toHexString(credentials.hashCode() ^
            java.util.Arrays.hashCode(credentials.password())));
        synchronized (RUNTIMES)
        {
            ClientRuntime runtime = RUNTIMES.get(key);
            if (runtime == null)
            {
                runtime = new ClientRuntime(key, members, credentials);
                RUNTIMES.put(key, runtime);
            }
            runtime.references++;
            return runtime;
        }
    }

    /**
     * Give back a reference; the last one closes the runtime, failing whatever is still in flight.
     */
    public void release()
    {
        synchronized (RUNTIMES)
        {
            if (--references > 0)
            {
                return;
            }
            RUNTIMES.remove(key);
        }
        CloseHelper.closeAll(runner, aeron, driver);
    }

    private static void closeAll()
    {
        final List<ClientRuntime> open;
        synchronized (RUNTIMES)
        {
            open = new ArrayList<>(RUNTIMES.values());
            RUNTIMES.clear();
        }
        for (final ClientRuntime runtime : open)
        {
            CloseHelper.quietCloseAll(runtime.runner, runtime.aeron, runtime.driver);
        }
    }

    public ClusterMembers members()
    {
        return members;
    }

    public long nextCorrelationId()
    {
        return correlationIds.incrementAndGet();
    }

    /**
     * @param command run on the conductor thread, in submission order.
     */
    public void execute(final Runnable command)
    {
        commands.offer(command);
    }

    public void addDuty(final Duty duty)
    {
        execute(() -> duties.add(duty));
    }

    public void removeDuty(final Duty duty)
    {
        execute(() -> duties.remove(duty));
    }

    /**
     * Send a request to the cluster; the handler is told the response or the failure.
     *
     * @param correlationId the request's correlation id, which its response echoes.
     * @param message       the encoded request, header included; not touched after this call.
     * @param length        its length.
     * @param timeoutNs     how long to wait for the response, connecting included.
     * @param handler       told the outcome on the conductor thread.
     */
    public void sendToCluster(
        final long correlationId,
        final DirectBuffer message,
        final int length,
        final long timeoutNs,
        final ResponseHandler handler)
    {
        final Outgoing request = new Outgoing(correlationId, message, length, System.nanoTime() + timeoutNs, handler);
        execute(() -> outgoing.add(request));
    }

    /**
     * Conductor thread only: offer a request straight to the cluster session, for senders that keep their own
     * queue (the producer).
     *
     * @return true when offered and now in flight; false when not connected or back pressured (try again later).
     */
    boolean tryOfferToCluster(
        final long correlationId,
        final DirectBuffer message,
        final int length,
        final long deadlineNs,
        final ResponseHandler handler)
    {
        if (cluster == null || !outgoing.isEmpty())
        {
            return false;
        }
        final long result = cluster.offer(message, 0, length);
        if (result > 0)
        {
            inflight.put(correlationId, new Inflight(deadlineNs, handler));
            return true;
        }
        return false;
    }

    /**
     * Conductor thread only.
     *
     * @return why the cluster is not connected, for error messages.
     */
    String connectionProblem()
    {
        return cluster != null ? "connected" :
            "cluster " + members + " not reachable (" + lastConnectError + ")";
    }

    /**
     * Conductor thread only.
     *
     * @return why the cluster refused this runtime's credentials at its last connect attempt; null when it did not
     *         (sending again with the same credentials cannot succeed: senders fail at once with
     *         AUTHENTICATION_FAILED).
     */
    String authenticationFailure()
    {
        return authenticationFailure;
    }

    public FetchClient fetchClient()
    {
        return fetchClient;
    }

    private final class Conductor implements Agent, EgressListener
    {
        public String roleName()
        {
            return "tributary-client-conductor";
        }

        public int doWork()
        {
            final long nowNs = System.nanoTime();
            int work = drainCommands();
            work += pollCluster(nowNs);
            work += sendOutgoing();
            for (int i = 0, n = duties.size(); i < n; i++)
            {
                work += duties.get(i).doWork(nowNs);
            }
            work += fetchClient.doWork(nowNs);
            if (nowNs - lastTimeoutSweepNs > TIMEOUT_SWEEP_INTERVAL_NS)
            {
                lastTimeoutSweepNs = nowNs;
                work += expire(nowNs);
            }
            return work;
        }

        public void onClose()
        {
            drainCommands();
            for (final Duty duty : new ArrayList<>(duties))
            {
                if (duty instanceof AutoCloseable closeable)
                {
                    CloseHelper.quietClose(closeable);
                }
            }
            failAll(ErrorCode.CLOSED, "client closed");
            for (final Outgoing request : outgoing)
            {
                request.handler.onFailure(ErrorCode.CLOSED, "client closed");
            }
            outgoing.clear();
            fetchClient.close();
            CloseHelper.quietCloseAll(asyncConnect, cluster);
        }

        public void onMessage(
            final long clusterSessionId,
            final long timestamp,
            final DirectBuffer buffer,
            final int offset,
            final int length,
            final Header header)
        {
            if (length < 16)
            {
                return;
            }
            // Every response starts its root block with the correlation id of its request.
            final long correlationId = buffer.getLong(offset + 8, ByteOrder.LITTLE_ENDIAN);
            final Inflight request = inflight.remove(correlationId);
            if (request != null)
            {
                ResponseHandler.deliver(request.handler, buffer, offset, length, false);
            }
        }

        public void onNewLeader(
            final long clusterSessionId, final long leadershipTermId, final int leaderMemberId, final String endpoints)
        {
            // What the old leader had not committed died with it; the requests' outcome is unknown.
            failAll(ErrorCode.DISCONNECTED,
                "cluster leader changed to node " + leaderMemberId + " with the request in flight");
        }

        private int drainCommands()
        {
            int count = 0;
            Runnable command;
            while ((command = commands.poll()) != null)
            {
                command.run();
                count++;
            }
            return count;
        }

        private int pollCluster(final long nowNs)
        {
            if (cluster != null)
            {
                if (cluster.isClosed())
                {
                    cluster = null;
                    failAll(ErrorCode.DISCONNECTED, "connection to the cluster lost with the request in flight");
                    nextConnectAttemptNs = nowNs + RECONNECT_DELAY_NS;
                    return 1;
                }
                return cluster.pollEgress();
            }

            if (asyncConnect == null)
            {
                if (nowNs < nextConnectAttemptNs || !wantsConnection())
                {
                    return 0;
                }
                asyncConnect = AeronCluster.asyncConnect(new AeronCluster.Context()
                    .aeron(aeron)
                    .ownsAeronClient(false)
                    .ingressChannel("aeron:udp?term-length=16m|sparse=true" + AeronSettings.mtuParam(localHost(members)))
                    .ingressEndpoints(members.ingressEndpoints())
                    .egressChannel("aeron:udp?endpoint=" + localHost(members) + ":0|term-length=16m|sparse=true" +
                        AeronSettings.mtuParam(localHost(members)))
                    .egressListener(this)
                    .credentialsSupplier(credentialsSupplier())
                    .messageTimeoutNs(5_000_000_000L));
                return 1;
            }

            try
            {
                final AeronCluster connected = asyncConnect.poll();
                if (connected != null)
                {
                    asyncConnect = null;
                    cluster = connected;
                    lastConnectError = "connected";
                    authenticationFailure = null;
                    return 1;
                }
                return 0;
            }
            catch (final RuntimeException ex)
            {
                CloseHelper.quietClose(asyncConnect);
                asyncConnect = null;
                lastConnectError = firstLine(ex);
                nextConnectAttemptNs = nowNs + RECONNECT_DELAY_NS;
                if (ex instanceof AuthenticationException)
                {
                    // Trying again with the same credentials cannot succeed: fail what waits at once.
                    final String message = "authentication to cluster " + members + " failed" + (credentials == null ?
                        ": it requires credentials (set --credentials-file or TRIBUTARY_USERNAME and " +
                        "TRIBUTARY_PASSWORD)" : " for user '" + credentials.username() + "': wrong user name or " +
                        "password");
                    lastConnectError = message;
                    authenticationFailure = message;
                    for (final Outgoing request : outgoing)
                    {
                        request.handler.onFailure(ErrorCode.AUTHENTICATION_FAILED, message);
                    }
                    outgoing.clear();
                }
                return 1;
            }
        }

        private CredentialsSupplier credentialsSupplier()
        {
            return new io.tributary.log.internal.security.ScramCredentialsSupplier(credentials);
        }

        private boolean wantsConnection()
        {
            return !outgoing.isEmpty() || !duties.isEmpty() || !inflight.isEmpty();
        }

        private int sendOutgoing()
        {
            int sent = 0;
            while (cluster != null && !outgoing.isEmpty())
            {
                final Outgoing request = outgoing.peek();
                final long result = cluster.offer(request.message, 0, request.length);
                if (result > 0)
                {
                    outgoing.poll();
                    inflight.put(request.correlationId, new Inflight(request.deadlineNs, request.handler));
                    sent++;
                }
                else if (result == Publication.CLOSED)
                {
                    break;
                }
                else
                {
                    break;
                }
            }
            return sent;
        }

        private int expire(final long nowNs)
        {
            int expired = 0;
            for (final Iterator<Outgoing> it = outgoing.iterator(); it.hasNext(); )
            {
                final Outgoing request = it.next();
                if (nowNs - request.deadlineNs > 0)
                {
                    it.remove();
                    request.handler.onFailure(ErrorCode.TIMEOUT, "request not sent in time: " + connectionProblem());
                    expired++;
                }
            }
            final Long2ObjectHashMap<Inflight>.EntryIterator entries = inflight.entrySet().iterator();
            while (entries.hasNext())
            {
                entries.next();
                final Inflight request = entries.getValue();
                if (nowNs - request.deadlineNs > 0)
                {
                    entries.remove();
                    request.handler.onFailure(ErrorCode.TIMEOUT,
                        "no response from the cluster in time; the request may or may not have been applied");
                    expired++;
                }
            }
            return expired;
        }

        private void failAll(final ErrorCode code, final String message)
        {
            if (inflight.isEmpty())
            {
                return;
            }
            // In the order the requests were sent (correlation ids grow), so that handlers that send again do so
            // in the original order: a gateway's idempotent batches of a partition then arrive in sequence.
            final long[] correlationIds = new long[inflight.size()];
            int i = 0;
            for (final Long2ObjectHashMap<Inflight>.KeyIterator it = inflight.keySet().iterator(); it.hasNext(); )
            {
                correlationIds[i++] = it.nextLong();
            }
            java.util.Arrays.sort(correlationIds);
            final List<Inflight> failed = new ArrayList<>(correlationIds.length);
            for (final long correlationId : correlationIds)
            {
                failed.add(inflight.get(correlationId));
            }
            inflight.clear();
            for (final Inflight request : failed)
            {
                request.handler.onFailure(code, message);
            }
        }
    }

    /**
     * Aeron's connect errors carry a dump of every channel; the first line says what went wrong.
     */
    private static String firstLine(final Throwable ex)
    {
        final String message = ex.getMessage() == null ? "" : ex.getMessage().strip();
        final int newline = message.indexOf('\n');
        return ex.getClass().getSimpleName() + ": " + (newline < 0 ? message : message.substring(0, newline));
    }

    static String localHost(final ClusterMembers members)
    {
        for (final ClusterMembers.Member member : members.members())
        {
            if (!member.host().startsWith("127.") && !"localhost".equals(member.host()))
            {
                return "0.0.0.0";
            }
        }
        return "127.0.0.1";
    }

    private record Outgoing(
        long correlationId, DirectBuffer message, int length, long deadlineNs, ResponseHandler handler)
    {
    }

    private record Inflight(long deadlineNs, ResponseHandler handler)
    {
    }
}
