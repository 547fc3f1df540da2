package io.tributary.connect.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

@Timeout(10)
class SuggestionsTest
{
    @Test
    void closeWordsAreSuggestedFarOnesAreNot()
    {
        final List<String> keys = List.of("topics", "qos", "url", "client_id", "max_backoff");
        assertEquals(Optional.of("qos"), Suggestions.closest("qso", keys));
        assertEquals(Optional.of("topics"), Suggestions.closest("topic", keys));
        assertEquals(Optional.of("client_id"), Suggestions.closest("clientid", keys));
        assertEquals(Optional.of("max_backoff"), Suggestions.closest("max_bakcoff", keys));
        assertEquals(Optional.empty(), Suggestions.closest("password", keys));
        assertEquals(1, Suggestions.distance("ab", "ba"));
        assertEquals(3, Suggestions.distance("kitten", "sitting"));
    }

    @Test
    void environmentVariablesAreSubstitutedTemplatesKept()
    {
        final EnvSubstitution env = new EnvSubstitution(Map.of("A", "1", "DB_PASS", "x$y"));
        assertEquals("1-x$y", env.apply("${A}-${DB_PASS}"));
        assertEquals("${mqtt.topic}", env.apply("${mqtt.topic}"));
        assertEquals("${A}", env.apply("$${A}"));
        assertEquals("environment variable NOPE is not set",
            assertThrows(IllegalArgumentException.class, () -> env.apply("${NOPE}")).getMessage());
    }
}
