package io.tributary.log.internal.cluster;

import io.aeron.ExclusivePublication;
import io.aeron.Image;
import io.aeron.cluster.codecs.CloseReason;
import io.aeron.cluster.service.ClientSession;
import io.aeron.cluster.service.Cluster;
import io.aeron.cluster.service.ClusteredService;
import io.aeron.logbuffer.Header;
import io.tributary.log.TopicPartition;
import io.tributary.log.internal.codecs.AclOperation;
import io.tributary.log.internal.codecs.AclResourceType;
import io.tributary.log.internal.codecs.AlterTopicConfigsRequestDecoder;
import io.tributary.log.internal.codecs.BooleanType;
import io.tributary.log.internal.codecs.CreateTopicRequestDecoder;
import io.tributary.log.internal.codecs.DeleteTopicRequestDecoder;
import io.tributary.log.internal.codecs.ErrorCode;
import io.tributary.log.internal.codecs.InitProducerIdRequestDecoder;
import io.tributary.log.internal.codecs.InitProducerIdResponseEncoder;
import io.tributary.log.internal.codecs.MessageHeaderDecoder;
import io.tributary.log.internal.codecs.MessageHeaderEncoder;
import io.tributary.log.internal.codecs.MetadataRequestDecoder;
import io.tributary.log.internal.codecs.MetadataResponseEncoder;
import io.tributary.log.internal.codecs.OffsetCommitRequestDecoder;
import io.tributary.log.internal.codecs.OffsetFetchRequestDecoder;
import io.tributary.log.internal.codecs.OffsetFetchResponseEncoder;
import io.tributary.log.internal.codecs.ProduceRequestDecoder;
import io.tributary.log.internal.codecs.ProduceResponseEncoder;
import io.tributary.log.internal.record.RecordBatchReader;
import io.tributary.log.internal.record.RecordBatches;
import io.tributary.log.internal.security.JobResources;
import io.tributary.log.internal.security.SecurityState;
import io.tributary.log.internal.security.SecurityView;
import io.tributary.log.internal.storage.LogCleaner;
import io.tributary.log.internal.storage.PartitionLog;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The clustered service: turns the committed cluster log into topics and partitions, and keeps the control state
 * (topics, their configs, committed consumer offsets).
 * <p>
 * Every node applies the same entries in the same order, so everything here is deterministic: time is the cluster
 * time of the entry, iteration is over sorted maps, validation depends only on the entry and the state. Requests
 * are answered on the session's egress (only the leader's answer reaches the client). A request that cannot be
 * decoded is answered with {@code INVALID_REQUEST} when its correlation id can be read, dropped otherwise; it never
 * stops the node.
 * <p>
 * Threading: every callback runs on the service container's thread. The partition logs are shared with the fetch
 * server through {@link PartitionRegistry}; this class is their single writer.
 */
public final class PartitionLogService implements ClusteredService
{
    private static final System.Logger LOG = System.getLogger(PartitionLogService.class.getName());
    private static final Pattern TOPIC_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    static final int MAX_PARTITIONS = 10_000;
    private static final int EGRESS_OFFER_ATTEMPTS = 3;
    /** Retention's timer; bit 61 marks the service's own timers, apart from the group coordinator's (bit 62). */
    static final long RETENTION_TIMER_ID = (1L << 61) | 1;

    private final int nodeId;
    /**
     * Half the retention check interval: a compaction one check starts is swapped in by the next, so checking twice
     * per interval compacts a partition within one interval of its becoming dirty, as the interval promises.
     */
    private final long checkPeriodMs;
    /**
     * Timers cannot be scheduled from onStart, so the retention timer starts with the first topic, as a log entry
     * every node applies. Timers are in the consensus module's snapshot; after a restart this is false until the
     * next create or the timer's next firing, and scheduling again only replaces the timer.
     */
    private boolean retentionTimerScheduled;
    private final Path logDir;
    private final PartitionRegistry registry;
    private final LogCleaner cleaner;
    private final TopicStore store;
    private final GroupCoordinator groups;
    private final SecurityRequests security;
    private final TopicStore.SnapshotSection snapshotSections;

    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final ProduceRequestDecoder produceDecoder = new ProduceRequestDecoder();
    private final ProduceResponseEncoder produceEncoder = new ProduceResponseEncoder();
    private final CreateTopicRequestDecoder createTopicDecoder = new CreateTopicRequestDecoder();
    private final DeleteTopicRequestDecoder deleteTopicDecoder = new DeleteTopicRequestDecoder();
    private final MetadataRequestDecoder metadataDecoder = new MetadataRequestDecoder();
    private final MetadataResponseEncoder metadataEncoder = new MetadataResponseEncoder();
    private final AdminResponder adminResponder = new AdminResponder(this::offer);
    private final TreeMap<TopicPartition, Long> transactionOffsets = new TreeMap<>();
    private final OffsetCommitRequestDecoder offsetCommitDecoder = new OffsetCommitRequestDecoder();
    private final OffsetFetchRequestDecoder offsetFetchDecoder = new OffsetFetchRequestDecoder();
    private final OffsetFetchResponseEncoder offsetFetchEncoder = new OffsetFetchResponseEncoder();
    private final ExpandableArrayBuffer responseBuffer = new ExpandableArrayBuffer(4096);
    /**
     * The message alone: a length field that runs past its end fails the bounds check instead of reading whatever
     * follows it in the log buffer or the fragment assembler's, which differs between nodes and between a run and
     * its replay.
     */
    private final UnsafeBuffer message = new UnsafeBuffer(0, 0);

    private final ProduceEntries entries = new ProduceEntries();
    private final ProducerStates producerStates;
    private final Map<ProducerStates.ProducerPartition, Integer> pendingSequences = new HashMap<>();
    private final InitProducerIdRequestDecoder initProducerIdDecoder = new InitProducerIdRequestDecoder();
    private final AlterTopicConfigsRequestDecoder alterDecoder = new AlterTopicConfigsRequestDecoder();
    private final InitProducerIdResponseEncoder initProducerIdEncoder = new InitProducerIdResponseEncoder();
    private Cluster cluster;
    private long malformedRequests;
    /** The principal of the request being applied. */
    private String principal = SecurityRequests.ANONYMOUS;
    /** The first batch of the request being applied that its principal may not write, or -1. */
    private int authorizationRefusal;
    private final RecordBatchReader jobRecords = new RecordBatchReader();

    /**
     * @param nodeId   this node's id, for logs.
     * @param logDir   directory holding one sub-directory per partition.
     * @param registry where the partition logs are published to the fetch server.
     * @param retentionCheckIntervalMs how often retention is applied, in cluster time.
     * @param archiveDir where topics with {@code remote.storage.enable=true} keep copies of closed segments; null
     *                   for none.
     * @param securityView where users and ACLs are published to the rest of the node; its settings say whether
     *                     requests are authorized.
     */
    public PartitionLogService(
        final int nodeId, final Path logDir, final PartitionRegistry registry, final long retentionCheckIntervalMs,
        final Path archiveDir, final SecurityView securityView)
    {
        this.nodeId = nodeId;
        this.checkPeriodMs = Math.max(50, retentionCheckIntervalMs / 2);
        this.logDir = logDir;
        this.registry = registry;
        this.cleaner = new LogCleaner("tributary-cleaner-" + nodeId);
        this.store = new TopicStore(logDir, archiveDir, registry, cleaner);
        this.producerStates = store.producerStates();
        this.groups = new GroupCoordinator(store, this::offer, new GroupCoordinator.Timers()
        {
            public void schedule(final long correlationId, final long deadline)
            {
                scheduleTimer(correlationId, deadline);
            }

            public void cancel(final long correlationId)
            {
                cluster.idleStrategy().reset();
                while (!cluster.cancelTimer(correlationId))
                {
                    cluster.idleStrategy().idle();
                }
            }
        });
        this.security = new SecurityRequests(new SecurityState(securityView), this::offer);
        this.snapshotSections = new TopicStore.SnapshotSection()
        {
            public void writeSnapshot(final ExclusivePublication publication, final IdleStrategy idle)
            {
                groups.writeSnapshot(publication, idle);
                final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
                security.state().writeSnapshot(buffer, length -> TopicStore.offer(publication, buffer, length, idle));
            }

            public boolean onSnapshotFragment(final int templateId, final DirectBuffer buffer, final int offset)
            {
                return groups.onSnapshotFragment(templateId, buffer, offset) ||
                    security.state().onSnapshotFragment(templateId, buffer, offset);
            }
        };
    }

    public void onStart(final Cluster cluster, final Image snapshotImage)
    {
        this.cluster = cluster;
        store.load(snapshotImage, cluster.idleStrategy(), snapshotSections);
        security.state().view().markLoaded();
        registry.role(cluster.role().ordinal());
        registry.appliedLogPosition(cluster.logPosition());
        registry.lastSnapshotPosition(snapshotImage != null ? cluster.logPosition() : -1);
        LOG.log(System.Logger.Level.INFO, "node {0} started with {1} topics in {2}",
            nodeId, store.topicCount(), logDir);
    }

    public void onSessionOpen(final ClientSession session, final long timestamp)
    {
    }

    public void onSessionClose(final ClientSession session, final long timestamp, final CloseReason closeReason)
    {
        security.onSessionClose(session);
    }

    public void onSessionMessage(
        final ClientSession session,
        final long timestamp,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final Header header)
    {
        try
        {
            message.wrap(buffer, offset, length);
            dispatch(session, timestamp, message, 0, length);
        }
        catch (final PartitionLogFailure ex)
        {
            throw ex;
        }
        catch (final RuntimeException ex)
        {
            // Malformed input decoded identically everywhere, so every node drops it the same way.
            malformedRequests++;
            final long correlationId = correlationIdOrMinusOne(buffer, offset, length);
            if (correlationId != -1)
            {
                sendAdminResponse(session, correlationId, ErrorCode.INVALID_REQUEST,
                    "malformed request: " + ex.getClass().getSimpleName() +
                    (ex.getMessage() != null ? ": " + ex.getMessage() : ""));
            }
        }
        finally
        {
            registry.appliedLogPosition(cluster.logPosition());
        }
    }

    public void onTimerEvent(final long correlationId, final long timestamp)
    {
        if (GroupCoordinator.isGroupTimer(correlationId))
        {
            groups.onTimer(correlationId, timestamp);
        }
        else if (correlationId == RETENTION_TIMER_ID)
        {
            retentionTimerScheduled = true;
            applyRetention(timestamp);
            scheduleTimer(RETENTION_TIMER_ID, timestamp + checkPeriodMs);
        }
    }

    /**
     * Retention and segment rolling for every topic, at the cluster time of the timer's log entry.
     */
    private void applyRetention(final long timestamp)
    {
        for (final TopicStore.Topic topic : store.topics())
        {
            for (int p = 0; p < topic.partitionCount(); p++)
            {
                try
                {
                    RetentionPolicy.apply(topic.config(), topic.log(p), timestamp, cleaner);
                }
                catch (final RuntimeException ex)
                {
                    throw new PartitionLogFailure("retention of " + topic.name() + "-" + p + " failed", ex);
                }
            }
        }
    }

    /**
     * Back pressure from the consensus module is brief; a timer must not be lost.
     */
    private void scheduleTimer(final long correlationId, final long deadline)
    {
        cluster.idleStrategy().reset();
        while (!cluster.scheduleTimer(correlationId, deadline))
        {
            cluster.idleStrategy().idle();
        }
    }

    public void onTakeSnapshot(final ExclusivePublication snapshotPublication)
    {
        store.writeSnapshot(snapshotPublication, cluster.idleStrategy(), snapshotSections);
        registry.lastSnapshotPosition(cluster.logPosition());
    }

    public void onRoleChange(final Cluster.Role newRole)
    {
        registry.role(newRole.ordinal());
    }

    public void onTerminate(final Cluster cluster)
    {
        store.close();
        cleaner.close();
    }

    /**
     * @return requests dropped or refused because they could not be decoded.
     */
    public long malformedRequests()
    {
        return malformedRequests;
    }

    private void dispatch(
        final ClientSession session, final long timestamp, final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < MessageHeaderDecoder.ENCODED_LENGTH)
        {
            throw new IllegalArgumentException("message shorter than its header");
        }
        headerDecoder.wrap(buffer, offset);
        if (headerDecoder.schemaId() != MessageHeaderDecoder.SCHEMA_ID)
        {
            throw new IllegalArgumentException("unknown schema id " + headerDecoder.schemaId());
        }

        final int templateId = headerDecoder.templateId();
        principal = security.principal(session);
        switch (templateId)
        {
            case ProduceRequestDecoder.TEMPLATE_ID -> onProduce(session, timestamp, buffer, offset, length);
            case CreateTopicRequestDecoder.TEMPLATE_ID -> onCreateTopic(session, timestamp, buffer, offset);
            case DeleteTopicRequestDecoder.TEMPLATE_ID -> onDeleteTopic(session, buffer, offset);
            case MetadataRequestDecoder.TEMPLATE_ID -> onMetadata(session, buffer, offset);
            case OffsetCommitRequestDecoder.TEMPLATE_ID -> onOffsetCommit(session, buffer, offset);
            case OffsetFetchRequestDecoder.TEMPLATE_ID -> onOffsetFetch(session, buffer, offset);
            case InitProducerIdRequestDecoder.TEMPLATE_ID -> onInitProducerId(session, timestamp, buffer, offset);
            case AlterTopicConfigsRequestDecoder.TEMPLATE_ID -> onAlterTopicConfigs(session, buffer, offset);
            default ->
            {
                if (SecurityRequests.isSecurityTemplate(templateId))
                {
                    security.onRequest(session, templateId, buffer, offset);
                    return;
                }
                if (!GroupCoordinator.isGroupTemplate(templateId))
                {
                    throw new IllegalArgumentException("unknown request template id " + templateId);
                }
                final GroupCoordinator.Refusal refusal =
                    security.authorizeGroupRequest(principal, templateId, buffer, offset);
                if (refusal != null)
                {
                    sendAdminResponse(session, correlationIdOrMinusOne(buffer, offset, length), refusal.code(),
                        refusal.message());
                    return;
                }
                groups.onRequest(session, timestamp, buffer, offset, length);
            }
        }
    }

    private void onProduce(
        final ClientSession session, final long timestamp, final DirectBuffer buffer, final int offset, final int length)
    {
        produceDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
        final long correlationId = produceDecoder.correlationId();
        final boolean atomic = produceDecoder.atomic() == BooleanType.TRUE;
        final ProduceRequestDecoder.PartitionsDecoder partitions = produceDecoder.partitions();
        final int count = partitions.count();
        if (produceDecoder.limit() > offset + length)
        {
            throw new IllegalArgumentException("request runs past its message");
        }

        entries.reset(count);
        pendingSequences.clear();
        int failures = 0;
        authorizationRefusal = -1;
        for (int i = 0; i < count; i++)
        {
            partitions.next();
            final int partition = partitions.partition();
            final String topic = partitions.topic();
            final UnsafeBuffer batch = entries.batch(i);
            partitions.wrapBatch(batch);
            if (produceDecoder.limit() > offset + length)
            {
                throw new IllegalArgumentException("request runs past its message");
            }
            entries.set(i, topic, partition);
            if (!judge(i, topic, partition, batch))
            {
                failures++;
            }
        }

        transactionOffsets.clear();
        for (final ProduceRequestDecoder.OffsetsDecoder o : produceDecoder.offsets())
        {
            final int partition = o.partition();
            final long committed = o.offset();
            transactionOffsets.put(new TopicPartition(o.topic(), partition), committed);
        }
        final String groupId = produceDecoder.groupId();
        final String memberId = produceDecoder.memberId();
        if (produceDecoder.limit() > offset + length)
        {
            throw new IllegalArgumentException("request runs past its message");
        }

        // A transaction retried after its first attempt was applied finds every batch a duplicate: it is answered
        // with the first outcome and its offsets, committed the first time, are not checked or committed again.
        final boolean commitOffsets = !groupId.isEmpty() && !(count > 0 && entries.allDuplicates());
        ErrorCode refusal = ErrorCode.NONE;
        String refusalMessage = "";
        if (authorizationRefusal >= 0)
        {
            // A request with a batch its principal may not write appends nothing, atomic or not.
            refusal = entries.errorCode[authorizationRefusal];
            refusalMessage = entries.errorMessage[authorizationRefusal];
        }
        else if (commitOffsets)
        {
            GroupCoordinator.Refusal accessRefusal = security.authorize(
                principal, AclOperation.READ, AclResourceType.GROUP, groupId);
            if (accessRefusal == null)
            {
                final java.util.Set<String> topics = new java.util.TreeSet<>();
                transactionOffsets.keySet().forEach(tp -> topics.add(tp.topic()));
                accessRefusal = security.authorizeTopics(principal, topics);
            }
            if (accessRefusal != null)
            {
                refusal = accessRefusal.code();
                refusalMessage = "offsets commit refused: " + accessRefusal.message();
            }
        }
        if (refusal == ErrorCode.NONE && commitOffsets && failures == 0)
        {
            final GroupCoordinator.Refusal commitRefusal = !atomic ?
                new GroupCoordinator.Refusal(ErrorCode.INVALID_REQUEST, "offsets are committed only atomically") :
                groups.checkCommit(groupId, memberId, transactionOffsets);
            if (commitRefusal != null)
            {
                refusal = commitRefusal.code();
                refusalMessage = "offsets commit refused: " + commitRefusal.message();
            }
        }

        final boolean rejectAll = (atomic && failures > 0) || refusal != ErrorCode.NONE;
        if (rejectAll)
        {
            if (refusal == ErrorCode.NONE)
            {
                final int refusing = entries.refusing();
                refusal = entries.errorCode[refusing];
                refusalMessage = entries.errorMessage[refusing];
            }
            entries.failAll(refusal, "not appended: the atomic request was rejected because " + refusalMessage);
            // A refusal that sending again cannot cure uses up the batches' sequences, as a refused batch of a
            // non-atomic request does, so the producer moves on; an out-of-sequence one does not: it is resent.
            if (refusal != ErrorCode.OUT_OF_ORDER_SEQUENCE)
            {
                recordSequences(count, timestamp);
            }
        }
        else
        {
            for (int i = 0; i < count; i++)
            {
                final UnsafeBuffer batch = entries.batch(i);
                if (entries.log[i] != null)
                {
                    try
                    {
                        entries.baseOffset[i] = entries.log[i].append(batch, 0, batch.capacity(), timestamp);
                        entries.appendTime[i] = timestamp;
                    }
                    catch (final RuntimeException ex)
                    {
                        throw new PartitionLogFailure(
                            "append to " + entries.topic[i] + "-" + entries.partition[i] + " failed", ex);
                    }
                }
            }
            recordSequences(count, timestamp);
            if (commitOffsets)
            {
                store.commitOffsets(groupId, new TreeMap<>(transactionOffsets));
            }
        }

        produceEncoder.wrapAndApplyHeader(responseBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .errorCode(refusal);
        final ProduceResponseEncoder.PartitionsEncoder out = produceEncoder.partitionsCount(count);
        for (int i = 0; i < count; i++)
        {
            out.next()
                .partition(entries.partition[i])
                .errorCode(entries.errorCode[i])
                .baseOffset(entries.baseOffset[i])
                .appendTime(entries.appendTime[i])
                .topic(entries.topic[i])
                .errorMessage(entries.errorMessage[i]);
        }
        produceEncoder.errorMessage(refusalMessage);
        offer(session, MessageHeaderEncoder.ENCODED_LENGTH + produceEncoder.encodedLength());
    }

    private void recordSequences(final int count, final long timestamp)
    {
        for (int i = 0; i < count; i++)
        {
            if (entries.recordSequence[i])
            {
                final UnsafeBuffer batch = entries.batch(i);
                producerStates.record(
                    RecordBatches.producerId(batch, 0),
                    new TopicPartition(entries.topic[i], entries.partition[i]),
                    RecordBatches.baseSequence(batch, 0),
                    RecordBatches.recordCount(batch, 0),
                    entries.baseOffset[i],
                    entries.appendTime[i],
                    entries.errorCode[i],
                    timestamp);
            }
        }
    }

    /**
     * Decide what becomes of one batch of a produce request, in this order: a corrupt batch is refused and nothing
     * in it is trusted; an idempotent producer's batch sent before is answered with its first outcome, and one out
     * of sequence is refused; then topic, partition and size are checked. Refusals after the sequence check still
     * use up the batch's sequence numbers (see {@link ProducerStates}).
     *
     * @return false when the batch is refused.
     */
    private boolean judge(final int i, final String topic, final int partition, final UnsafeBuffer batch)
    {
        final String problem = RecordBatches.validate(batch, 0, batch.capacity());
        if (problem != null)
        {
            return entries.fail(i, ErrorCode.CORRUPT_BATCH, "corrupt batch for " + topic + "-" + partition + ": " + problem);
        }

        final long producerId = RecordBatches.producerId(batch, 0);
        if (producerId >= 0)
        {
            final TopicPartition tp = new TopicPartition(topic, partition);
            final int baseSequence = RecordBatches.baseSequence(batch, 0);
            final int recordCount = RecordBatches.recordCount(batch, 0);
            switch (producerStates.check(producerId, tp, baseSequence, recordCount, pendingSequences))
            {
                case DUPLICATE ->
                {
                    final ProducerStates.Batch first = producerStates.duplicate();
                    entries.baseOffset[i] = first.baseOffset();
                    entries.appendTime[i] = first.appendTime();
                    if (first.errorCode() != ErrorCode.NONE)
                    {
                        return entries.fail(i, first.errorCode(),
                            "batch sent again; it was refused the first time with " + first.errorCode());
                    }
                    return true;
                }
                case OUT_OF_ORDER ->
                {
                    return entries.fail(i, ErrorCode.OUT_OF_ORDER_SEQUENCE, producerStates.outOfOrderReason());
                }
                default ->
                {
                    entries.recordSequence[i] = true;
                    pendingSequences.put(
                        new ProducerStates.ProducerPartition(producerId, tp), baseSequence + recordCount - 1);
                }
            }
        }

        final AclOperation jobOperation = JobResources.writeOperation(topic);
        if (jobOperation != null)
        {
            final String job = unauthorizedJob(batch, jobOperation);
            if (job != null)
            {
                authorizationRefusal = authorizationRefusal < 0 ? i : authorizationRefusal;
                return entries.fail(i, ErrorCode.JOB_AUTHORIZATION_FAILED,
                    SecurityView.denial(principal, jobOperation, AclResourceType.JOB, job));
            }
        }
        else if (!security.state().authorize(principal, AclOperation.WRITE, AclResourceType.TOPIC, topic))
        {
            authorizationRefusal = authorizationRefusal < 0 ? i : authorizationRefusal;
            return entries.fail(i, ErrorCode.TOPIC_AUTHORIZATION_FAILED,
                SecurityView.denial(principal, AclOperation.WRITE, AclResourceType.TOPIC, topic));
        }
        final TopicStore.Topic state = store.topic(topic);
        if (state == null)
        {
            return entries.fail(i, ErrorCode.UNKNOWN_TOPIC, "unknown topic '" + topic + "'");
        }
        if (partition < 0 || partition >= state.partitionCount())
        {
            return entries.fail(i, ErrorCode.PARTITION_OUT_OF_RANGE, "topic '" + topic + "' has " +
                state.partitionCount() + " partitions; partition " + partition + " does not exist");
        }
        final int maxMessageBytes = state.config().maxMessageBytes();
        if (batch.capacity() > maxMessageBytes)
        {
            return entries.fail(i, ErrorCode.RECORD_TOO_LARGE, "batch of " + batch.capacity() +
                " bytes exceeds max.message.bytes=" + maxMessageBytes + " of topic '" + topic + "'");
        }
        entries.log[i] = state.log(partition);
        return true;
    }

    /**
     * A batch for one of the job topics ({@link JobResources}) is allowed when every record's job may be deployed
     * (or stopped) by the principal; topic rules play no part.
     *
     * @return the first job the principal may not do {@code operation} on, or null when all are allowed.
     */
    private String unauthorizedJob(final UnsafeBuffer batch, final AclOperation operation)
    {
        if (!security.state().enabled())
        {
            return null;
        }
        jobRecords.wrap(batch, 0, batch.capacity());
        while (jobRecords.next())
        {
            final String job = jobRecords.isKeyNull() ? "" :
                JobResources.jobOf(batch, jobRecords.keyOffset(), jobRecords.keyLength());
            if (!security.state().authorize(principal, operation, AclResourceType.JOB, job))
            {
                return job;
            }
        }
        return null;
    }

    private void onInitProducerId(final ClientSession session, final long timestamp, final DirectBuffer buffer,
        final int offset)
    {
        initProducerIdDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
        final long correlationId = initProducerIdDecoder.correlationId();
        final long producerId = producerStates.allocateProducerId(timestamp);
        initProducerIdEncoder.wrapAndApplyHeader(responseBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .errorCode(ErrorCode.NONE)
            .producerId(producerId)
            .errorMessage("");
        offer(session, MessageHeaderEncoder.ENCODED_LENGTH + initProducerIdEncoder.encodedLength());
    }

    private void onCreateTopic(
        final ClientSession session, final long timestamp, final DirectBuffer buffer, final int offset)
    {
        createTopicDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
        final long correlationId = createTopicDecoder.correlationId();
        final int partitionCount = createTopicDecoder.partitionCount();
        final Map<String, String> configs = new TreeMap<>();
        for (final CreateTopicRequestDecoder.ConfigsDecoder config : createTopicDecoder.configs())
        {
            final String key = config.key();
            configs.put(key, config.value());
        }
        final String name = createTopicDecoder.topic();
        if (refused(session, correlationId, AclOperation.CREATE, name))
        {
            return;
        }

        if (!isValidTopicName(name))
        {
            sendAdminResponse(session, correlationId, ErrorCode.INVALID_TOPIC, "invalid topic name '" + name +
                "': use 1 to 249 of a-z A-Z 0-9 . _ - (and not '.' or '..')");
            return;
        }
        if (store.topic(name) != null)
        {
            sendAdminResponse(session, correlationId, ErrorCode.TOPIC_ALREADY_EXISTS,
                "topic '" + name + "' already exists");
            return;
        }
        if (partitionCount < 1 || partitionCount > MAX_PARTITIONS)
        {
            sendAdminResponse(session, correlationId, ErrorCode.INVALID_PARTITIONS,
                "invalid partition count " + partitionCount + ": must be between 1 and " + MAX_PARTITIONS);
            return;
        }
        final TopicConfig config;
        try
        {
            config = TopicConfig.parse(configs);
        }
        catch (final IllegalArgumentException ex)
        {
            sendAdminResponse(session, correlationId, ErrorCode.INVALID_CONFIG, ex.getMessage());
            return;
        }

        try
        {
            store.createTopic(name, partitionCount, config);
        }
        catch (final RuntimeException ex)
        {
            throw new PartitionLogFailure("creating topic " + name + " failed", ex);
        }
        if (!retentionTimerScheduled)
        {
            retentionTimerScheduled = true;
            scheduleTimer(RETENTION_TIMER_ID, timestamp + checkPeriodMs);
        }
        groups.onTopicsChanged();
        sendAdminResponse(session, correlationId, ErrorCode.NONE, "");
    }

    private void onAlterTopicConfigs(final ClientSession session, final DirectBuffer buffer, final int offset)
    {
        alterDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
        final long correlationId = alterDecoder.correlationId();
        final Map<String, String> changes = new TreeMap<>();
        for (final AlterTopicConfigsRequestDecoder.ConfigsDecoder config : alterDecoder.configs())
        {
            final String key = config.key();
            changes.put(key, config.value());
        }
        final String name = alterDecoder.topic();
        if (refused(session, correlationId, AclOperation.ALTER, name))
        {
            return;
        }
        final TopicStore.Topic topic = store.topic(name);
        if (topic == null)
        {
            sendAdminResponse(session, correlationId, ErrorCode.UNKNOWN_TOPIC, "unknown topic '" + name + "'");
            return;
        }
        final TopicConfig config;
        try
        {
            config = topic.config().with(changes);
        }
        catch (final IllegalArgumentException ex)
        {
            sendAdminResponse(session, correlationId, ErrorCode.INVALID_CONFIG, ex.getMessage());
            return;
        }
        store.alterTopicConfig(name, config);
        sendAdminResponse(session, correlationId, ErrorCode.NONE, "");
    }

    private void onDeleteTopic(final ClientSession session, final DirectBuffer buffer, final int offset)
    {
        deleteTopicDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
        final long correlationId = deleteTopicDecoder.correlationId();
        final String name = deleteTopicDecoder.topic();
        if (refused(session, correlationId, AclOperation.DELETE, name))
        {
            return;
        }
        if (store.topic(name) == null)
        {
            sendAdminResponse(session, correlationId, ErrorCode.UNKNOWN_TOPIC, "unknown topic '" + name + "'");
            return;
        }
        store.deleteTopic(name);
        groups.onTopicsChanged();
        sendAdminResponse(session, correlationId, ErrorCode.NONE, "");
    }

    private void onMetadata(final ClientSession session, final DirectBuffer buffer, final int offset)
    {
        metadataDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
        final long correlationId = metadataDecoder.correlationId();
        // A set: a request naming one topic 65,535 times must not build a response 65,535 topics long.
        final java.util.Set<String> names = new java.util.LinkedHashSet<>();
        for (final MetadataRequestDecoder.TopicsDecoder topic : metadataDecoder.topics())
        {
            names.add(topic.topic());
        }

        final List<TopicStore.Topic> topics = new ArrayList<>();
        final List<String> unknown = new ArrayList<>();
        if (names.isEmpty())
        {
            topics.addAll(store.topics());
        }
        else
        {
            for (final String name : names)
            {
                final TopicStore.Topic topic = store.topic(name);
                if (topic == null)
                {
                    unknown.add(name);
                }
                else
                {
                    topics.add(topic);
                }
            }
        }

        metadataEncoder.wrapAndApplyHeader(responseBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .errorCode(unknown.isEmpty() ? ErrorCode.NONE : ErrorCode.UNKNOWN_TOPIC);
        final MetadataResponseEncoder.TopicsEncoder out = metadataEncoder.topicsCount(topics.size());
        for (final TopicStore.Topic topic : topics)
        {
            out.next().topicId(topic.id());
            final MetadataResponseEncoder.TopicsEncoder.PartitionsEncoder partitions =
                out.partitionsCount(topic.partitionCount());
            for (int p = 0; p < topic.partitionCount(); p++)
            {
                final PartitionLog log = topic.log(p);
                partitions.next().partition(p).startOffset(log.startOffset()).endOffset(log.endOffset());
            }
            final Map<String, String> configs = topic.config().toMap();
            final MetadataResponseEncoder.TopicsEncoder.ConfigsEncoder configsOut = out.configsCount(configs.size());
            for (final Map.Entry<String, String> e : configs.entrySet())
            {
                configsOut.next().key(e.getKey()).value(e.getValue());
            }
            out.name(topic.name());
        }
        metadataEncoder.errorMessage(unknown.isEmpty() ? "" : "unknown topic(s): " + String.join(", ", unknown));
        offer(session, MessageHeaderEncoder.ENCODED_LENGTH + metadataEncoder.encodedLength());
    }

    private void onOffsetCommit(final ClientSession session, final DirectBuffer buffer, final int offset)
    {
        offsetCommitDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
        final long correlationId = offsetCommitDecoder.correlationId();
        final Map<TopicPartition, Long> offsets = new TreeMap<>();
        for (final OffsetCommitRequestDecoder.OffsetsDecoder entry : offsetCommitDecoder.offsets())
        {
            final int partition = entry.partition();
            final long committed = entry.offset();
            offsets.put(new TopicPartition(entry.topic(), partition), committed);
        }
        final String groupId = offsetCommitDecoder.groupId();

        GroupCoordinator.Refusal refusal = security.authorize(
            principal, AclOperation.READ, AclResourceType.GROUP, groupId);
        if (refusal == null)
        {
            final java.util.Set<String> topics = new java.util.TreeSet<>();
            offsets.keySet().forEach(tp -> topics.add(tp.topic()));
            refusal = security.authorizeTopics(principal, topics);
        }
        if (refusal == null)
        {
            refusal = groups.checkCommit(groupId, "", offsets);
        }
        if (refusal != null)
        {
            sendAdminResponse(session, correlationId, refusal.code(), refusal.message());
            return;
        }

        store.commitOffsets(groupId, offsets);
        sendAdminResponse(session, correlationId, ErrorCode.NONE, "");
    }

    private void onOffsetFetch(final ClientSession session, final DirectBuffer buffer, final int offset)
    {
        offsetFetchDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
        final long correlationId = offsetFetchDecoder.correlationId();
        final List<TopicPartition> wanted = new ArrayList<>();
        for (final OffsetFetchRequestDecoder.PartitionsDecoder entry : offsetFetchDecoder.partitions())
        {
            final int partition = entry.partition();
            wanted.add(new TopicPartition(entry.topic(), partition));
        }
        final String groupId = offsetFetchDecoder.groupId();
        final GroupCoordinator.Refusal refusal = security.authorize(
            principal, AclOperation.READ, AclResourceType.GROUP, groupId);
        if (refusal != null)
        {
            sendAdminResponse(session, correlationId, refusal.code(), refusal.message());
            return;
        }

        final Map<TopicPartition, Long> committed = store.committedOffsets(groupId);
        final Map<TopicPartition, Long> result = new TreeMap<>();
        if (wanted.isEmpty())
        {
            result.putAll(committed);
        }
        else
        {
            for (final TopicPartition tp : wanted)
            {
                final Long value = committed.get(tp);
                if (value != null)
                {
                    result.put(tp, value);
                }
            }
        }

        offsetFetchEncoder.wrapAndApplyHeader(responseBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .errorCode(ErrorCode.NONE);
        final OffsetFetchResponseEncoder.OffsetsEncoder out = offsetFetchEncoder.offsetsCount(result.size());
        for (final Map.Entry<TopicPartition, Long> e : result.entrySet())
        {
            out.next().partition(e.getKey().partition()).offset(e.getValue()).topic(e.getKey().topic());
        }
        offsetFetchEncoder.errorMessage("");
        offer(session, MessageHeaderEncoder.ENCODED_LENGTH + offsetFetchEncoder.encodedLength());
    }

    /**
     * @return true when the request's principal may not do the operation on the topic; it was then answered.
     */
    private boolean refused(
        final ClientSession session, final long correlationId, final AclOperation operation, final String topic)
    {
        final GroupCoordinator.Refusal refusal =
            security.authorize(principal, operation, AclResourceType.TOPIC, topic);
        if (refusal != null)
        {
            sendAdminResponse(session, correlationId, refusal.code(), refusal.message());
            return true;
        }
        return false;
    }

    private void sendAdminResponse(
        final ClientSession session, final long correlationId, final ErrorCode errorCode, final String message)
    {
        adminResponder.send(session, correlationId, errorCode, message);
    }

    /**
     * A response that cannot be sent after a few attempts is dropped, and the client's request times out: retrying
     * without bound here would stall the whole log.
     */
    private void offer(final ClientSession session, final int length)
    {
        offer(session, responseBuffer, length);
    }

    private void offer(final ClientSession session, final DirectBuffer response, final int length)
    {
        if (session == null)
        {
            return;
        }
        for (int attempt = 0; attempt < EGRESS_OFFER_ATTEMPTS; attempt++)
        {
            final long result = session.offer(response, 0, length);
            if (result > 0 || result == ClientSession.MOCKED_OFFER)
            {
                return;
            }
            cluster.idleStrategy().idle();
        }
    }

    static boolean isValidTopicName(final String name)
    {
        return TOPIC_NAME.matcher(name).matches() && !".".equals(name) && !"..".equals(name);
    }

    private static long correlationIdOrMinusOne(final DirectBuffer buffer, final int offset, final int length)
    {
        // Every request starts its root block with the correlation id.
        if (length >= MessageHeaderDecoder.ENCODED_LENGTH + Long.BYTES)
        {
            return buffer.getLong(offset + MessageHeaderDecoder.ENCODED_LENGTH, java.nio.ByteOrder.LITTLE_ENDIAN);
        }
        return -1;
    }

    /**
     * A failure to write the partition store after a request was accepted: this node's state can no longer follow
     * the log, so it must stop rather than diverge.
     */
    static final class PartitionLogFailure extends RuntimeException
    {
        PartitionLogFailure(final String message, final Throwable cause)
        {
            super(message, cause);
        }
    }

    /**
     * Reusable per-request scratch for the entries of a produce request: validated first, appended after.
     */
    private static final class ProduceEntries
    {
        private UnsafeBuffer[] batches = new UnsafeBuffer[0];
        String[] topic = new String[0];
        int[] partition = new int[0];
        PartitionLog[] log = new PartitionLog[0];
        ErrorCode[] errorCode = new ErrorCode[0];
        String[] errorMessage = new String[0];
        long[] baseOffset = new long[0];
        long[] appendTime = new long[0];
        boolean[] recordSequence = new boolean[0];
        private int count;

        void reset(final int count)
        {
            if (batches.length < count)
            {
                final int capacity = Math.max(count, batches.length * 2);
                final UnsafeBuffer[] newBatches = java.util.Arrays.copyOf(batches, capacity);
                for (int i = batches.length; i < capacity; i++)
                {
                    newBatches[i] = new UnsafeBuffer(0, 0);
                }
                batches = newBatches;
                topic = new String[capacity];
                partition = new int[capacity];
                log = new PartitionLog[capacity];
                errorCode = new ErrorCode[capacity];
                errorMessage = new String[capacity];
                baseOffset = new long[capacity];
                appendTime = new long[capacity];
                recordSequence = new boolean[capacity];
            }
            this.count = count;
            for (int i = 0; i < count; i++)
            {
                topic[i] = null;
                log[i] = null;
                errorCode[i] = ErrorCode.NONE;
                errorMessage[i] = "";
                baseOffset[i] = -1;
                appendTime[i] = -1;
                recordSequence[i] = false;
            }
        }

        UnsafeBuffer batch(final int i)
        {
            return batches[i];
        }

        void set(final int i, final String topic, final int partition)
        {
            this.topic[i] = topic;
            this.partition[i] = partition;
        }

        boolean fail(final int i, final ErrorCode code, final String message)
        {
            errorCode[i] = code;
            errorMessage[i] = message;
            return false;
        }

        void failAll(final ErrorCode code, final String message)
        {
            for (int i = 0; i < count; i++)
            {
                if (errorCode[i] == ErrorCode.NONE)
                {
                    errorCode[i] = code;
                    errorMessage[i] = message;
                }
            }
        }

        /**
         * @return true when every batch was sent before and is answered with its first outcome.
         */
        boolean allDuplicates()
        {
            for (int i = 0; i < count; i++)
            {
                if (log[i] != null || errorCode[i] != ErrorCode.NONE)
                {
                    return false;
                }
            }
            return true;
        }

        /**
         * @return the entry whose refusal rejects an atomic request: an out-of-sequence one before any other, since
         *         the producer resends those and the others are then judged again with everything in sequence; -1
         *         when none was refused.
         */
        int refusing()
        {
            int first = -1;
            for (int i = 0; i < count; i++)
            {
                if (errorCode[i] != ErrorCode.NONE && !errorMessage[i].startsWith("not appended"))
                {
                    if (errorCode[i] == ErrorCode.OUT_OF_ORDER_SEQUENCE)
                    {
                        return i;
                    }
                    first = first < 0 ? i : first;
                }
            }
            return first;
        }
    }
}
