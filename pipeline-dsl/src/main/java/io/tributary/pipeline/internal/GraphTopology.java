package io.tributary.pipeline.internal;

import io.tributary.pipeline.Topology;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The built graph. Immutable after {@link GraphBuilder#build()}; shared by every task.
 */
public final class GraphTopology implements Topology
{
    private final String name;
    private final List<Node> nodes;
    private final Map<String, SourceSpec> sources;
    private final Set<String> sinkTopics;
    private final Map<String, String> changelogs;

    GraphTopology(final String name, final List<Node> nodes, final Map<String, SourceSpec> sources,
        final Set<String> sinkTopics, final Map<String, String> changelogs)
    {
        this.name = name;
        this.nodes = nodes;
        this.sources = sources;
        this.sinkTopics = sinkTopics;
        this.changelogs = Collections.unmodifiableMap(new LinkedHashMap<>(changelogs));
    }

    public String name()
    {
        return name;
    }

    public Set<String> sourceTopics()
    {
        final Set<String> topics = new TreeSet<>();
        sources.values().stream().filter(s -> s.kind() != SourceSpec.Kind.REPARTITION)
            .forEach(s -> topics.add(s.topic()));
        return Collections.unmodifiableSet(topics);
    }

    public Set<String> sinkTopics()
    {
        final Set<String> topics = new TreeSet<>(sinkTopics);
        topics.removeAll(repartitionTopics());
        return Collections.unmodifiableSet(topics);
    }

    public Set<String> repartitionTopics()
    {
        final Set<String> topics = new TreeSet<>();
        sources.values().stream().filter(s -> s.kind() == SourceSpec.Kind.REPARTITION)
            .forEach(s -> topics.add(s.topic()));
        return Collections.unmodifiableSet(topics);
    }

    public Map<String, String> changelogTopics()
    {
        return changelogs;
    }

    /**
     * @return every topic the pipeline's tasks read: sources and repartition topics.
     */
    public Set<String> inputTopics()
    {
        return new TreeSet<>(sources.keySet());
    }

    public List<Node> nodes()
    {
        return nodes;
    }

    public SourceSpec source(final String topic)
    {
        return sources.get(topic);
    }

    /**
     * @return the store names, without the task's own store.
     */
    public List<String> storeNames()
    {
        final List<String> names = new ArrayList<>(changelogs.keySet());
        names.remove(TaskState.TASK_STORE);
        return names;
    }

    /**
     * @return the largest out-of-orderness allowance of the stream sources, in ms.
     */
    public long outOfOrderness()
    {
        long max = 0;
        for (final SourceSpec s : sources.values())
        {
            max = Math.max(max, s.outOfOrderness());
        }
        return max;
    }

    public String describe()
    {
        final StringBuilder out = new StringBuilder();
        out.append("Pipeline ").append(name).append('\n');
        final Set<Node> printed = new LinkedHashSet<>();
        for (final SourceSpec source : sources.values())
        {
            describe(out, source.node(), 1, printed, "");
        }
        out.append("Stores (changelog topics):\n");
        changelogs.forEach((store, topic) -> out.append("  ").append(store).append(" -> ").append(topic).append('\n'));
        return out.toString();
    }

    private static void describe(final StringBuilder out, final Node node, final int depth, final Set<Node> printed,
        final String prefix)
    {
        out.append("  ".repeat(depth)).append(prefix).append(node.label());
        if (!printed.add(node))
        {
            out.append(" (see above)\n");
            return;
        }
        out.append('\n');
        for (final Node child : node.children())
        {
            describe(out, child, depth + 1, printed, "-> ");
        }
        for (final Node child : node.lateChildren())
        {
            describe(out, child, depth + 1, printed, "-late-> ");
        }
    }

    public String toString()
    {
        return describe();
    }
}
