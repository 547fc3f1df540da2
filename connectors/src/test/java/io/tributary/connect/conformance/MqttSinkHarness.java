package io.tributary.connect.conformance;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The mqtt sink publishing to {@code out/<name>/<key>}, read by a subscriber of this harness.
 */
final class MqttSinkHarness implements ConnectorHarness
{
    private final ConformanceEnv env;
    private final List<Integer> received = new CopyOnWriteArrayList<>();
    private MqttClient subscriber;

    MqttSinkHarness(final ConformanceEnv env)
    {
        this.env = env;
    }

    public String type()
    {
        return "mqtt";
    }

    public boolean source()
    {
        return false;
    }

    public String block(final String name)
    {
        try
        {
            if (subscriber == null)
            {
                subscriber = new MqttClient(env.broker().url(), name + "-check", new MemoryPersistence());
                subscriber.connect();
                subscriber.subscribe("out/" + name + "/#", 1, (t, m) -> received.add(Ids.of(m.getPayload())));
            }
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(ex);
        }
        return "{ url: \"" + env.broker().url() + "\", topic: \"out/" + name + "/${key}\", qos: 1 }";
    }

    public String[] badBlock()
    {
        return new String[] {"{ url: \"" + env.broker().url() + "\", topic: t, qos: 3 }", "sink.mqtt"};
    }

    public String poisonError()
    {
        return "a tombstone has no payload to publish";
    }

    public byte[] poisonValue()
    {
        return null;
    }

    public List<Integer> delivered()
    {
        return new ArrayList<>(received);
    }

    public void close() throws Exception
    {
        if (subscriber != null)
        {
            subscriber.disconnect();
            subscriber.close();
        }
    }
}
