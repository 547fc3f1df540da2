package io.tributary.connect.conformance;

/**
 * The generator source: it needs no feeding, readings 0 to 199 come at 400 a second.
 */
final class GeneratorSourceHarness implements ConnectorHarness
{
    public String type()
    {
        return "generator";
    }

    public boolean source()
    {
        return true;
    }

    public boolean exactPositions()
    {
        return true;
    }

    public String block(final String name)
    {
        return "{ rate: 400, count: 200, sensors: 5 }";
    }

    public String[] badBlock()
    {
        return new String[] {"{ rate: fast }", "source.generator.rate"};
    }

    public String unpoisonable()
    {
        return "the generator makes its own readings: there is no upstream input to poison";
    }

    public String poisonError()
    {
        return null;
    }

    public void feed(final int from, final int to)
    {
        // The generator makes its own readings; ids are their seq.
    }
}
