package io.tributary.bench;

/** How the report names sizes and counts. */
final class Sizes
{
    private Sizes()
    {
    }

    /**
     * @return {@code 100 B}, {@code 1 KB} (1,000 bytes, as the record sizes are written).
     */
    static String bytes(final int bytes)
    {
        return bytes >= 1000 && bytes % 1000 == 0 ? bytes / 1000 + " KB" : bytes + " B";
    }

    /**
     * @return {@code 10 M}, {@code 200 k}, {@code 999}.
     */
    static String count(final long n)
    {
        if (n >= 1_000_000 && n % 100_000 == 0)
        {
            return (n % 1_000_000 == 0 ? Long.toString(n / 1_000_000) : Double.toString(n / 1e6)) + " M";
        }
        if (n >= 1_000 && n % 1_000 == 0)
        {
            return n / 1_000 + " k";
        }
        return Long.toString(n);
    }
}
