package io.tributary.log.internal.security;

import io.tributary.log.internal.codecs.AclOperation;
import org.agrona.DirectBuffer;

import java.nio.charset.StandardCharsets;

/**
 * The internal topics that hold deployed jobs, and what writing to them means for access control. A job's spec and
 * jar are records keyed by the job's name ({@code __jobs}: {@code <job>}, {@code __job_artifacts}:
 * {@code <job>/<version>/<chunk>}), and whether it should run is a record of its own ({@code __job_control}:
 * {@code <job>}). So the cluster can check each record against the job it names: writing the first two is deploying
 * the job (DEPLOY), writing the third is stopping or starting it (STOP). Topic rules do not open these three topics
 * to writes: only job rules (and super users) do. Connectors run in the cluster are jobs like pipelines.
 */
public final class JobResources
{
    public static final String JOBS = "__jobs";
    public static final String ARTIFACTS = "__job_artifacts";
    public static final String CONTROL = "__job_control";

    private JobResources()
    {
    }

    /**
     * @return the job operation that writing to {@code topic} is, or null for any other topic.
     */
    public static AclOperation writeOperation(final String topic)
    {
        if (JOBS.equals(topic) || ARTIFACTS.equals(topic))
        {
            return AclOperation.DEPLOY;
        }
        return CONTROL.equals(topic) ? AclOperation.STOP : null;
    }

    /**
     * @return the job a record of one of the job topics names: its key up to the first {@code /}; empty for a record
     *         without a key, which no job rule matches.
     */
    public static String jobOf(final DirectBuffer buffer, final int keyOffset, final int keyLength)
    {
        int end = 0;
        while (end < keyLength && buffer.getByte(keyOffset + end) != '/')
        {
            end++;
        }
        final byte[] name = new byte[end];
        buffer.getBytes(keyOffset, name);
        return new String(name, StandardCharsets.UTF_8);
    }
}
