package io.tributary.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiPredicate;

/**
 * Named branches for {@link Stream#split}: a record goes to the first branch whose predicate holds, else to the
 * {@link #otherwise} branch if there is one, else nowhere. Immutable: each call returns a new split.
 *
 * @param <K> key type.
 * @param <V> value type.
 */
public final class Split<K, V>
{
    private final Map<String, BiPredicate<? super K, ? super V>> branches;
    private final String otherwise;

    private Split(final Map<String, BiPredicate<? super K, ? super V>> branches, final String otherwise)
    {
        this.branches = branches;
        this.otherwise = otherwise;
    }

    /**
     * @return a split with one branch.
     */
    public static <K, V> Split<K, V> when(final String name, final BiPredicate<? super K, ? super V> predicate)
    {
        return new Split<K, V>(Map.of(), null).or(name, predicate);
    }

    /**
     * @return a copy with one more branch, tried after the others.
     */
    public Split<K, V> or(final String name, final BiPredicate<? super K, ? super V> predicate)
    {
        Objects.requireNonNull(predicate, "predicate");
        checkUnused(name);
        final LinkedHashMap<String, BiPredicate<? super K, ? super V>> copy = new LinkedHashMap<>(branches);
        copy.put(name, predicate);
        return new Split<>(copy, otherwise);
    }

    /**
     * @return a copy sending the records no predicate takes to this branch.
     */
    public Split<K, V> otherwise(final String name)
    {
        checkUnused(name);
        return new Split<>(branches, name);
    }

    /**
     * @return branch names in order, the otherwise branch last.
     */
    public List<String> names()
    {
        final List<String> names = new ArrayList<>(branches.keySet());
        if (otherwise != null)
        {
            names.add(otherwise);
        }
        return names;
    }

    /**
     * @return the name of the branch the record goes to, or null for none.
     */
    public String route(final K key, final V value)
    {
        for (final Map.Entry<String, BiPredicate<? super K, ? super V>> branch : branches.entrySet())
        {
            if (branch.getValue().test(key, value))
            {
                return branch.getKey();
            }
        }
        return otherwise;
    }

    private void checkUnused(final String name)
    {
        Names.check(name);
        if (branches.containsKey(name) || name.equals(otherwise))
        {
            throw new IllegalArgumentException("branch already defined: " + name);
        }
    }
}
