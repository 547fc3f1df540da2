package io.tributary.testing;

import io.tributary.log.Consumer;
import io.tributary.log.ConsumerConfig;
import io.tributary.log.ConsumerRebalanceListener;
import io.tributary.log.ConsumerRecord;
import io.tributary.log.TopicPartition;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A group member in its own JVM, so a test can SIGKILL it: subscribes to a topic and appends to a file, flushed
 * after every poll, one line per event: {@code record <partition> <offset>}, {@code assigned <tp>...},
 * {@code revoked <tp>...}, {@code lost <tp>...}. Auto-commit is on, so everything it committed is in its file.
 * <p>
 * Arguments: cluster group topic file sessionTimeoutMs autoCommitIntervalMs.
 */
public final class GroupMemberMain
{
    private GroupMemberMain()
    {
    }

    public static void main(final String[] args) throws IOException, InterruptedException
    {
        final String cluster = args[0];
        final String group = args[1];
        final String topic = args[2];
        final PrintStream out = new PrintStream(new FileOutputStream(args[3], true), false, StandardCharsets.UTF_8);
        final ConsumerConfig config = ConsumerConfig.builder()
            .cluster(cluster)
            .groupId(group)
            .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST)
            .sessionTimeout(Duration.ofMillis(Long.parseLong(args[4])))
            .autoCommitInterval(Duration.ofMillis(Long.parseLong(args[5])))
            .build();
        final CountDownLatch closed = new CountDownLatch(1);
        final Thread main = Thread.currentThread();
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            main.interrupt();
            try
            {
                closed.await(10, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ignored)
            {
                // exiting anyway
            }
        }));
        try (Consumer<String, String> consumer = Consumer.create(config))
        {
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener()
            {
                public void onPartitionsRevoked(final Collection<TopicPartition> partitions)
                {
                    event("revoked", partitions);
                }

                public void onPartitionsAssigned(final Collection<TopicPartition> partitions)
                {
                    event("assigned", partitions);
                }

                public void onPartitionsLost(final Collection<TopicPartition> partitions)
                {
                    event("lost", partitions);
                }

                private void event(final String what, final Collection<TopicPartition> partitions)
                {
                    final StringBuilder line = new StringBuilder(what);
                    partitions.forEach(tp -> line.append(' ').append(tp));
                    out.println(line);
                    out.flush();
                }
            });
            while (!Thread.currentThread().isInterrupted())
            {
                try
                {
                    for (final ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200)))
                    {
                        out.println("record " + record.partition() + " " + record.offset());
                    }
                    out.flush();
                }
                catch (final io.tributary.log.TributaryException ex)
                {
                    if (ex.errorCode() == io.tributary.log.ErrorCode.CLOSED)
                    {
                        break;
                    }
                    out.println("error " + ex.errorCode() + " " + ex.getMessage());
                    out.flush();
                }
            }
            Thread.interrupted(); // so close can wait for the cluster while it leaves the group
        }
        finally
        {
            out.close();
            closed.countDown();
        }
    }
}
