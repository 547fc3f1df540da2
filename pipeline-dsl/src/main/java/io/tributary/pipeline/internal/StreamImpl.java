package io.tributary.pipeline.internal;

import io.tributary.pipeline.Consumed;
import io.tributary.pipeline.Grouped;
import io.tributary.pipeline.KeyValue;
import io.tributary.pipeline.KeyedStream;
import io.tributary.pipeline.Produced;
import io.tributary.pipeline.Record;
import io.tributary.pipeline.Split;
import io.tributary.pipeline.Stream;
import io.tributary.pipeline.Table;
import io.tributary.pipeline.TopicRouter;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import java.util.function.Function;

/**
 * The {@link Stream} stage: each call adds a node below this one.
 * <p>
 * Not thread-safe: one thread builds a pipeline.
 *
 * @param <K> key type.
 * @param <V> value type.
 */
@SuppressWarnings("unchecked")
public final class StreamImpl<K, V> implements Stream<K, V>
{
    private final GraphBuilder builder;
    private final Node node;

    public StreamImpl(final GraphBuilder builder, final Node node)
    {
        this.builder = builder;
        this.node = node;
    }

    Node node()
    {
        return node;
    }

    public Stream<K, V> filter(final BiPredicate<? super K, ? super V> predicate)
    {
        Objects.requireNonNull(predicate, "predicate");
        return next("filter", ctx -> r ->
        {
            if (predicate.test((K)r.key(), (V)r.value()))
            {
                ctx.forward(r);
            }
        });
    }

    public <K2, V2> Stream<K2, V2> map(final BiFunction<? super K, ? super V, KeyValue<K2, V2>> mapper)
    {
        Objects.requireNonNull(mapper, "mapper");
        return next("map", ctx -> r ->
        {
            final KeyValue<K2, V2> kv = mapper.apply((K)r.key(), (V)r.value());
            ctx.forward(new Record<>(kv.key(), kv.value(), r.timestamp()));
        });
    }

    public <V2> Stream<K, V2> mapValues(final Function<? super V, ? extends V2> mapper)
    {
        Objects.requireNonNull(mapper, "mapper");
        return next("mapValues", ctx -> r -> ctx.forward(new Record<>(r.key(), mapper.apply((V)r.value()),
            r.timestamp())));
    }

    public <K2, V2> Stream<K2, V2> flatMap(
        final BiFunction<? super K, ? super V, ? extends Iterable<KeyValue<K2, V2>>> mapper)
    {
        Objects.requireNonNull(mapper, "mapper");
        return next("flatMap", ctx -> r ->
        {
            for (final KeyValue<K2, V2> kv : mapper.apply((K)r.key(), (V)r.value()))
            {
                ctx.forward(new Record<>(kv.key(), kv.value(), r.timestamp()));
            }
        });
    }

    public Stream<K, V> peek(final BiConsumer<? super K, ? super V> action)
    {
        Objects.requireNonNull(action, "action");
        return next("peek", ctx -> r ->
        {
            action.accept((K)r.key(), (V)r.value());
            ctx.forward(r);
        });
    }

    public Stream<K, V> merge(final Stream<K, V> other)
    {
        final Node otherNode = ((StreamImpl<K, V>)other).node;
        return new StreamImpl<>(builder, builder.add("merge", ctx -> ctx::forward, node, otherNode));
    }

    public Map<String, Stream<K, V>> split(final Split<K, V> split)
    {
        final List<String> names = split.names();
        final Node router = builder.add("split " + names, ctx -> r ->
        {
            final String branch = split.route((K)r.key(), (V)r.value());
            if (branch != null)
            {
                ctx.forwardTo(names.indexOf(branch), r);
            }
        }, node);
        final Map<String, Stream<K, V>> branches = new LinkedHashMap<>();
        for (final String name : names)
        {
            branches.put(name, new StreamImpl<>(builder, builder.add("branch " + name, ctx -> ctx::forward, router)));
        }
        return branches;
    }

    public void to(final String topic, final Produced<K, V> produced)
    {
        Objects.requireNonNull(topic, "topic");
        builder.sinkTopic(topic);
        builder.add("sink " + topic, ctx -> r -> ctx.emit(topic, produced.keySerde().serialize((K)r.key()),
            produced.valueSerde().serialize((V)r.value()), r.timestamp()), node);
    }

    public void to(final TopicRouter<K, V> router, final Produced<K, V> produced)
    {
        Objects.requireNonNull(router, "router");
        builder.add("sink (routed by record)", ctx -> r ->
        {
            final Record<K, V> record = (Record<K, V>)(Record<?, ?>)r;
            ctx.emit(router.topic(record), produced.keySerde().serialize(record.key()),
                produced.valueSerde().serialize(record.value()), record.timestamp());
        }, node);
    }

    public <K2> KeyedStream<K2, V> keyBy(final BiFunction<? super K, ? super V, ? extends K2> selector,
        final Grouped<K2, V> grouped)
    {
        Objects.requireNonNull(selector, "selector");
        builder.claimName(grouped.name());
        final String topic = builder.repartitionTopic(grouped.name());
        builder.sinkTopic(topic);
        builder.add("keyBy " + grouped.name() + " -> " + topic, ctx -> r ->
        {
            final K2 key = selector.apply((K)r.key(), (V)r.value());
            ctx.emit(topic, grouped.keySerde().serialize(key), grouped.valueSerde().serialize((V)r.value()),
                r.timestamp());
        }, node);
        final Node source = builder.source(topic, SourceSpec.Kind.REPARTITION,
            Consumed.with(grouped.keySerde(), grouped.valueSerde()), null);
        return new KeyedStreamImpl<>(builder, source, grouped);
    }

    public <VT, R> Stream<K, R> join(final Table<K, VT> table,
        final BiFunction<? super V, ? super VT, ? extends R> joiner)
    {
        return tableJoin(table, joiner, false);
    }

    public <VT, R> Stream<K, R> leftJoin(final Table<K, VT> table,
        final BiFunction<? super V, ? super VT, ? extends R> joiner)
    {
        return tableJoin(table, joiner, true);
    }

    private <VT, R> Stream<K, R> tableJoin(final Table<K, VT> table,
        final BiFunction<? super V, ? super VT, ? extends R> joiner, final boolean left)
    {
        Objects.requireNonNull(joiner, "joiner");
        final TableImpl<K, VT> t = (TableImpl<K, VT>)table;
        return next((left ? "leftJoin table " : "join table ") + t.name(), ctx -> new Processor()
        {
            private final KeyValueStore store = ctx.store(t.name());

            public void process(final Record<Object, Object> r)
            {
                final byte[] bytes = store.get(Bytes.wrap(t.keySerde().serialize((K)r.key())));
                if (bytes != null || left)
                {
                    final VT row = bytes == null ? null : t.valueSerde().deserialize(bytes);
                    ctx.forward(new Record<>(r.key(), joiner.apply((V)r.value(), row), r.timestamp()));
                }
            }
        });
    }

    private <K2, V2> Stream<K2, V2> next(final String label,
        final Function<NodeContext, Processor> factory)
    {
        return new StreamImpl<>(builder, builder.add(label, factory, node));
    }
}
