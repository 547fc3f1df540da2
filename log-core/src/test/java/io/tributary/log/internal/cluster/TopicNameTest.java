package io.tributary.log.internal.cluster;

import io.tributary.log.internal.security.SecurityConfig;
import io.tributary.log.internal.security.SecurityView;
import io.tributary.log.internal.codecs.AdminResponseDecoder;
import io.tributary.log.internal.codecs.ErrorCode;
import io.tributary.log.internal.codecs.MessageHeaderDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static io.tributary.log.internal.cluster.ServiceHarness.createTopic;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A partition's directory is named after its topic, so the clustered service itself (not only the client) refuses
 * every name that could leave the log directory or is not Kafka's rule: 1 to 249 of a-z A-Z 0-9 . _ -, and not
 * {@code .} or {@code ..}. Requests here are encoded by hand, as a hostile client would.
 */
@Timeout(60)
class TopicNameTest
{
    @TempDir
    Path dir;

    private final PartitionRegistry registry = new PartitionRegistry();
    private final ServiceHarness.RecordingSession session = new ServiceHarness.RecordingSession();
    private PartitionLogService service;

    @BeforeEach
    void start()
    {
        service = new PartitionLogService(0, dir.resolve("data").resolve("log"), registry, 60_000, null,
            new SecurityView(SecurityConfig.DISABLED));
        service.onStart(ServiceHarness.cluster(), null);
    }

    @AfterEach
    void stop()
    {
        service.onTerminate(null);
    }

    @Test
    void namesThatCouldLeaveTheLogDirectoryAreRefusedAtCreate() throws IOException
    {
        for (final String name : List.of("../x", "../../etc", "..", ".", "a/b", "/abs", "a\\b", "..\\x", "x\u0000y",
            "tab\there", "new\nline", "sp ace", "ü", "x".repeat(250), ""))
        {
            final AdminResponseDecoder response = create(name);
            assertEquals(ErrorCode.INVALID_TOPIC, response.errorCode(), name);
            final String message = response.errorMessage();
            assertTrue(message.contains("use 1 to 249 of a-z A-Z 0-9 . _ - (and not '.' or '..')"), message);
        }
        assertTrue(registry.topics().isEmpty());
        try (Stream<Path> files = Files.walk(dir))
        {
            assertEquals(List.of(), files.filter(p -> !p.equals(dir) && !p.startsWith(dir.resolve("data"))).toList(),
                "nothing written outside the data directory");
        }
    }

    @Test
    void namesOfTheRuleAreAccepted()
    {
        for (final String name : List.of("a", "..x", "x..", "a.b_c-D9", "x".repeat(249)))
        {
            assertEquals(ErrorCode.NONE, create(name).errorCode(), name);
            assertTrue(Files.isDirectory(dir.resolve("data").resolve("log").resolve(name + "-0")), name);
        }
    }

    private AdminResponseDecoder create(final String name)
    {
        final byte[] request = createTopic(1, name, 1);
        session.last = null;
        service.onSessionMessage(session, 1_000, new UnsafeBuffer(request), 0, request.length, null);
        return new AdminResponseDecoder().wrapAndApplyHeader(new UnsafeBuffer(session.last), 0,
            new MessageHeaderDecoder());
    }
}
