package io.tributary.connect.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The file source tailing a JSON-lines file of this harness.
 */
final class FileSourceHarness implements ConnectorHarness
{
    private final Path file;

    FileSourceHarness(final ConformanceEnv env) throws IOException
    {
        file = Files.createTempFile(env.dir(), "source-", ".jsonl");
    }

    public String type()
    {
        return "file";
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
        return "{ path: \"" + file + "\", format: json, poll_interval: 20ms }";
    }

    public String[] badBlock()
    {
        return new String[] {"{ format: json }", "source.file.path"};
    }

    public void feed(final int from, final int to) throws IOException
    {
        final StringBuilder lines = new StringBuilder();
        for (int id = from; id < to; id++)
        {
            lines.append(Ids.text(id)).append('\n');
        }
        Files.writeString(file, lines, StandardOpenOption.APPEND);
    }

    public String poisonError()
    {
        return "is not JSON";
    }

    public Poison poisonSource() throws IOException
    {
        Files.writeString(file, "not json\n", StandardOpenOption.APPEND);
        return Poison.DEAD_LETTERED;
    }
}
