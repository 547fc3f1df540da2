package io.tributary.log.internal.cluster;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The members of a cluster as users write them: {@code "0=127.0.0.1:9100,1=127.0.0.1:9200"}, each member an
 * {@code id=host:basePort}. Every node uses a fixed set of ports from its base port; see the offsets below.
 * Immutable and thread-safe.
 */
public final class ClusterMembers
{
    public static final String DEFAULT = "0=127.0.0.1:9100";
    public static final int INGRESS_PORT_OFFSET = 0;
    public static final int CONSENSUS_PORT_OFFSET = 1;
    public static final int LOG_PORT_OFFSET = 2;
    public static final int CATCHUP_PORT_OFFSET = 3;
    public static final int ARCHIVE_CONTROL_PORT_OFFSET = 4;
    public static final int FETCH_PORT_OFFSET = 5;
    /** Ports a node may use from its base port, as the CLI documents. */
    public static final int PORTS_PER_NODE = 20;

    /** One member: its id, host and base port. */
    public record Member(int id, String host, int basePort)
    {
        public String endpoint(final int portOffset)
        {
            return host + ":" + (basePort + portOffset);
        }
    }

    private final List<Member> members;

    private ClusterMembers(final List<Member> members)
    {
        this.members = members;
    }

    /**
     * Parse a members list.
     *
     * @param spec such as {@code "0=127.0.0.1:9100,1=127.0.0.1:9200,2=127.0.0.1:9300"}.
     * @return the members, ordered as written.
     * @throws IllegalArgumentException naming what is wrong with the list.
     */
    public static ClusterMembers parse(final String spec)
    {
        if (spec == null || spec.isBlank())
        {
            throw new IllegalArgumentException("cluster members list is empty; expected e.g. \"" + DEFAULT + "\"");
        }

        final List<Member> members = new ArrayList<>();
        for (final String part : spec.trim().split(","))
        {
            final String entry = part.trim();
            final int eq = entry.indexOf('=');
            final int colon = entry.lastIndexOf(':');
            if (eq <= 0 || colon <= eq + 1 || colon == entry.length() - 1)
            {
                throw new IllegalArgumentException(
                    "bad cluster member \"" + entry + "\": expected id=host:basePort, e.g. 0=127.0.0.1:9100");
            }

            final int id = parseInt(entry.substring(0, eq), "member id", entry);
            final String host = entry.substring(eq + 1, colon);
            final int basePort = parseInt(entry.substring(colon + 1), "base port", entry);
            if (id < 0)
            {
                throw new IllegalArgumentException("bad cluster member \"" + entry + "\": id must be >= 0");
            }
            if (basePort < 1 || basePort + PORTS_PER_NODE > 65536)
            {
                throw new IllegalArgumentException(
                    "bad cluster member \"" + entry + "\": base port must leave room for " + PORTS_PER_NODE + " ports");
            }
            for (final Member other : members)
            {
                if (other.id == id)
                {
                    throw new IllegalArgumentException("cluster member id " + id + " appears twice in \"" + spec + "\"");
                }
                if (other.host.equals(host) && Math.abs(other.basePort - basePort) < PORTS_PER_NODE)
                {
                    throw new IllegalArgumentException("cluster members " + other.id + " and " + id +
                        " overlap: base ports on one host must be at least " + PORTS_PER_NODE + " apart");
                }
            }
            members.add(new Member(id, host, basePort));
        }

        return new ClusterMembers(Collections.unmodifiableList(members));
    }

    public List<Member> members()
    {
        return members;
    }

    public int size()
    {
        return members.size();
    }

    public Member member(final int id)
    {
        for (final Member member : members)
        {
            if (member.id == id)
            {
                return member;
            }
        }
        throw new IllegalArgumentException("node id " + id + " is not in the members list " + this);
    }

    /**
     * @param id a member's id.
     * @return a members list naming that member alone: a client given it reads from that node's fetch server only.
     */
    public String only(final int id)
    {
        final Member member = member(id);
        return member.id + "=" + member.host + ":" + member.basePort;
    }

    /**
     * @return the members in Aeron Cluster's form: {@code id,ingress,consensus,log,catchup,archive|...}.
     */
    public String consensusMembers()
    {
        final StringBuilder sb = new StringBuilder();
        for (final Member m : members)
        {
            if (sb.length() > 0)
            {
                sb.append('|');
            }
            sb.append(m.id).append(',')
                .append(m.endpoint(INGRESS_PORT_OFFSET)).append(',')
                .append(m.endpoint(CONSENSUS_PORT_OFFSET)).append(',')
                .append(m.endpoint(LOG_PORT_OFFSET)).append(',')
                .append(m.endpoint(CATCHUP_PORT_OFFSET)).append(',')
                .append(m.endpoint(ARCHIVE_CONTROL_PORT_OFFSET));
        }
        return sb.toString();
    }

    /**
     * @return the ingress endpoints in Aeron Cluster client form: {@code 0=host:port,1=host:port}.
     */
    public String ingressEndpoints()
    {
        final StringBuilder sb = new StringBuilder();
        for (final Member m : members)
        {
            if (sb.length() > 0)
            {
                sb.append(',');
            }
            sb.append(m.id).append('=').append(m.endpoint(INGRESS_PORT_OFFSET));
        }
        return sb.toString();
    }

    public String toString()
    {
        final StringBuilder sb = new StringBuilder();
        for (final Member m : members)
        {
            if (sb.length() > 0)
            {
                sb.append(',');
            }
            sb.append(m.id).append('=').append(m.host).append(':').append(m.basePort);
        }
        return sb.toString();
    }

    private static int parseInt(final String text, final String what, final String entry)
    {
        try
        {
            return Integer.parseInt(text.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("bad cluster member \"" + entry + "\": " + what + " is not a number");
        }
    }
}
