package io.tributary.connect.conformance;

import io.tributary.log.Admin;
import io.tributary.log.NewTopic;

import java.util.List;
import java.util.Map;

/**
 * The topic sink copying into a topic of this harness that takes batches of at most 1 KiB, so a larger record can
 * never be delivered.
 */
final class TopicSinkHarness implements ConnectorHarness
{
    private final ConformanceEnv env;
    private String target;

    TopicSinkHarness(final ConformanceEnv env)
    {
        this.env = env;
    }

    public String type()
    {
        return "topic";
    }

    public boolean source()
    {
        return false;
    }

    public String block(final String name)
    {
        target = name + "-copy";
        try (Admin admin = Admin.create(env.cluster().members()))
        {
            if (!admin.listTopics().contains(target))
            {
                admin.createTopic(new NewTopic(target, 1, Map.of("max.message.bytes", "1024")));
            }
        }
        return "{ topic: " + target + " }";
    }

    public String[] badBlock()
    {
        return new String[] {"{ topik: x }", "sink.topic.topik"};
    }

    public String poisonError()
    {
        return "exceeds max.message.bytes";
    }

    public byte[] poisonValue()
    {
        return ("{\"id\":-1,\"pad\":\"" + "x".repeat(4096) + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    public List<Integer> delivered()
    {
        return TopicReader.ids(env.cluster().members(), target);
    }
}
