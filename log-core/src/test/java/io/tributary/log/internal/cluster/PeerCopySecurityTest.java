package io.tributary.log.internal.cluster;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.tributary.log.Credentials;
import io.tributary.log.internal.AeronSettings;
import io.tributary.log.internal.fetch.FetchServer;
import io.tributary.log.internal.record.RecordBatchBuilder;
import io.tributary.log.internal.security.Scram;
import io.tributary.log.internal.security.SecurityConfig;
import io.tributary.log.internal.security.SecurityView;
import io.tributary.log.internal.storage.LogConfig;
import io.tributary.log.internal.storage.PartitionLog;
import io.tributary.testing.TestCluster;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With security on, a fetch server lists and serves segment files only to a super user's fetch session: the segment
 * copy protocol (node rebuilds, repairs) is no way around read ACLs.
 */
@Timeout(60)
class PeerCopySecurityTest
{
    @TempDir
    Path dir;

    private MediaDriver driver;
    private Aeron aeron;
    private AgentRunner server;
    private PartitionLog log;
    private ClusterMembers members;

    @BeforeEach
    void start()
    {
        final String aeronDir = AeronSettings.aeronDirectoryBase() + "/tributary-peercopy-sec-" + System.nanoTime();
        driver = MediaDriver.launch(AeronSettings.mediaDriverContext(aeronDir));
        aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(aeronDir));
        final List<Integer> ports = TestCluster.freeBasePorts(2);
        members = ClusterMembers.parse("0=127.0.0.1:" + ports.get(0) + ",1=127.0.0.1:" + ports.get(1));
        log = PartitionLog.open(dir.resolve("peer/t-0"), new LogConfig(8192, 512));
        final RecordBatchBuilder builder = new RecordBatchBuilder(64 * 1024);
        builder.reset(-1, 0);
        builder.tryAppend(0, null, "secret".getBytes(), null);
        log.append(builder.buffer(), 0, builder.finish(), 1000);
        final PartitionRegistry registry = new PartitionRegistry();
        registry.put("t", new PartitionLog[] {log});
        final SecurityView view = new SecurityView(new SecurityConfig(true, Set.of("node-admin"), Map.of(
            "node-admin", Scram.credential("node-secret".toCharArray(), Scram.DEFAULT_ITERATIONS),
            "alice", Scram.credential("alice-secret".toCharArray(), Scram.DEFAULT_ITERATIONS))));
        view.markLoaded();
        server = new AgentRunner(AeronSettings.idle(), Throwable::printStackTrace, null, new FetchServer(
            aeron, members.member(1).endpoint(ClusterMembers.FETCH_PORT_OFFSET), 1, registry, view));
        AgentRunner.startOnThread(server);
    }

    @AfterEach
    void stop()
    {
        CloseHelper.closeAll(server, aeron, driver, log);
    }

    @Test
    void onlyASuperUsersSessionMayListAndCopySegments()
    {
        try (PeerCopy anonymous = new PeerCopy(aeron, members, 0))
        {
            final PeerCopy.CopyRestart refused = assertThrows(PeerCopy.CopyRestart.class,
                () -> anonymous.listSegments(1));
            assertTrue(refused.getMessage().contains("not authenticated"), refused.getMessage());
        }
        try (PeerCopy alice = new PeerCopy(aeron, members, 0, Credentials.of("alice", "alice-secret".toCharArray())))
        {
            final PeerCopy.CopyRestart refused = assertThrows(PeerCopy.CopyRestart.class, () -> alice.listSegments(1));
            assertTrue(refused.getMessage().contains("only super users"), refused.getMessage());
        }
        try (PeerCopy wrong = new PeerCopy(aeron, members, 0, Credentials.of("node-admin", "nope".toCharArray())))
        {
            final PeerCopy.CopyRestart refused = assertThrows(PeerCopy.CopyRestart.class, () -> wrong.listSegments(1));
            assertTrue(refused.getMessage().contains("wrong user name or password"), refused.getMessage());
        }
        try (PeerCopy node = new PeerCopy(aeron, members, 0,
            Credentials.of("node-admin", "node-secret".toCharArray())))
        {
            final List<PeerCopy.ListedSegment> listed = node.listSegments(1);
            assertEquals(1, listed.size());
            assertEquals(listed.get(0).length(), node.copySegment(1, listed.get(0), dir.resolve("copy.log")));
        }
    }
}
