package io.tributary.log.internal.cluster;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TopicConfigTest
{
    @Test
    void defaultsAreKafkasWhereTheyMeanTheSame()
    {
        final Map<String, String> map = TopicConfig.DEFAULT.toMap();
        assertEquals("604800000", map.get("retention.ms"));
        assertEquals("-1", map.get("retention.bytes"));
        assertEquals("delete", map.get("cleanup.policy"));
        assertEquals("1048576", map.get("max.message.bytes"));
    }

    @Test
    void parsesAndRoundTrips()
    {
        final TopicConfig config = TopicConfig.parse(Map.of(
            "retention.ms", "86400000", "cleanup.policy", "delete, compact", "segment.bytes", "1048576"));
        assertEquals(86_400_000L, config.retentionMs());
        assertEquals("compact,delete", config.cleanupPolicy());
        assertEquals(1_048_576, config.segmentBytes());
        assertEquals(config, TopicConfig.parse(config.toMap()));
        assertEquals(-1, TopicConfig.parse(Map.of("retention.ms", "-1")).retentionMs());
    }

    @Test
    void refusesUnknownKeysAndBadValuesByName()
    {
        assertMessage(Map.of("retention.msx", "1"), "unknown topic config 'retention.msx'");
        assertMessage(Map.of("retention.ms", "1d"), "retention.ms: not a whole number");
        assertMessage(Map.of("retention.ms", "-2"), "between -1 and");
        assertMessage(Map.of("cleanup.policy", "never"), "expected delete, compact or compact,delete");
        assertMessage(Map.of("segment.bytes", "10"), "segment.bytes: must be between 1024");
        assertMessage(Map.of("max.message.bytes", "2000000"), "max.message.bytes: must be between 64 and 1048576");
    }

    @Test
    void tieredCopyIsOffByDefaultAndOnlyForDeletePolicy()
    {
        assertFalse(TopicConfig.DEFAULT.remoteStorage());
        assertEquals(-1, TopicConfig.DEFAULT.archiveRetentionMs());
        final TopicConfig tiered = TopicConfig.parse(Map.of(
            "remote.storage.enable", "true", "archive.retention.ms", "86400000"));
        assertTrue(tiered.remoteStorage());
        assertEquals(86_400_000L, tiered.archiveRetentionMs());
        assertEquals(tiered, TopicConfig.parse(tiered.toMap()));
        assertMessage(Map.of("remote.storage.enable", "yes"), "remote.storage.enable: expected true or false");
        assertMessage(Map.of("remote.storage.enable", "true", "cleanup.policy", "compact"),
            "remote.storage.enable=true needs cleanup.policy=delete");
        assertMessage(Map.of("archive.retention.ms", "-5"), "between -1 and");
    }

    @Test
    void topicNamesFollowKafkasRules()
    {
        assertTrue(PartitionLogService.isValidTopicName("orders.v1_EU-2"));
        assertTrue(PartitionLogService.isValidTopicName("x".repeat(249)));
        assertFalse(PartitionLogService.isValidTopicName("x".repeat(250)));
        assertFalse(PartitionLogService.isValidTopicName(""));
        assertFalse(PartitionLogService.isValidTopicName(".."));
        assertFalse(PartitionLogService.isValidTopicName("a b"));
    }

    private static void assertMessage(final Map<String, String> configs, final String expected)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> TopicConfig.parse(configs));
        assertTrue(ex.getMessage().contains(expected), ex.getMessage());
    }
}
