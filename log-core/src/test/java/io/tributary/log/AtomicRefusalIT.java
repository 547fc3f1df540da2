package io.tributary.log;

import io.aeron.Aeron;
import io.aeron.cluster.client.AeronCluster;
import io.aeron.cluster.client.EgressListener;
import io.aeron.driver.MediaDriver;
import io.aeron.logbuffer.Header;
import io.tributary.log.internal.AeronSettings;
import io.tributary.log.internal.cluster.ClusterMembers;
import io.tributary.log.internal.codecs.BooleanType;
import io.tributary.log.internal.codecs.InitProducerIdRequestEncoder;
import io.tributary.log.internal.codecs.InitProducerIdResponseDecoder;
import io.tributary.log.internal.codecs.MessageHeaderDecoder;
import io.tributary.log.internal.codecs.MessageHeaderEncoder;
import io.tributary.log.internal.codecs.ProduceRequestEncoder;
import io.tributary.log.internal.codecs.ProduceResponseDecoder;
import io.tributary.log.internal.record.RecordBatchBuilder;
import io.tributary.testing.TestCluster;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How the cluster refuses an atomic request whose batches fail for different reasons, seen on the wire. A batch out
 * of sequence is refused so that the producer sends it again once the batches before it are in; if another batch's
 * refusal (an unknown topic, say) answered the request instead, the producer would take its sequences as used up
 * while the cluster never recorded them, and every later batch of that partition would be out of sequence.
 */
@Timeout(120)
class AtomicRefusalIT
{
    @Test
    void anOutOfSequenceBatchDecidesTheRefusalAndItsSequencesStayFree() throws Exception
    {
        final Path aeronDir = Files.createTempDirectory("tributary-atomic-client");
        try (TestCluster cluster = TestCluster.start(1);
            MediaDriver driver = MediaDriver.launchEmbedded(
                AeronSettings.mediaDriverContext(aeronDir.resolve("driver").toString()));
            Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName())))
        {
            try (Admin admin = Admin.create(cluster.members()))
            {
                admin.createTopic(new NewTopic("atomic-seq", 1));
            }
            final Responses responses = new Responses();
            try (AeronCluster session = AeronCluster.connect(new AeronCluster.Context()
                .aeron(aeron)
                .ownsAeronClient(false)
                .ingressChannel("aeron:udp")
                .ingressEndpoints(ClusterMembers.parse(cluster.members()).ingressEndpoints())
                .egressChannel("aeron:udp?endpoint=127.0.0.1:0")
                .egressListener(responses)))
            {
                final ExpandableArrayBuffer request = new ExpandableArrayBuffer(4096);
                final int initLength = MessageHeaderEncoder.ENCODED_LENGTH + new InitProducerIdRequestEncoder()
                    .wrapAndApplyHeader(request, 0, new MessageHeaderEncoder()).correlationId(1).encodedLength();
                offer(session, request, initLength);
                final long producerId = Long.parseLong(responses.await(session, 1));

                assertEquals("NONE offsets [0]", produce(session, responses, 2, request,
                    List.of(batch("atomic-seq", producerId, 0))));

                // The partition expects sequence 1; this batch starts at 5, as one sent after three still in flight.
                final String refused = produce(session, responses, 3, request,
                    List.of(batch("no-such-topic", producerId, 0), batch("atomic-seq", producerId, 5)));
                assertTrue(refused.startsWith("OUT_OF_ORDER_SEQUENCE"), refused);

                assertEquals("NONE offsets [1]", produce(session, responses, 4, request,
                    List.of(batch("atomic-seq", producerId, 1))), "sequence 1 is still the one expected");
            }
        }
        finally
        {
            TestCluster.deleteRecursively(aeronDir);
        }
    }

    private record Part(String topic, RecordBatchBuilder builder, int length)
    {
    }

    private static Part batch(final String topic, final long producerId, final int sequence)
    {
        final RecordBatchBuilder builder = new RecordBatchBuilder(1024 * 1024, 256);
        builder.tryAppend(System.currentTimeMillis(), "k".getBytes(StandardCharsets.UTF_8),
            "v".getBytes(StandardCharsets.UTF_8), List.of());
        final int length = builder.finish();
        builder.stampProducer(producerId, sequence);
        return new Part(topic, builder, length);
    }

    private static String produce(
        final AeronCluster session,
        final Responses responses,
        final long correlationId,
        final ExpandableArrayBuffer buffer,
        final List<Part> parts) throws InterruptedException
    {
        final ProduceRequestEncoder encoder = new ProduceRequestEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId)
            .atomic(BooleanType.TRUE);
        final ProduceRequestEncoder.PartitionsEncoder partitions = encoder.partitionsCount(parts.size());
        for (final Part part : parts)
        {
            partitions.next().partition(0).topic(part.topic()).putBatch(part.builder().buffer(), 0, part.length());
        }
        encoder.offsetsCount(0);
        encoder.groupId("").memberId("");
        offer(session, buffer, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength());
        return responses.await(session, correlationId);
    }

    private static void offer(final AeronCluster session, final DirectBuffer buffer, final int length)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (session.offer(buffer, 0, length) < 0)
        {
            assertTrue(System.nanoTime() < deadline, "ingress did not take the request");
            session.pollEgress();
            Thread.sleep(1);
        }
    }

    /** Responses by correlation id, as text: the producer id, or the error code and the offsets. */
    private static final class Responses implements EgressListener
    {
        private final Map<Long, String> byCorrelation = new ConcurrentHashMap<>();

        public void onMessage(
            final long sessionId, final long timestamp, final DirectBuffer buffer, final int offset,
            final int length, final Header header)
        {
            final MessageHeaderDecoder messageHeader = new MessageHeaderDecoder().wrap(buffer, offset);
            if (messageHeader.templateId() == InitProducerIdResponseDecoder.TEMPLATE_ID)
            {
                final InitProducerIdResponseDecoder decoder =
                    new InitProducerIdResponseDecoder().wrapAndApplyHeader(buffer, offset, messageHeader);
                byCorrelation.put(decoder.correlationId(), Long.toString(decoder.producerId()));
            }
            else if (messageHeader.templateId() == ProduceResponseDecoder.TEMPLATE_ID)
            {
                final ProduceResponseDecoder decoder =
                    new ProduceResponseDecoder().wrapAndApplyHeader(buffer, offset, messageHeader);
                final long correlationId = decoder.correlationId();
                final StringBuilder text = new StringBuilder().append(decoder.errorCode()).append(" offsets [");
                String separator = "";
                for (final ProduceResponseDecoder.PartitionsDecoder partition : decoder.partitions())
                {
                    text.append(separator).append(partition.baseOffset());
                    separator = ", ";
                    partition.topic();
                    partition.errorMessage();
                }
                text.append(']');
                final String message = decoder.errorMessage();
                byCorrelation.put(correlationId, message.isEmpty() ? text.toString() : text + " " + message);
            }
        }

        String await(final AeronCluster session, final long correlationId) throws InterruptedException
        {
            final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!byCorrelation.containsKey(correlationId))
            {
                assertTrue(System.nanoTime() < deadline, "no response to request " + correlationId);
                if (session.pollEgress() == 0)
                {
                    Thread.sleep(1);
                }
            }
            return byCorrelation.get(correlationId);
        }
    }
}
