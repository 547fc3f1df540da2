package io.tributary.connect.config;

import io.tributary.connect.spec.ComponentSpec;
import io.tributary.connect.spec.FieldSpec;
import io.tributary.connect.spec.FieldType;

import java.time.Duration;
import java.util.List;

/**
 * The specs of the blocks every connector shares: {@code to}, {@code from}, {@code batching}, {@code retry} and
 * {@code dead_letter}.
 */
public final class SharedBlocks
{
    public static final ComponentSpec TO = ComponentSpec.of("to",
        "Where a source writes its records.",
        FieldSpec.required("topic", FieldType.STRING, "the topic records are written to", "sensor-readings"),
        FieldSpec.optional("key", FieldType.STRING, null,
            "record key template: text with ${attribute} from the source (e.g. ${mqtt.topic}, ${file.line}); " +
                "absent: the source's own key", "\"${mqtt.topic}\""),
        FieldSpec.optional("partitions", FieldType.INT, 1, "partitions when the connector creates the topic", "3"));

    public static final ComponentSpec FROM = ComponentSpec.of("from",
        "What a sink reads.",
        FieldSpec.required("topics", FieldType.STRING_LIST, "topics to read", "[alerts]"),
        FieldSpec.optional("group", FieldType.STRING, null, "consumer group; absent: the connector's name",
            "alerts-out"),
        FieldSpec.oneOf("start", "earliest", List.of("earliest", "latest"),
            "where a new group starts reading"));

    public static final ComponentSpec BATCHING = ComponentSpec.of("batching",
        "How records are grouped: a batch is closed at count records or after period, whichever comes first.",
        FieldSpec.optional("count", FieldType.INT, 500, "most records in a batch", "500"),
        FieldSpec.optional("period", FieldType.DURATION, Duration.ofMillis(100),
            "longest wait for a batch to fill", "100ms"));

    public static final ComponentSpec RETRY = ComponentSpec.of("retry",
        "Retries of a failed delivery or append, with exponential backoff.",
        FieldSpec.optional("max_attempts", FieldType.INT, 5, "attempts before records go to the dead-letter topic",
            "10"),
        FieldSpec.optional("backoff", FieldType.DURATION, Duration.ofMillis(200), "first wait between attempts",
            "200ms"),
        FieldSpec.optional("max_backoff", FieldType.DURATION, Duration.ofSeconds(10), "longest wait between attempts",
            "10s"));

    public static final ComponentSpec DEAD_LETTER = ComponentSpec.of("dead_letter",
        "Where records go that keep failing or cannot be converted, with headers saying why.",
        FieldSpec.optional("topic", FieldType.STRING, null, "dead-letter topic; absent: <name>.dlq",
            "alerts-out.dlq"));

    public static final List<ComponentSpec> ALL = List.of(TO, FROM, BATCHING, RETRY, DEAD_LETTER);

    private SharedBlocks()
    {
    }
}
