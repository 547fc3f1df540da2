package io.tributary.pipeline.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * An operator in a pipeline's graph: what it is, its children, and how to create its processor in a task. Mutable
 * only while the pipeline is built; the built topology never changes it again.
 * <p>
 * Not thread-safe while building; read-only and shareable afterwards.
 */
public final class Node
{
    private final int id;
    private final String label;
    private final Function<NodeContext, Processor> factory;
    private final List<Node> children = new ArrayList<>();
    private final List<Node> lateChildren = new ArrayList<>();
    private final List<String> stores = new ArrayList<>();

    Node(final int id, final String label, final Function<NodeContext, Processor> factory)
    {
        this.id = id;
        this.label = label;
        this.factory = factory;
    }

    public int id()
    {
        return id;
    }

    public String label()
    {
        return label;
    }

    Processor create(final NodeContext context)
    {
        return factory.apply(context);
    }

    List<Node> children()
    {
        return children;
    }

    List<Node> lateChildren()
    {
        return lateChildren;
    }

    List<String> stores()
    {
        return stores;
    }
}
