package io.tributary.connect.cdc;

import io.tributary.connect.spec.FieldSpec;
import io.tributary.connect.spec.FieldType;
import io.tributary.connect.spec.Settings;

import java.time.Duration;
import java.util.Properties;

/**
 * What the CDC source types share: their topic, heartbeat, unwrap and pass-through fields, the checks of them, and
 * the Debezium properties they set alike. Stateless and thread-safe.
 */
final class CdcSettings
{
    private CdcSettings()
    {
    }

    static FieldSpec topicPrefix(final String topics)
    {
        return FieldSpec.optional("topic_prefix", FieldType.STRING, null,
            "topics are " + topics + "; absent: the connector's name", "shop");
    }

    static FieldSpec partitions()
    {
        return FieldSpec.optional("partitions", FieldType.INT, 1,
            "partitions of each table's topic when the connector creates it (compacted)", "3");
    }

    static FieldSpec unwrap()
    {
        return FieldSpec.optional("unwrap", FieldType.BOOLEAN, false,
            "false: the value is Debezium's envelope (before, after, source, op); true: the row after the " +
                "change (a delete is the tombstone alone)", "true");
    }

    static FieldSpec heartbeat(final String why)
    {
        return FieldSpec.optional("heartbeat", FieldType.DURATION, Duration.ofSeconds(10),
            "how often Debezium emits a heartbeat, which moves the stored position on while the tables are idle" +
                why + "; 0s: never", "30s");
    }

    static FieldSpec debezium()
    {
        return FieldSpec.optional("debezium", FieldType.STRING_MAP, null,
            "further Debezium connector properties, passed as they are (they override the fields above)",
            "{ \"decimal.handling.mode\": string }");
    }

    /**
     * Check the shared fields beyond their types.
     *
     * @throws IllegalArgumentException saying which is wrong.
     */
    static void validate(final Settings s)
    {
        final int port = s.integer("port");
        if (port < 1 || port > 65535)
        {
            throw new IllegalArgumentException("port must be 1 to 65535, got " + port);
        }
        if (s.integer("partitions") < 1)
        {
            throw new IllegalArgumentException("partitions must be at least 1, got " + s.integer("partitions"));
        }
        if (s.duration("heartbeat").isNegative())
        {
            throw new IllegalArgumentException("heartbeat must not be negative");
        }
    }

    /**
     * The Debezium properties every CDC source sets alike: connection, snapshot mode, topics, heartbeats.
     */
    static Properties common(final Settings settings, final String connector)
    {
        final Properties p = new Properties();
        p.setProperty("database.hostname", settings.string("host"));
        p.setProperty("database.port", Integer.toString(settings.integer("port")));
        p.setProperty("database.user", settings.string("user"));
        if (settings.has("password"))
        {
            p.setProperty("database.password", settings.string("password"));
        }
        p.setProperty("snapshot.mode", settings.string("snapshot_mode"));
        p.setProperty("topic.prefix", settings.has("topic_prefix") ? settings.string("topic_prefix") : connector);
        p.setProperty("heartbeat.interval.ms", Long.toString(settings.duration("heartbeat").toMillis()));
        p.setProperty("topic.heartbeat.prefix", ChangeEvents.HEARTBEAT_TOPIC_PREFIX);
        p.setProperty("tombstones.on.delete", "true");
        // Debezium's commits only tell the database what is durable (the log holds the truth): often.
        p.setProperty("offset.flush.interval.ms", "1000");
        p.setProperty("poll.interval.ms", "50");
        return p;
    }
}
