package io.tributary.log.internal.client;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.tributary.log.Admin;
import io.tributary.log.ErrorCode;
import io.tributary.log.NewTopic;
import io.tributary.log.internal.AeronSettings;
import io.tributary.log.internal.cluster.ClusterMembers;
import io.tributary.log.internal.codecs.ListOffsetsResponseDecoder;
import io.tributary.log.internal.codecs.MessageHeaderDecoder;
import io.tributary.log.internal.codecs.OffsetSpec;
import io.tributary.testing.TestCluster;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that closes and a new one that the OS gives the same response port: the node still holds its response
 * publication to that port for a while, and the new client must get its answers all the same. Seen in CI as
 * "no answer from the fetch server" once a test had opened and closed some hundreds of clients.
 */
@Timeout(120)
class FetchClientReconnectIT
{
    @Test
    void aNewClientOnAReusedPortIsAnswered() throws Exception
    {
        final Path aeronDir = Files.createTempDirectory("tributary-reconnect-client");
        try (TestCluster cluster = TestCluster.start(1))
        {
            try (Admin admin = Admin.create(cluster.members()))
            {
                admin.createTopic(new NewTopic("reconnect", 1));
            }
            final ClusterMembers members = ClusterMembers.parse(cluster.members());
            final int port = freeUdpPort();
            for (int client = 0; client < 2; client++)
            {
                // Each client with its own media driver, as each client process has.
                final MediaDriver driver = MediaDriver.launchEmbedded(
                    AeronSettings.mediaDriverContext(aeronDir.resolve("driver-" + client).toString()));
                final Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
                final FetchClient fetchClient = new FetchClient(aeron, members, "127.0.0.1:" + port);
                try
                {
                    final Answer answer = new Answer();
                    fetchClient.listOffsets("reconnect", 0, OffsetSpec.LATEST, 0, TimeUnit.SECONDS.toNanos(10), answer);
                    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                    while (!answer.done && System.nanoTime() < deadline)
                    {
                        if (fetchClient.doWork(System.nanoTime()) == 0)
                        {
                            Thread.sleep(1);
                        }
                    }
                    assertTrue(answer.done, "client " + client + " got no answer and no failure");
                    assertEquals(null, answer.failure, "client " + client + " on reused port " + port);
                    assertEquals(0L, answer.endOffset);
                }
                finally
                {
                    fetchClient.close();
                    CloseHelper.closeAll(aeron, driver);
                }
                // Long enough for the node to see its publication to that port disconnected.
                Thread.sleep(6_000);
            }
        }
        finally
        {
            TestCluster.deleteRecursively(aeronDir);
        }
    }

    private static int freeUdpPort() throws Exception
    {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }

    private static final class Answer implements ResponseHandler
    {
        volatile boolean done;
        volatile String failure;
        volatile long endOffset = -1;

        public void onResponse(final DirectBuffer buffer, final int offset, final int length)
        {
            final ListOffsetsResponseDecoder decoder = new ListOffsetsResponseDecoder();
            decoder.wrapAndApplyHeader(buffer, offset, new MessageHeaderDecoder());
            endOffset = decoder.resultOffset();
            done = true;
        }

        public void onFailure(final ErrorCode code, final String message)
        {
            failure = code + ": " + message;
            done = true;
        }
    }
}
