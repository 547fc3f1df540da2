package io.tributary.testing;

import io.tributary.log.Producer;
import io.tributary.log.ProducerConfig;
import io.tributary.log.ProducerRecord;
import io.tributary.log.Serializer;

/**
 * Whether this build's client has atomic appends ({@code Producer.beginTransaction()}), which sources need to write
 * records and their position together. Tests of sources assume it, so they are reported as skipped, with this
 * reason, on a build whose transactions are still a stub.
 */
public final class TransactionSupport
{
    public static final String MISSING = "Transaction is a stub in this build: sources cannot append atomically";

    private TransactionSupport()
    {
    }

    public static boolean available(final String cluster)
    {
        try (Producer<byte[], byte[]> producer = Producer.create(ProducerConfig.builder().cluster(cluster).build(),
            Serializer.bytes(), Serializer.bytes()))
        {
            producer.beginTransaction().send(ProducerRecord.of("__transaction_probe", null, new byte[0]));
            return true;
        }
        catch (final UnsupportedOperationException ex)
        {
            return false;
        }
        catch (final RuntimeException ex)
        {
            // Anything else (an unknown topic at send, say) means the API is there.
            return true;
        }
    }
}
