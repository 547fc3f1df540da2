package io.tributary.connect.config;

import java.util.Collection;
import java.util.Optional;

/**
 * "Did you mean" for a misspelt key or word: the closest candidate by edit distance, when close enough to be a
 * likely typo. Stateless and thread-safe.
 */
public final class Suggestions
{
    private Suggestions()
    {
    }

    /**
     * @return the candidate nearest to {@code word} if it is within a third of the word's length (at least 1, at
     *         most 3 edits), else empty.
     */
    public static Optional<String> closest(final String word, final Collection<String> candidates)
    {
        final int limit = Math.max(1, Math.min(3, word.length() / 3));
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (final String candidate : candidates)
        {
            final int d = distance(word, candidate);
            if (d < bestDistance)
            {
                best = candidate;
                bestDistance = d;
            }
        }
        return bestDistance <= limit ? Optional.of(best) : Optional.empty();
    }

    /**
     * @return {@code " (did you mean 'x'?)"} or the empty string.
     */
    public static String hint(final String word, final Collection<String> candidates)
    {
        return closest(word, candidates).map(s -> " (did you mean '" + s + "'?)").orElse("");
    }

    /**
     * @return the Damerau-Levenshtein distance (optimal string alignment): inserts, deletes, substitutions and
     *         swaps of adjacent characters each cost one.
     */
    public static int distance(final String a, final String b)
    {
        final int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++)
        {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++)
        {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++)
        {
            for (int j = 1; j <= b.length(); j++)
            {
                final int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1))
                {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
