package io.tributary.examples;

import io.tributary.testing.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo the README's quick start runs does what it says, on free ports.
 */
@Timeout(180)
class QuickstartDemoIT
{
    @Test
    void demoWritesAndReadsEveryRecord() throws Exception
    {
        final String members = "0=127.0.0.1:" + TestCluster.freeBasePorts(1).get(0);
        final StringWriter text = new StringWriter();
        QuickstartDemo.run(new PrintWriter(text), members);
        final String out = text.toString().replace(System.lineSeparator(), "\n");
        assertTrue(out.contains("produced 10,000 records"), out);
        assertTrue(out.contains("consumed 10,000 records"), out);
        assertTrue(out.matches("(?s).*partition 3 holds offsets 0\\.\\.\\d+, group demo-readers committed \\d+.*"), out);
        assertTrue(out.endsWith("done\n"), out);
    }
}
