package io.tributary.kafka;

import io.tributary.log.TopicDescription;
import io.tributary.log.internal.client.ClusterRequests;
import io.tributary.log.internal.cluster.TopicConfig;
import org.apache.kafka.common.Uuid;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Kafka topic ids and the names they stand for. A Kafka topic id is derived from Tributary's topic id, which is part
 * of the replicated state: the high 64 bits are {@link #TOPIC_ID_TAG} ("tributar"), the low 64 bits Tributary's id.
 * So ids are stable across restarts, the same from every gateway, and new when a topic is deleted and created again.
 * Names by id are cached: an id is never reused, so an entry never goes stale.
 * <p>
 * Threading: thread-safe.
 */
final class TopicNames
{
    /** The first half of every topic id the gateway gives out ("tributar"); the second is Tributary's topic id. */
    static final long TOPIC_ID_TAG = 0x7472696275746172L;

    private static final int DEFAULT_MAX_MESSAGE_BYTES =
        Integer.parseInt(TopicConfig.DEFAULT.toMap().get(TopicConfig.MAX_MESSAGE_BYTES));

    private final ClusterRequests requests;
    private final ConcurrentHashMap<Long, String> names = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Integer> maxMessageBytes = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Uuid> idsByName = new ConcurrentHashMap<>();

    TopicNames(final ClusterRequests requests)
    {
        this.requests = requests;
    }

    /**
     * @return the Kafka topic id of a Tributary topic.
     */
    static Uuid topicId(final long tributaryTopicId)
    {
        return new Uuid(TOPIC_ID_TAG, tributaryTopicId);
    }

    void remember(final Collection<TopicDescription> topics)
    {
        for (final TopicDescription t : topics)
        {
            names.put(t.topicId(), t.name());
            idsByName.put(t.name(), topicId(t.topicId()));
            final String limit = t.configs().get(TopicConfig.MAX_MESSAGE_BYTES);
            if (limit != null)
            {
                maxMessageBytes.put(t.name(), Integer.parseInt(limit));
            }
        }
    }

    /**
     * @return the topic's {@code max.message.bytes} as last seen in a listing (every Metadata answer is one, and
     *         Kafka producers ask for Metadata before they produce), else the default.
     */
    int maxMessageBytes(final String topic)
    {
        return maxMessageBytes.getOrDefault(topic, DEFAULT_MAX_MESSAGE_BYTES);
    }

    /**
     * @return the Kafka topic id of a topic by name, or null when this gateway has not seen it yet.
     */
    Uuid id(final String name)
    {
        return idsByName.get(name);
    }

    /**
     * @return the name of the topic with this Kafka topic id, or null when unknown (to this gateway so far).
     */
    String name(final Uuid id)
    {
        return id == null || id.getMostSignificantBits() != TOPIC_ID_TAG ? null :
            names.get(id.getLeastSignificantBits());
    }

    /**
     * @return completed once every id given is in the name cache or known not to exist.
     */
    CompletableFuture<Void> resolve(final List<Uuid> ids)
    {
        boolean missing = false;
        for (final Uuid id : ids)
        {
            missing |= id.getMostSignificantBits() == TOPIC_ID_TAG && !names.containsKey(id.getLeastSignificantBits());
        }
        if (!missing)
        {
            return CompletableFuture.completedFuture(null);
        }
        // A failed lookup leaves the ids unknown: those topics are answered UNKNOWN_TOPIC_ID.
        return requests.metadata(List.of()).handle((topics, ex) ->
        {
            if (topics != null)
            {
                remember(topics.values());
            }
            return null;
        });
    }

    static void addId(final List<Uuid> ids, final Uuid id)
    {
        if (id != null && !Uuid.ZERO_UUID.equals(id))
        {
            ids.add(id);
        }
    }
}
