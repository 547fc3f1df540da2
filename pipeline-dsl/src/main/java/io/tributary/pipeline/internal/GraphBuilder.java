package io.tributary.pipeline.internal;

import io.tributary.pipeline.Consumed;
import io.tributary.pipeline.Record;
import io.tributary.pipeline.Serde;
import io.tributary.pipeline.TimestampExtractor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The graph a pipeline builder grows: nodes in creation order (which is a topological order, since a node is only
 * ever added below nodes that exist), sources, sinks and stores, with the checks that names are unique.
 * <p>
 * Not thread-safe: one thread builds a pipeline.
 */
public final class GraphBuilder
{
    private final String pipelineName;
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, SourceSpec> sources = new LinkedHashMap<>();
    private final Set<String> sinkTopics = new LinkedHashSet<>();
    private final Map<String, String> stores = new LinkedHashMap<>();
    private final Set<String> operatorNames = new LinkedHashSet<>();
    private boolean built;

    public GraphBuilder(final String pipelineName)
    {
        this.pipelineName = pipelineName;
    }

    public String pipelineName()
    {
        return pipelineName;
    }

    /**
     * Add a node below the given parents.
     */
    public Node add(final String label, final Function<NodeContext, Processor> factory, final Node... parents)
    {
        checkOpen();
        final Node node = new Node(nodes.size(), label, factory);
        nodes.add(node);
        for (final Node parent : parents)
        {
            parent.children().add(node);
        }
        return node;
    }

    /**
     * Add a node below a parent's late-record output.
     */
    public Node addLate(final String label, final Function<NodeContext, Processor> factory, final Node parent)
    {
        checkOpen();
        final Node node = new Node(nodes.size(), label, factory);
        nodes.add(node);
        parent.lateChildren().add(node);
        return node;
    }

    @SuppressWarnings("unchecked")
    public <K, V> Node source(final String topic, final SourceSpec.Kind kind, final Consumed<K, V> consumed,
        final String storeName)
    {
        checkOpen();
        if (sources.containsKey(topic))
        {
            throw new IllegalArgumentException("topic " + topic + " is already a source of this pipeline; reuse its "
                + "stream instead");
        }
        final Node node;
        if (kind == SourceSpec.Kind.TABLE)
        {
            final Serde<Object> keySerde = (Serde<Object>)consumed.keySerde();
            final Serde<Object> valueSerde = (Serde<Object>)consumed.valueSerde();
            node = add("table " + topic + " [store " + storeName + "]", ctx -> new Processor()
            {
                private final KeyValueStore store = ctx.store(storeName);

                public void process(final Record<Object, Object> record)
                {
                    store.put(Bytes.wrap(keySerde.serialize(record.key())), valueSerde.serialize(record.value()));
                    ctx.forward(record);
                }
            });
            node.stores().add(storeName);
        }
        else
        {
            node = add((kind == SourceSpec.Kind.STREAM ? "source " : "repartition source ") + topic,
                ctx -> ctx::forward);
        }
        sources.put(topic, new SourceSpec(topic, kind, node, (Serde<Object>)consumed.keySerde(),
            (Serde<Object>)consumed.valueSerde(), (TimestampExtractor<Object, Object>)consumed.timestamps(),
            consumed.outOfOrderness().toMillis()));
        return node;
    }

    public void sinkTopic(final String topic)
    {
        sinkTopics.add(topic);
    }

    /**
     * Claim an operator name; a second operator with the same name is an error.
     */
    public void claimName(final String name)
    {
        if (!operatorNames.add(name))
        {
            throw new IllegalArgumentException("operator name already used in pipeline " + pipelineName + ": " + name);
        }
    }

    /**
     * Register a store; its changelog topic is {@code <pipeline>-<store>-changelog}.
     */
    public String store(final String storeName, final Node owner)
    {
        if (stores.containsKey(storeName) || TaskState.TASK_STORE.equals(storeName))
        {
            throw new IllegalArgumentException("store name already used: " + storeName);
        }
        stores.put(storeName, changelogTopic(pipelineName, storeName));
        if (owner != null)
        {
            owner.stores().add(storeName);
        }
        return storeName;
    }

    public String repartitionTopic(final String name)
    {
        return pipelineName + "-" + name + "-repartition";
    }

    public static String changelogTopic(final String pipelineName, final String storeName)
    {
        return pipelineName + "-" + storeName + "-changelog";
    }

    public GraphTopology build()
    {
        checkOpen();
        built = true;
        if (sources.isEmpty())
        {
            throw new IllegalStateException("pipeline " + pipelineName + " reads no topic");
        }
        final Map<String, String> changelogs = new LinkedHashMap<>();
        changelogs.put(TaskState.TASK_STORE, changelogTopic(pipelineName, TaskState.TASK_STORE));
        changelogs.putAll(stores);
        return new GraphTopology(pipelineName, List.copyOf(nodes), Map.copyOf(sources), Set.copyOf(sinkTopics),
            changelogs);
    }

    private void checkOpen()
    {
        if (built)
        {
            throw new IllegalStateException("pipeline " + pipelineName + " was already built");
        }
    }
}
