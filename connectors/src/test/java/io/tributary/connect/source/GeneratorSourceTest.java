package io.tributary.connect.source;

import io.tributary.connect.ConnectorContext;
import io.tributary.connect.SourceRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

@Timeout(10)
class GeneratorSourceTest
{
    @Test
    void aRestartFromAPositionContinuesTheSameSequence() throws Exception
    {
        final ConnectorContext context = new ConnectorContext("g", "0=127.0.0.1:9100",
            new PrintWriter(new StringWriter()));
        final GeneratorSource first = new GeneratorSource(new GeneratorSource.Config(0, 5, 10, 1));
        first.start(context, null);
        final List<SourceRecord> a = first.poll(4, Duration.ofMillis(10));
        assertEquals(4, a.size());
        assertEquals("4", a.get(3).position());
        final GeneratorSource second = new GeneratorSource(new GeneratorSource.Config(0, 5, 10, 1));
        second.start(context, "4");
        final List<SourceRecord> b = second.poll(100, Duration.ofMillis(10));
        assertEquals(6, b.size(), "stops at count");
        assertEquals("4", b.get(0).attributes().get("generator.seq"));
        assertEquals(List.of(), second.poll(100, Duration.ofMillis(10)));
    }
}
