package io.tributary.log.internal.cluster;

import io.tributary.log.internal.codecs.BooleanType;
import io.tributary.log.internal.codecs.ErrorCode;
import io.tributary.log.internal.codecs.GroupHeartbeatRequestEncoder;
import io.tributary.log.internal.codecs.GroupHeartbeatResponseDecoder;
import io.tributary.log.internal.codecs.MessageHeaderDecoder;
import io.tributary.log.internal.security.SecurityConfig;
import io.tributary.log.internal.security.SecurityView;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The group coordinator driven through the service, as a client's heartbeats reach it.
 */
class GroupCoordinatorTest
{
    private static final String TOPIC = "two";
    private static final String GROUP = "g";

    @TempDir
    Path dir;

    private final ServiceHarness.RecordingSession session = new ServiceHarness.RecordingSession();
    private PartitionLogService service;
    private long correlationIds = 1;
    private long now = 1_000;

    @BeforeEach
    void start()
    {
        service = new PartitionLogService(0, dir.resolve("log"), new PartitionRegistry(), 60_000, null,
            new SecurityView(SecurityConfig.DISABLED));
        service.onStart(ServiceHarness.cluster(), null);
        apply(ServiceHarness.createTopic(correlationIds++, TOPIC, 2));
    }

    @AfterEach
    void stop()
    {
        service.onTerminate(null);
    }

    @Test
    void aMemberGivenNothingIsStillAMemberWithAnEpochAndDoesNotJoinAgain()
    {
        final Heartbeat a = heartbeat("a", 0, List.of());
        final Heartbeat b = heartbeat("b", 0, List.of());
        final Heartbeat c = heartbeat("c", 0, List.of());
        assertEquals(ErrorCode.NONE, c.code);
        assertTrue(c.epoch >= 1, "a joined member's epoch is at least 1, so its next heartbeat is not a join: " +
            c.epoch);

        // Once a and b hold what they were given, c's later heartbeats keep its epoch and give it nothing.
        final Heartbeat aHolds = heartbeat("a", heartbeat("a", a.epoch, List.of()).epoch, a.assigned);
        final Heartbeat bHolds = heartbeat("b", heartbeat("b", b.epoch, List.of()).epoch, b.assigned);
        final List<Integer> held = new ArrayList<>(aHolds.assigned);
        held.addAll(bHolds.assigned);
        assertEquals(List.of(0, 1), held.stream().sorted().toList(), "two partitions over the first two members");
        for (int i = 0; i < 3; i++)
        {
            final Heartbeat again = heartbeat("c", c.epoch, List.of());
            assertEquals(ErrorCode.NONE, again.code);
            assertEquals(c.epoch, again.epoch, "no rebalance: c's epoch does not move");
            assertEquals(List.of(), again.assigned);
        }
        assertEquals(aHolds.epoch, heartbeat("a", aHolds.epoch, aHolds.assigned).epoch, "a's epoch does not move");

        // When a leaves, c takes its partition: an epoch above its first.
        heartbeat("a", -1, List.of());
        final Heartbeat cTakes = heartbeat("c", c.epoch, List.of());
        assertTrue(cTakes.epoch > c.epoch, "c's target changed: " + cTakes.epoch);
        assertEquals(aHolds.assigned, cTakes.assigned);
    }

    private record Heartbeat(ErrorCode code, int epoch, List<Integer> assigned)
    {
    }

    private Heartbeat heartbeat(final String member, final int epoch, final List<Integer> owned)
    {
        final long correlationId = correlationIds++;
        final byte[] request = ServiceHarness.encode(correlationId, (b, h) ->
        {
            final GroupHeartbeatRequestEncoder e = new GroupHeartbeatRequestEncoder().wrapAndApplyHeader(b, 0, h)
                .correlationId(correlationId).memberEpoch(epoch).sessionTimeoutMs(10_000)
                .coPartitioned(BooleanType.FALSE);
            e.topicsCount(1).next().topic(TOPIC);
            final GroupHeartbeatRequestEncoder.OwnedEncoder out = e.ownedCount(owned.size());
            owned.forEach(p -> out.next().partition(p).topic(TOPIC));
            return e.groupId(GROUP).memberId(member).encodedLength();
        });
        apply(request);
        if (epoch < 0)
        {
            return null;
        }
        final GroupHeartbeatResponseDecoder decoder = new GroupHeartbeatResponseDecoder()
            .wrapAndApplyHeader(new UnsafeBuffer(session.last), 0, new MessageHeaderDecoder());
        final ErrorCode code = decoder.errorCode();
        final int answeredEpoch = decoder.memberEpoch();
        final List<Integer> assigned = new ArrayList<>();
        for (final GroupHeartbeatResponseDecoder.AssignedDecoder a : decoder.assigned())
        {
            assigned.add(a.partition());
            assertEquals(TOPIC, a.topic());
        }
        return new Heartbeat(code, answeredEpoch, assigned);
    }

    private void apply(final byte[] request)
    {
        session.last = null;
        service.onSessionMessage(session, now++, new UnsafeBuffer(request), 0, request.length, null);
        assertNotNull(session.last, "answered");
    }
}
