package io.tributary.connect.spec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DurationsTest
{
    @Test
    void parsesEachUnit()
    {
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofSeconds(10), Durations.parse("10s"));
        assertEquals(Duration.ofMinutes(5), Durations.parse("5m"));
        assertEquals(Duration.ofHours(1), Durations.parse("1h"));
        assertEquals(Duration.ZERO, Durations.parse("0s"));
        assertEquals(Duration.ofSeconds(3), Durations.parse(" 3s "));
    }

    @Test
    void namesWhatIsWrong()
    {
        assertMessage("", "got nothing");
        assertMessage("10", "got '10' with no unit");
        assertMessage("10x", "unknown unit 'x'");
        assertMessage("10 s", "unknown unit ' s'");
        assertMessage("s", "got 's'");
        assertMessage("-5s", "got '-5s'");
        assertMessage("1.5s", "unknown unit '.5s'");
        assertMessage("99999999999999999999s", "too long");
        assertMessage("9999999999999999h", "too long");
    }

    @ParameterizedTest
    @ValueSource(strings = { "250ms", "0ms", "90s", "5m", "2h", "1001ms" })
    void formatReadsBack(final String text)
    {
        assertEquals(text, Durations.format(Durations.parse(text)));
    }

    @Test
    void formatPicksTheLargestExactUnit()
    {
        assertEquals("1m", Durations.format(Duration.ofSeconds(60)));
        assertEquals("61s", Durations.format(Duration.ofSeconds(61)));
    }

    private static void assertMessage(final String text, final String expected)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
        assertTrue(ex.getMessage().contains(expected), ex.getMessage());
    }
}
