package io.tributary.log.internal.cluster;

import io.tributary.log.TopicPartition;
import io.tributary.log.internal.codecs.ErrorCode;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static io.tributary.log.internal.cluster.ProducerStates.Verdict.DUPLICATE;
import static io.tributary.log.internal.cluster.ProducerStates.Verdict.NEXT;
import static io.tributary.log.internal.cluster.ProducerStates.Verdict.OUT_OF_ORDER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProducerStatesTest
{
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private final ProducerStates states = new ProducerStates();
    private final Map<ProducerStates.ProducerPartition, Integer> none = new HashMap<>();

    @Test
    void batchesInSequenceAreAppendedAndResentOnesAnsweredWithTheirFirstOffsets()
    {
        final long pid = states.allocateProducerId(0);
        assertEquals(NEXT, states.check(pid, TP, 0, 10, none));
        states.record(pid, TP, 0, 10, 100, 1, ErrorCode.NONE, 1);
        assertEquals(NEXT, states.check(pid, TP, 10, 5, none));
        states.record(pid, TP, 10, 5, 110, 2, ErrorCode.NONE, 2);

        assertEquals(DUPLICATE, states.check(pid, TP, 0, 10, none));
        assertEquals(100, states.duplicate().baseOffset());
        assertEquals(DUPLICATE, states.check(pid, TP, 10, 5, none));
        assertEquals(110, states.duplicate().baseOffset());
        assertEquals(2, states.duplicate().appendTime());
    }

    @Test
    void aGapOrAForgottenBatchIsOutOfOrder()
    {
        final long pid = states.allocateProducerId(0);
        states.record(pid, TP, 0, 10, 0, 0, ErrorCode.NONE, 0);
        assertEquals(OUT_OF_ORDER, states.check(pid, TP, 11, 1, none));
        assertTrue(states.outOfOrderReason().contains("skipped from sequence 9 to 11"));

        for (int i = 1; i <= ProducerStates.REMEMBERED_BATCHES; i++)
        {
            states.record(pid, TP, 10 * i, 10, 10L * i, 0, ErrorCode.NONE, 0);
        }
        assertEquals(OUT_OF_ORDER, states.check(pid, TP, 0, 10, none), "too old to be remembered");
        assertTrue(states.outOfOrderReason().contains("written too long ago"));
    }

    @Test
    void aRefusedBatchUsesUpItsSequenceAndIsRefusedAgainWhenResent()
    {
        final long pid = states.allocateProducerId(0);
        states.record(pid, TP, 0, 3, -1, -1, ErrorCode.RECORD_TOO_LARGE, 0);
        assertEquals(NEXT, states.check(pid, TP, 3, 1, none), "later batches stay in sequence");
        assertEquals(DUPLICATE, states.check(pid, TP, 0, 3, none));
        assertEquals(ErrorCode.RECORD_TOO_LARGE, states.duplicate().errorCode());
    }

    @Test
    void batchesEarlierInTheSameRequestCount()
    {
        final long pid = states.allocateProducerId(0);
        final Map<ProducerStates.ProducerPartition, Integer> pending = new HashMap<>();
        pending.put(new ProducerStates.ProducerPartition(pid, TP), 4);
        assertEquals(NEXT, states.check(pid, TP, 5, 1, pending));
        assertEquals(OUT_OF_ORDER, states.check(pid, TP, 0, 5, pending));
    }

    @Test
    void producersAreIndependentAndExpire()
    {
        final long a = states.allocateProducerId(0);
        final long b = states.allocateProducerId(0);
        states.record(a, TP, 0, 1, 0, 0, ErrorCode.NONE, 0);
        assertEquals(NEXT, states.check(b, TP, 0, 1, none));
        states.record(b, TP, 0, 1, 1, 0, ErrorCode.NONE, ProducerStates.EXPIRY_MS);
        states.expire(ProducerStates.EXPIRY_MS + 1);
        assertEquals(1, states.producerCount());
        assertEquals(NEXT, states.check(a, TP, 77, 1, none), "an expired producer starts afresh");
    }

    @Test
    void snapshotRoundTrips()
    {
        final long pid = states.allocateProducerId(5);
        states.record(pid, TP, 0, 10, 100, 7, ErrorCode.NONE, 5);
        states.record(pid, new TopicPartition("u", 3), 0, 2, -1, -1, ErrorCode.UNKNOWN_TOPIC, 5);

        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer();
        final ProducerStates copy = new ProducerStates();
        states.writeSnapshot(buffer, length ->
        {
            final io.tributary.log.internal.codecs.MessageHeaderDecoder header =
                new io.tributary.log.internal.codecs.MessageHeaderDecoder();
            copy.loadSnapshot(new io.tributary.log.internal.codecs.ProducerStateSnapshotDecoder()
                .wrapAndApplyHeader(buffer, 0, header));
        });
        assertEquals(DUPLICATE, copy.check(pid, TP, 0, 10, none));
        assertEquals(100, copy.duplicate().baseOffset());
        assertEquals(DUPLICATE, copy.check(pid, new TopicPartition("u", 3), 0, 2, none));
        assertEquals(ErrorCode.UNKNOWN_TOPIC, copy.duplicate().errorCode());
        assertEquals(NEXT, copy.check(pid, TP, 10, 1, none));
    }
}
