package io.tributary.ops;

import io.tributary.log.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordFormatTest
{
    private static final ConsumerRecord<String, String> RECORD =
        new ConsumerRecord<>("orders", 3, 42L, 1_700_000_000_123L, 1_700_000_000_200L, "k1", "v1", List.of());
    private static final ConsumerRecord<String, String> NULLS =
        new ConsumerRecord<>("orders", 0, 7L, 5L, 6L, null, null, List.of());

    @Test
    void defaultIsValueAndNewline()
    {
        assertEquals("v1\n", RecordFormat.parse("%s\\n").render(RECORD));
    }

    @Test
    void everyDirective()
    {
        assertEquals("orders|3|42|k1|v1|1700000000123",
            RecordFormat.parse("%t|%p|%o|%k|%s|%T").render(RECORD));
    }

    @Test
    void escapesAndPercent()
    {
        assertEquals("k1\tv1 100%\r\n\\", RecordFormat.parse("%k\\t%s 100%%\\r\\n\\\\").render(RECORD));
    }

    @Test
    void nullKeyAndValuePrintEmpty()
    {
        assertEquals("=;\n", RecordFormat.parse("%k=%s;\\n").render(NULLS));
    }

    @Test
    void literalTextOnly()
    {
        assertEquals("x", RecordFormat.parse("x").render(RECORD));
        assertEquals("", RecordFormat.parse("").render(RECORD));
    }

    @Test
    void realControlCharactersPassThrough()
    {
        assertEquals("v1\n", RecordFormat.parse("%s\n").render(RECORD));
    }

    @Test
    void namesWhatIsWrong()
    {
        assertMessage("%x", "unknown directive '%x'");
        assertMessage("%s\\q", "unknown escape '\\q'");
        assertMessage("%s%", "ends with a lone '%'");
        assertMessage("%s\\", "ends with a lone '\\'");
    }

    private static void assertMessage(final String format, final String expected)
    {
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> RecordFormat.parse(format));
        assertTrue(ex.getMessage().contains(expected), ex.getMessage());
    }
}
