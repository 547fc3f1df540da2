package io.tributary.log.internal.cluster;

import io.aeron.ExclusivePublication;
import io.aeron.Image;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.aeron.FragmentAssembler;
import io.tributary.log.TopicPartition;
import io.tributary.log.internal.FileTrees;
import io.tributary.log.internal.codecs.GroupOffsetsSnapshotDecoder;
import io.tributary.log.internal.codecs.GroupOffsetsSnapshotEncoder;
import io.tributary.log.internal.codecs.MessageHeaderDecoder;
import io.tributary.log.internal.codecs.MessageHeaderEncoder;
import io.tributary.log.internal.codecs.PendingCompactionSnapshotDecoder;
import io.tributary.log.internal.codecs.PendingCompactionSnapshotEncoder;
import io.tributary.log.internal.codecs.ProducerStateSnapshotDecoder;
import io.tributary.log.internal.codecs.SnapshotBeginDecoder;
import io.tributary.log.internal.codecs.SnapshotBeginEncoder;
import io.tributary.log.internal.codecs.SnapshotEndDecoder;
import io.tributary.log.internal.codecs.SnapshotEndEncoder;
import io.tributary.log.internal.codecs.TopicSnapshotDecoder;
import io.tributary.log.internal.codecs.TopicSnapshotEncoder;
import io.tributary.log.internal.storage.ArchivedLog;
import io.tributary.log.internal.storage.CompactionCheck;
import io.tributary.log.internal.storage.LogConfig;
import io.tributary.log.internal.storage.PartitionLog;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.IdleStrategy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.stream.Stream;

/**
 * The replicated state of the service: topics with their configs and partition logs, and committed offsets per
 * consumer group; and its snapshot format.
 * <p>
 * Snapshot, in order: {@code SnapshotBegin}, one {@code TopicSnapshot} per topic (by name), one
 * {@code GroupOffsetsSnapshot} per group (by id), one {@code PendingCompactionSnapshot} per partition whose compaction
 * was started and not yet swapped in (it is started again on load, on the segments cut back to the snapshot), the
 * producer states and other sections, {@code SnapshotEnd}. A topic's partitions record their start and
 * end offsets: on load each partition log is cut back to its end offset, since the node may have appended past the
 * snapshot before it stopped, and the log entries after the snapshot are then replayed onto it.
 * <p>
 * Partition directories are {@code <logDir>/<topic>-<partition>}. Without a snapshot the whole store is rebuilt from
 * the cluster log, so anything on disk is removed first.
 * <p>
 * Threading: the service thread only.
 */
final class TopicStore
{
    private static final System.Logger LOG = System.getLogger(TopicStore.class.getName());
    private static final int SNAPSHOT_FORMAT_VERSION = 2;

    /** More state written into the snapshot before its {@code SnapshotEnd}, and read back from it. */
    interface SnapshotSection
    {
        void writeSnapshot(ExclusivePublication publication, IdleStrategy idle);

        /**
         * @return true when the fragment (a whole message, header included) was this section's.
         */
        boolean onSnapshotFragment(int templateId, DirectBuffer buffer, int offset);
    }

    /** A topic: identity, config, and one log per partition. */
    static final class Topic
    {
        private final long id;
        private final String name;
        private final TopicConfig config;
        private final PartitionLog[] logs;

        Topic(final long id, final String name, final TopicConfig config, final PartitionLog[] logs)
        {
            this.id = id;
            this.name = name;
            this.config = config;
            this.logs = logs;
        }

        long id()
        {
            return id;
        }

        String name()
        {
            return name;
        }

        TopicConfig config()
        {
            return config;
        }

        int partitionCount()
        {
            return logs.length;
        }

        PartitionLog log(final int partition)
        {
            return logs[partition];
        }
    }

    private final Path logDir;
    private final PartitionRegistry registry;
    private final Executor cleaner;
    private final Path archiveDir;
    private final TreeMap<String, Topic> topics = new TreeMap<>();
    private final TreeMap<String, TreeMap<TopicPartition, Long>> groupOffsets = new TreeMap<>();
    private long nextTopicId = 1;
    private final ProducerStates producerStates = new ProducerStates();

    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final ExpandableArrayBuffer snapshotBuffer = new ExpandableArrayBuffer(4096);

    /**
     * @param archiveDir where partitions of topics with {@code remote.storage.enable=true} are archived; null for none.
     * @param cleaner    runs the compactions of the partition logs and the copies to the archive.
     */
    TopicStore(final Path logDir, final Path archiveDir, final PartitionRegistry registry, final Executor cleaner)
    {
        this.logDir = logDir;
        this.archiveDir = archiveDir;
        this.registry = registry;
        this.cleaner = cleaner;
    }

    ProducerStates producerStates()
    {
        return producerStates;
    }

    int topicCount()
    {
        return topics.size();
    }

    Topic topic(final String name)
    {
        return topics.get(name);
    }

    Collection<Topic> topics()
    {
        return topics.values();
    }

    void createTopic(final String name, final int partitionCount, final TopicConfig config)
    {
        final PartitionLog[] logs = new PartitionLog[partitionCount];
        for (int p = 0; p < partitionCount; p++)
        {
            final Path dir = partitionDir(name, p);
            FileTrees.deleteRecursively(dir);
            if (null != archiveDir)
            {
                // An archive left by a topic of the same name, or rebuilt from the cluster log: start it afresh.
                FileTrees.deleteRecursively(archiveDir.resolve(dir.getFileName()));
            }
            logs[p] = PartitionLog.open(dir, logConfig(config));
            attachArchive(logs[p], config);
        }
        final Topic topic = new Topic(nextTopicId++, name, config, logs);
        topics.put(name, topic);
        registry.put(name, logs);
    }

    /**
     * Replace a topic's config: retention and cleanup apply from the next check, segment settings from the next
     * roll, {@code max.message.bytes} from the next batch.
     */
    void alterTopicConfig(final String name, final TopicConfig config)
    {
        final Topic old = topics.get(name);
        final Topic altered = new Topic(old.id, name, config, old.logs);
        for (final PartitionLog log : old.logs)
        {
            log.config(logConfig(config));
            attachArchive(log, config);
        }
        topics.put(name, altered);
    }

    void deleteTopic(final String name)
    {
        final Topic topic = topics.remove(name);
        registry.remove(name);
        for (final TreeMap<TopicPartition, Long> offsets : groupOffsets.values())
        {
            offsets.keySet().removeIf(tp -> tp.topic().equals(name));
        }
        groupOffsets.values().removeIf(Map::isEmpty);
        producerStates.removeTopic(name);
        for (final PartitionLog log : topic.logs)
        {
            log.delete();
        }
    }

    void commitOffsets(final String groupId, final Map<TopicPartition, Long> offsets)
    {
        groupOffsets.computeIfAbsent(groupId, g -> new TreeMap<>()).putAll(offsets);
    }

    Set<String> groupIds()
    {
        return groupOffsets.keySet();
    }

    Map<TopicPartition, Long> committedOffsets(final String groupId)
    {
        final TreeMap<TopicPartition, Long> offsets = groupOffsets.get(groupId);
        return offsets == null ? Map.of() : offsets;
    }

    void close()
    {
        for (final Topic topic : topics.values())
        {
            for (final PartitionLog log : topic.logs)
            {
                log.close();
            }
        }
        topics.clear();
        registry.clear();
    }

    void writeSnapshot(final ExclusivePublication publication, final IdleStrategy idle, final SnapshotSection section)
    {
        final SnapshotBeginEncoder begin = new SnapshotBeginEncoder();
        begin.wrapAndApplyHeader(snapshotBuffer, 0, headerEncoder)
            .formatVersion(SNAPSHOT_FORMAT_VERSION)
            .nextTopicId(nextTopicId)
            .nextProducerId(producerStates.nextProducerId());
        offer(publication, MessageHeaderEncoder.ENCODED_LENGTH + begin.encodedLength(), idle);

        final TopicSnapshotEncoder topicEncoder = new TopicSnapshotEncoder();
        for (final Topic topic : topics.values())
        {
            topicEncoder.wrapAndApplyHeader(snapshotBuffer, 0, headerEncoder).topicId(topic.id);
            final TopicSnapshotEncoder.PartitionsEncoder partitions = topicEncoder.partitionsCount(topic.logs.length);
            for (int p = 0; p < topic.logs.length; p++)
            {
                final PartitionLog log = topic.logs[p];
                log.flush();
                partitions.next()
                    .partition(p)
                    .startOffset(log.startOffset())
                    .endOffset(log.endOffset())
                    .activeSegmentBaseOffset(log.activeSegmentBaseOffset())
                    .activeSegmentLength(log.activeSegmentLength());
            }
            final Map<String, String> configs = topic.config.toMap();
            final TopicSnapshotEncoder.ConfigsEncoder configsOut = topicEncoder.configsCount(configs.size());
            for (final Map.Entry<String, String> e : configs.entrySet())
            {
                configsOut.next().key(e.getKey()).value(e.getValue());
            }
            topicEncoder.name(topic.name);
            offer(publication, MessageHeaderEncoder.ENCODED_LENGTH + topicEncoder.encodedLength(), idle);
        }

        final GroupOffsetsSnapshotEncoder groupEncoder = new GroupOffsetsSnapshotEncoder();
        final int maxPerMessage = 4096;
        for (final Map.Entry<String, TreeMap<TopicPartition, Long>> group : groupOffsets.entrySet())
        {
            final List<Map.Entry<TopicPartition, Long>> offsets = new ArrayList<>(group.getValue().entrySet());
            for (int from = 0; from < offsets.size(); from += maxPerMessage)
            {
                final int to = Math.min(offsets.size(), from + maxPerMessage);
                groupEncoder.wrapAndApplyHeader(snapshotBuffer, 0, headerEncoder);
                final GroupOffsetsSnapshotEncoder.OffsetsEncoder out = groupEncoder.offsetsCount(to - from);
                for (int i = from; i < to; i++)
                {
                    final Map.Entry<TopicPartition, Long> e = offsets.get(i);
                    out.next().partition(e.getKey().partition()).offset(e.getValue()).topic(e.getKey().topic());
                }
                groupEncoder.groupId(group.getKey());
                offer(publication, MessageHeaderEncoder.ENCODED_LENGTH + groupEncoder.encodedLength(), idle);
            }
        }

        final PendingCompactionSnapshotEncoder compactionEncoder = new PendingCompactionSnapshotEncoder();
        for (final Topic topic : topics.values())
        {
            for (int p = 0; p < topic.logs.length; p++)
            {
                final CompactionCheck check = topic.logs[p].pendingCompaction();
                if (null != check)
                {
                    compactionEncoder.wrapAndApplyHeader(snapshotBuffer, 0, headerEncoder)
                        .partition(p)
                        .closedEnd(check.closedEnd())
                        .evidenceEnd(check.evidenceEnd())
                        .now(check.now())
                        .deleteRetentionMs(check.deleteRetentionMs())
                        .minDirtyRatio(check.minDirtyRatio())
                        .topic(topic.name);
                    offer(publication, MessageHeaderEncoder.ENCODED_LENGTH + compactionEncoder.encodedLength(), idle);
                }
            }
        }

        producerStates.writeSnapshot(snapshotBuffer, length -> offer(publication, length, idle));
        section.writeSnapshot(publication, idle);

        final SnapshotEndEncoder end = new SnapshotEndEncoder();
        end.wrapAndApplyHeader(snapshotBuffer, 0, headerEncoder).topicCount(topics.size());
        offer(publication, MessageHeaderEncoder.ENCODED_LENGTH + end.encodedLength(), idle);
    }

    /**
     * Restore the state from a snapshot, or start empty, and reconcile the partition directories on disk with it.
     *
     * @param snapshotImage the snapshot, or null when the node starts from the beginning of the cluster log.
     * @param idle          to wait on while the snapshot arrives.
     * @param section       told the snapshot messages that are not the store's own.
     */
    void load(final Image snapshotImage, final IdleStrategy idle, final SnapshotSection section)
    {
        final Map<TopicPartition, long[]> expectedEnds = new HashMap<>();
        final List<LoadedTopic> loadedTopics = new ArrayList<>();
        SnapshotLoader loader = null;
        if (snapshotImage != null)
        {
            loader = new SnapshotLoader(loadedTopics, expectedEnds, section);
            final FragmentAssembler assembler = new FragmentAssembler(loader);
            while (!loader.done)
            {
                final int fragments = snapshotImage.poll(assembler, 16);
                if (fragments == 0)
                {
                    if (snapshotImage.isClosed())
                    {
                        throw new IllegalStateException("snapshot ended before its SnapshotEnd message");
                    }
                    idle.idle();
                }
            }
        }

        removeDirectoriesNotIn(logDir, expectedEnds.keySet());
        if (null != archiveDir)
        {
            removeDirectoriesNotIn(archiveDir, expectedEnds.keySet());
        }

        for (final LoadedTopic loaded : loadedTopics)
        {
            final String name = loaded.name();
            final TopicConfig config = loaded.config();
            final int partitionCount = loaded.partitionCount();
            final PartitionLog[] logs = new PartitionLog[partitionCount];
            for (int p = 0; p < partitionCount; p++)
            {
                final TopicPartition tp = new TopicPartition(name, p);
                final long expectedEnd = expectedEnds.get(tp)[1];
                final PartitionLog log = PartitionLog.open(partitionDir(name, p), logConfig(config));
                if (log.endOffset() < expectedEnd)
                {
                    throw new IllegalStateException("partition " + tp + " holds offsets up to " + log.endOffset() +
                        " on disk but the snapshot says " + expectedEnd + ": its segments lost data; " +
                        "wipe this node's data directory so it is rebuilt from its peers");
                }
                if (log.endOffset() > expectedEnd)
                {
                    LOG.log(System.Logger.Level.INFO, "cutting {0} back from {1} to snapshot end offset {2}",
                        tp, log.endOffset(), expectedEnd);
                    log.truncateTo(expectedEnd);
                }
                attachArchive(log, config);
                final CompactionCheck pending = null == loader ? null : loader.pendingCompactions.get(tp);
                if (null != pending)
                {
                    // Started before the snapshot, swapped in by the first check after it: start it again.
                    LOG.log(System.Logger.Level.INFO, "{0}: starting again the compaction pending at the snapshot " +
                        "(check at cluster time {1})", tp, Long.toString(pending.now()));
                    log.resumeCompaction(pending, cleaner);
                }
                logs[p] = log;
            }
            topics.put(name, new Topic(loaded.id(), name, config, logs));
            registry.put(name, logs);
        }
    }

    private record LoadedTopic(long id, String name, TopicConfig config, int partitionCount)
    {
    }

    private final class SnapshotLoader implements FragmentHandler
    {
        private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
        private final SnapshotBeginDecoder beginDecoder = new SnapshotBeginDecoder();
        private final TopicSnapshotDecoder topicDecoder = new TopicSnapshotDecoder();
        private final GroupOffsetsSnapshotDecoder groupDecoder = new GroupOffsetsSnapshotDecoder();
        private final SnapshotEndDecoder endDecoder = new SnapshotEndDecoder();
        private final ProducerStateSnapshotDecoder producerDecoder = new ProducerStateSnapshotDecoder();
        private final PendingCompactionSnapshotDecoder compactionDecoder = new PendingCompactionSnapshotDecoder();
        private final Map<TopicPartition, CompactionCheck> pendingCompactions = new HashMap<>();
        private final List<LoadedTopic> loadedTopics;
        private final Map<TopicPartition, long[]> expectedEnds;
        private final SnapshotSection section;
        boolean done;

        SnapshotLoader(
            final List<LoadedTopic> loadedTopics, final Map<TopicPartition, long[]> expectedEnds,
            final SnapshotSection section)
        {
            this.loadedTopics = loadedTopics;
            this.expectedEnds = expectedEnds;
            this.section = section;
        }

        public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            headerDecoder.wrap(buffer, offset);
            switch (headerDecoder.templateId())
            {
                case SnapshotBeginDecoder.TEMPLATE_ID ->
                {
                    beginDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                    if (beginDecoder.formatVersion() != SNAPSHOT_FORMAT_VERSION)
                    {
                        throw new IllegalStateException("unknown snapshot format " + beginDecoder.formatVersion());
                    }
                    nextTopicId = beginDecoder.nextTopicId();
                    producerStates.nextProducerId(beginDecoder.nextProducerId());
                }
                case TopicSnapshotDecoder.TEMPLATE_ID ->
                {
                    topicDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                    final long id = topicDecoder.topicId();
                    final List<long[]> partitions = new ArrayList<>();
                    for (final TopicSnapshotDecoder.PartitionsDecoder p : topicDecoder.partitions())
                    {
                        partitions.add(new long[] {p.partition(), p.startOffset(), p.endOffset()});
                    }
                    final Map<String, String> configs = new TreeMap<>();
                    for (final TopicSnapshotDecoder.ConfigsDecoder c : topicDecoder.configs())
                    {
                        final String key = c.key();
                        configs.put(key, c.value());
                    }
                    final String name = topicDecoder.name();
                    for (final long[] p : partitions)
                    {
                        expectedEnds.put(new TopicPartition(name, (int)p[0]), new long[] {p[1], p[2]});
                    }
                    loadedTopics.add(new LoadedTopic(id, name, TopicConfig.parse(configs), partitions.size()));
                }
                case GroupOffsetsSnapshotDecoder.TEMPLATE_ID ->
                {
                    groupDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                    final Map<TopicPartition, Long> offsets = new TreeMap<>();
                    for (final GroupOffsetsSnapshotDecoder.OffsetsDecoder o : groupDecoder.offsets())
                    {
                        final int partition = o.partition();
                        final long committed = o.offset();
                        offsets.put(new TopicPartition(o.topic(), partition), committed);
                    }
                    commitOffsets(groupDecoder.groupId(), offsets);
                }
                case PendingCompactionSnapshotDecoder.TEMPLATE_ID ->
                {
                    compactionDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                    final int partition = compactionDecoder.partition();
                    final CompactionCheck check = new CompactionCheck(
                        compactionDecoder.closedEnd(),
                        compactionDecoder.evidenceEnd(),
                        compactionDecoder.now(),
                        compactionDecoder.deleteRetentionMs(),
                        compactionDecoder.minDirtyRatio());
                    pendingCompactions.put(new TopicPartition(compactionDecoder.topic(), partition), check);
                }
                case ProducerStateSnapshotDecoder.TEMPLATE_ID ->
                {
                    producerDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                    producerStates.loadSnapshot(producerDecoder);
                }
                case SnapshotEndDecoder.TEMPLATE_ID ->
                {
                    endDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                    done = true;
                }
                default ->
                {
                    if (!section.onSnapshotFragment(headerDecoder.templateId(), buffer, offset))
                    {
                        throw new IllegalStateException("unknown snapshot template " + headerDecoder.templateId());
                    }
                }
            }
        }
    }

    private static void removeDirectoriesNotIn(final Path root, final Set<TopicPartition> keep)
    {
        final Set<String> keepNames = new HashSet<>();
        for (final TopicPartition tp : keep)
        {
            keepNames.add(tp.topic() + "-" + tp.partition());
        }
        try
        {
            Files.createDirectories(root);
            try (Stream<Path> dirs = Files.list(root))
            {
                for (final Path dir : (Iterable<Path>)dirs::iterator)
                {
                    if (!keepNames.contains(dir.getFileName().toString()))
                    {
                        FileTrees.deleteRecursively(dir);
                    }
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private void attachArchive(final PartitionLog log, final TopicConfig config)
    {
        if (config.remoteStorage() && null != archiveDir && null == log.archive())
        {
            log.attachArchive(ArchivedLog.open(archiveDir.resolve(log.directory().getFileName())));
        }
    }

    private Path partitionDir(final String topic, final int partition)
    {
        return logDir.resolve(topic + "-" + partition);
    }

    private static LogConfig logConfig(final TopicConfig config)
    {
        return new LogConfig(config.segmentBytes(), LogConfig.DEFAULT_INDEX_INTERVAL_BYTES);
    }

    private void offer(final ExclusivePublication publication, final int length, final IdleStrategy idle)
    {
        offer(publication, snapshotBuffer, length, idle);
    }

    static void offer(
        final ExclusivePublication publication, final DirectBuffer buffer, final int length, final IdleStrategy idle)
    {
        idle.reset();
        while (true)
        {
            final long result = publication.offer(buffer, 0, length);
            if (result > 0)
            {
                return;
            }
            if (result == ExclusivePublication.CLOSED || result == ExclusivePublication.MAX_POSITION_EXCEEDED)
            {
                throw new IllegalStateException("snapshot publication failed: " + result);
            }
            idle.idle();
        }
    }
}
