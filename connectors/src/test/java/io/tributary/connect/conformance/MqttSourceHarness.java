package io.tributary.connect.conformance;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import java.nio.charset.StandardCharsets;

/**
 * The mqtt source, fed by a QoS 1 publisher.
 */
final class MqttSourceHarness implements ConnectorHarness
{
    private final ConformanceEnv env;
    private MqttClient publisher;
    private String name;

    MqttSourceHarness(final ConformanceEnv env)
    {
        this.env = env;
    }

    public String type()
    {
        return "mqtt";
    }

    public boolean source()
    {
        return true;
    }

    public String block(final String name)
    {
        this.name = name;
        return "{ url: \"" + env.broker().url() + "\", topics: [\"conf/" + name + "/#\"], qos: 1, format: json, " +
            "client_id: " + name + " }";
    }

    public String[] badBlock()
    {
        return new String[] {"{ url: \"" + env.broker().url() + "\", topic: [a] }", "source.mqtt.topic"};
    }

    public void feed(final int from, final int to) throws Exception
    {
        for (int id = from; id < to; id++)
        {
            publish(Ids.value(id));
        }
    }

    public String poisonError()
    {
        return "is not JSON";
    }

    public Poison poisonSource() throws Exception
    {
        publish("not json".getBytes(StandardCharsets.UTF_8));
        return Poison.DEAD_LETTERED;
    }

    public void close() throws Exception
    {
        if (publisher != null)
        {
            publisher.disconnect();
            publisher.close();
        }
    }

    private void publish(final byte[] payload) throws Exception
    {
        if (publisher == null)
        {
            publisher = new MqttClient(env.broker().url(), name + "-feed", new MemoryPersistence());
            // A QoS 1 token is freed on the callback thread a little after publish returns: leave room in flight.
            final MqttConnectOptions options = new MqttConnectOptions();
            options.setMaxInflight(1000);
            publisher.connect(options);
        }
        final MqttMessage message = new MqttMessage(payload);
        message.setQos(1);
        publisher.publish("conf/" + name + "/s1", message);
    }
}
