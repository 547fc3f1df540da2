package io.tributary.log.internal.cluster;

import io.aeron.DirectBufferVector;
import io.aeron.cluster.service.ClientSession;
import io.aeron.cluster.service.Cluster;
import io.aeron.logbuffer.BufferClaim;
import io.tributary.log.internal.HostileInput;
import io.tributary.log.internal.codecs.AclOperation;
import io.tributary.log.internal.codecs.AclPatternType;
import io.tributary.log.internal.codecs.AclResourceType;
import io.tributary.log.internal.codecs.AlterAclRequestEncoder;
import io.tributary.log.internal.codecs.ListAclsRequestEncoder;
import io.tributary.log.internal.codecs.ListUsersRequestEncoder;
import io.tributary.log.internal.codecs.UserDeleteRequestEncoder;
import io.tributary.log.internal.codecs.UserUpsertRequestEncoder;
import io.tributary.log.internal.codecs.AlterTopicConfigsRequestEncoder;
import io.tributary.log.internal.codecs.BooleanType;
import io.tributary.log.internal.codecs.CreateTopicRequestEncoder;
import io.tributary.log.internal.codecs.DeleteTopicRequestEncoder;
import io.tributary.log.internal.codecs.DescribeGroupRequestEncoder;
import io.tributary.log.internal.codecs.GroupCommitRequestEncoder;
import io.tributary.log.internal.codecs.GroupHeartbeatRequestEncoder;
import io.tributary.log.internal.codecs.InitProducerIdRequestEncoder;
import io.tributary.log.internal.codecs.ListGroupsRequestEncoder;
import io.tributary.log.internal.codecs.MessageHeaderEncoder;
import io.tributary.log.internal.codecs.MetadataRequestEncoder;
import io.tributary.log.internal.codecs.OffsetCommitRequestEncoder;
import io.tributary.log.internal.codecs.OffsetFetchRequestEncoder;
import io.tributary.log.internal.codecs.ProduceRequestEncoder;
import io.tributary.log.internal.codecs.ResetOffsetsRequestEncoder;
import io.tributary.log.internal.record.RecordBatchBuilder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.NoOpIdleStrategy;

import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Drives {@link PartitionLogService} directly in unit tests: requests encoded as a client would, the cluster the
 * service sees while applying entries, and a session that keeps the responses.
 */
public final class ServiceHarness
{
    private ServiceHarness()
    {
    }

    /**
     * @param topic  the topic the requests name.
     * @param altered the topic whose configs AlterTopicConfigs changes.
     * @return one valid request of every template the service accepts on ingress, none naming another client's
     *         topic or group.
     */
    public static List<byte[]> ingressCorpus(final String topic, final String altered)
    {
        final List<byte[]> corpus = new ArrayList<>();
        corpus.add(produceRequest(1, topic, 0, batch("fuzz"), false));
        corpus.add(produceRequest(2, "fuzz-topic", 0, batch("fuzz"), true));
        corpus.add(createTopic(3, "fuzz-created", 1));
        corpus.add(encode(4, (b, h) ->
        {
            final AlterTopicConfigsRequestEncoder e = new AlterTopicConfigsRequestEncoder()
                .wrapAndApplyHeader(b, 0, h).correlationId(4);
            e.configsCount(1).next().key("retention.ms").value("1000");
            return e.topic(altered).encodedLength();
        }));
        corpus.add(deleteTopic(5, "fuzz-doomed"));
        corpus.add(encode(6, (b, h) ->
        {
            final MetadataRequestEncoder e = new MetadataRequestEncoder().wrapAndApplyHeader(b, 0, h).correlationId(6);
            e.topicsCount(2).next().topic(topic).next().topic("fuzz-unknown");
            return e.encodedLength();
        }));
        corpus.add(offsetCommit(7, "fuzz-group", topic, 1, 3));
        corpus.add(encode(8, (b, h) ->
        {
            final OffsetFetchRequestEncoder e = new OffsetFetchRequestEncoder().wrapAndApplyHeader(b, 0, h)
                .correlationId(8);
            e.partitionsCount(1).next().partition(0).topic(topic);
            return e.groupId("fuzz-group").encodedLength();
        }));
        corpus.add(encode(9, (b, h) -> new InitProducerIdRequestEncoder().wrapAndApplyHeader(b, 0, h)
            .correlationId(9).encodedLength()));
        corpus.add(encode(10, (b, h) ->
        {
            final GroupHeartbeatRequestEncoder e = new GroupHeartbeatRequestEncoder().wrapAndApplyHeader(b, 0, h)
                .correlationId(10).memberEpoch(0).sessionTimeoutMs(10_000).coPartitioned(BooleanType.FALSE);
            e.topicsCount(1).next().topic(topic);
            e.ownedCount(1).next().partition(0).topic(topic);
            return e.groupId("fuzz-group").memberId("fuzz-member").encodedLength();
        }));
        corpus.add(encode(11, (b, h) ->
        {
            final GroupCommitRequestEncoder e = new GroupCommitRequestEncoder().wrapAndApplyHeader(b, 0, h)
                .correlationId(11).memberEpoch(1);
            e.offsetsCount(1).next().partition(0).offset(2).topic(topic);
            return e.groupId("fuzz-group").memberId("fuzz-member").encodedLength();
        }));
        corpus.add(encode(12, (b, h) -> new ListGroupsRequestEncoder().wrapAndApplyHeader(b, 0, h)
            .correlationId(12).encodedLength()));
        corpus.add(encode(13, (b, h) -> new DescribeGroupRequestEncoder().wrapAndApplyHeader(b, 0, h)
            .correlationId(13).groupId("fuzz-group").encodedLength()));
        corpus.add(encode(14, (b, h) ->
        {
            final ResetOffsetsRequestEncoder e = new ResetOffsetsRequestEncoder().wrapAndApplyHeader(b, 0, h)
                .correlationId(14);
            e.offsetsCount(1).next().partition(0).offset(1).topic(topic);
            return e.groupId("fuzz-group").encodedLength();
        }));
        final byte[] key = new byte[32];
        corpus.add(encode(15, (b, h) -> new UserUpsertRequestEncoder().wrapAndApplyHeader(b, 0, h)
            .correlationId(15).iterations(4096).name("fuzz-user").putSalt(key, 0, 16).putStoredKey(key, 0, 32)
            .putServerKey(key, 0, 32).encodedLength()));
        corpus.add(encode(16, (b, h) -> new UserDeleteRequestEncoder().wrapAndApplyHeader(b, 0, h)
            .correlationId(16).name("fuzz-user").encodedLength()));
        corpus.add(encode(17, (b, h) -> new ListUsersRequestEncoder().wrapAndApplyHeader(b, 0, h)
            .correlationId(17).encodedLength()));
        corpus.add(encode(18, (b, h) -> new AlterAclRequestEncoder().wrapAndApplyHeader(b, 0, h)
            .correlationId(18).remove(BooleanType.FALSE).resourceType(AclResourceType.TOPIC)
            .patternType(AclPatternType.PREFIXED).operation(AclOperation.READ).principal("fuzz-user")
            .resource(topic).encodedLength()));
        corpus.add(encode(19, (b, h) -> new ListAclsRequestEncoder().wrapAndApplyHeader(b, 0, h)
            .correlationId(19).principal("").encodedLength()));
        return corpus;
    }

    public static byte[] batch(final String value)
    {
        final RecordBatchBuilder builder = new RecordBatchBuilder(64 * 1024);
        builder.reset(-1, 0);
        builder.tryAppend(1_000, "k".getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8),
            List.of());
        final int length = builder.finish();
        return HostileInput.copy(builder.buffer(), 0, length);
    }

    public static byte[] produceRequest(
        final long correlationId, final String topic, final int partition, final byte[] batch, final boolean atomic)
    {
        return encode(correlationId, (b, h) ->
        {
            final ProduceRequestEncoder e = new ProduceRequestEncoder().wrapAndApplyHeader(b, 0, h)
                .correlationId(correlationId).atomic(atomic ? BooleanType.TRUE : BooleanType.FALSE);
            e.partitionsCount(1).next().partition(partition).topic(topic).putBatch(batch, 0, batch.length);
            if (atomic)
            {
                e.offsetsCount(1).next().partition(0).offset(5).topic(topic);
                return e.groupId("fuzz-group").memberId("").encodedLength();
            }
            e.offsetsCount(0);
            return e.groupId("").memberId("").encodedLength();
        });
    }

    public static byte[] createTopic(final long correlationId, final String topic, final int partitions)
    {
        return encode(correlationId, (b, h) ->
        {
            final CreateTopicRequestEncoder e = new CreateTopicRequestEncoder().wrapAndApplyHeader(b, 0, h)
                .correlationId(correlationId).partitionCount(partitions);
            e.configsCount(1).next().key("segment.bytes").value("65536");
            return e.topic(topic).encodedLength();
        });
    }

    public static byte[] deleteTopic(final long correlationId, final String topic)
    {
        return encode(correlationId, (b, h) -> new DeleteTopicRequestEncoder().wrapAndApplyHeader(b, 0, h)
            .correlationId(correlationId).topic(topic).encodedLength());
    }

    public static byte[] offsetCommit(
        final long correlationId, final String group, final String topic, final int partition, final long offset)
    {
        return encode(correlationId, (b, h) ->
        {
            final OffsetCommitRequestEncoder e = new OffsetCommitRequestEncoder().wrapAndApplyHeader(b, 0, h)
                .correlationId(correlationId);
            e.offsetsCount(1).next().partition(partition).offset(offset).topic(topic);
            return e.groupId(group).encodedLength();
        });
    }

    public interface Encoding
    {
        int encode(ExpandableArrayBuffer buffer, MessageHeaderEncoder header);
    }

    public static byte[] encode(final long correlationId, final Encoding encoding)
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(1024);
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + encoding.encode(buffer, new MessageHeaderEncoder());
        return HostileInput.copy(buffer, 0, length);
    }

    /**
     * The cluster as the service sees it while applying entries: a leader at a fixed log position whose timers are
     * always accepted and never fire.
     */
    public static Cluster cluster()
    {
        return (Cluster)Proxy.newProxyInstance(Cluster.class.getClassLoader(), new Class<?>[] {Cluster.class},
            (proxy, method, args) -> switch (method.getName())
            {
                case "idleStrategy" -> NoOpIdleStrategy.INSTANCE;
                case "scheduleTimer", "cancelTimer" -> true;
                case "logPosition", "time" -> 0L;
                case "role" -> Cluster.Role.LEADER;
                case "memberId" -> 0;
                case "timeUnit" -> TimeUnit.MILLISECONDS;
                case "toString" -> "test cluster";
                case "hashCode" -> 0;
                case "equals" -> proxy == args[0];
                default -> throw new UnsupportedOperationException(method.getName());
            });
    }

    /**
     * Keeps the last response the service offered.
     */
    public static final class RecordingSession implements ClientSession
    {
        public byte[] last;

        public long id()
        {
            return 1;
        }

        public int responseStreamId()
        {
            return 102;
        }

        public String responseChannel()
        {
            return "aeron:udp?endpoint=127.0.0.1:1";
        }

        public byte[] encodedPrincipal()
        {
            return new byte[0];
        }

        public void close()
        {
        }

        public boolean isClosing()
        {
            return false;
        }

        public long offer(final DirectBuffer buffer, final int offset, final int length)
        {
            last = HostileInput.copy(buffer, offset, length);
            return length;
        }

        public long offer(final DirectBufferVector[] vectors)
        {
            throw new UnsupportedOperationException();
        }

        public long tryClaim(final int length, final BufferClaim bufferClaim)
        {
            throw new UnsupportedOperationException();
        }
    }
}
