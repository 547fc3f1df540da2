package io.tributary.connect.runtime;

import io.tributary.log.Admin;
import io.tributary.log.ErrorCode;
import io.tributary.log.NewTopic;
import io.tributary.log.TributaryException;

/**
 * Creating the topics a connector writes to when they are missing. Stateless and thread-safe.
 */
final class Topics
{
    private Topics()
    {
    }

    static void ensure(final Admin admin, final NewTopic topic)
    {
        if (admin.listTopics().contains(topic.name()))
        {
            return;
        }
        try
        {
            admin.createTopic(topic);
        }
        catch (final TributaryException ex)
        {
            if (ex.errorCode() != ErrorCode.TOPIC_ALREADY_EXISTS)
            {
                throw ex;
            }
        }
    }
}
