package io.tributary.connect.conformance;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The stdout sink printing values into a buffer of this harness.
 */
final class StdoutSinkHarness implements ConnectorHarness
{
    private final StringWriter text = new StringWriter();
    private final PrintWriter out = new PrintWriter(text, true);

    public String type()
    {
        return "stdout";
    }

    public boolean source()
    {
        return false;
    }

    public String block(final String name)
    {
        return "{ format: value }";
    }

    public String[] badBlock()
    {
        return new String[] {"{ format: yaml }", "sink.stdout.format"};
    }

    public String poisonError()
    {
        return "value is not UTF-8 text";
    }

    /**
     * @return bytes that are not UTF-8 (a lone continuation byte), which cannot be written as text without loss.
     */
    public byte[] poisonValue()
    {
        return new byte[] {'{', (byte) 0x80, '}'};
    }

    public PrintWriter stdout()
    {
        return out;
    }

    public List<Integer> delivered()
    {
        final List<Integer> ids = new ArrayList<>();
        final String all;
        synchronized (text.getBuffer())
        {
            all = text.toString();
        }
        for (final String line : all.split("\n"))
        {
            if (!line.isBlank())
            {
                ids.add(Ids.of(line.getBytes(StandardCharsets.UTF_8)));
            }
        }
        return ids;
    }
}
