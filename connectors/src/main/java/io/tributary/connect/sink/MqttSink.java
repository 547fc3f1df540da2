package io.tributary.connect.sink;

import io.tributary.connect.ConnectorContext;
import io.tributary.connect.RecordConversionException;
import io.tributary.connect.SinkConnector;
import io.tributary.connect.SinkConnectorType;
import io.tributary.connect.spec.ComponentSpec;
import io.tributary.connect.spec.FieldSpec;
import io.tributary.connect.spec.FieldType;
import io.tributary.connect.spec.Settings;
import io.tributary.connect.support.MqttSettings;
import io.tributary.log.ConsumerRecord;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Publishes each record's value to an MQTT topic made from a template ({@code ${key}}, {@code ${topic}},
 * {@code ${partition}}); a batch counts as delivered when the broker acknowledged every message (QoS 1 or 2).
 * Not thread-safe: used by the runner thread.
 */
public final class MqttSink implements SinkConnector
{
    /** The {@code mqtt} sink type. */
    public static final class Type implements SinkConnectorType
    {
        private static final ComponentSpec SPEC;

        static
        {
            final List<FieldSpec> fields = new ArrayList<>(MqttSettings.FIELDS);
            fields.add(FieldSpec.required("topic", FieldType.STRING,
                "MQTT topic template: ${key}, ${topic} and ${partition} are replaced", "\"actuators/${key}/set\""));
            fields.add(FieldSpec.optional("qos", FieldType.INT, 1, "0, 1 or 2", "1"));
            fields.add(FieldSpec.optional("retained", FieldType.BOOLEAN, false, "publish as retained", "false"));
            SPEC = new ComponentSpec("mqtt", "Publishes record values to an MQTT broker.", fields);
        }

        public ComponentSpec spec()
        {
            return SPEC;
        }

        public SinkConnector create(final Settings s)
        {
            final int qos = s.integer("qos");
            if (qos < 0 || qos > 2)
            {
                throw new IllegalArgumentException("qos must be 0, 1 or 2, got " + qos);
            }
            return new MqttSink(MqttSettings.from(s), s.string("topic"), qos, s.bool("retained"));
        }
    }

    private final MqttSettings settings;
    private final String topic;
    private final int qos;
    private final boolean retained;
    private MqttAsyncClient client;

    MqttSink(final MqttSettings settings, final String topic, final int qos, final boolean retained)
    {
        this.settings = settings;
        this.topic = topic;
        this.qos = qos;
        this.retained = retained;
    }

    public void start(final ConnectorContext context) throws MqttException
    {
        client = new MqttAsyncClient(settings.url(), settings.clientId(context.name()), new MemoryPersistence());
        client.connect(settings.options(true)).waitForCompletion(settings.connectTimeout().toMillis());
    }

    public void deliver(final List<ConsumerRecord<byte[], byte[]>> records) throws Exception
    {
        final List<IMqttDeliveryToken> tokens = new ArrayList<>(records.size());
        for (final ConsumerRecord<byte[], byte[]> record : records)
        {
            if (record.value() == null)
            {
                throw new RecordConversionException(record, "a tombstone has no payload to publish");
            }
        }
        for (final ConsumerRecord<byte[], byte[]> record : records)
        {
            final MqttMessage message = new MqttMessage(record.value());
            message.setQos(qos);
            message.setRetained(retained);
            tokens.add(client.publish(topic(record), message));
        }
        for (final IMqttDeliveryToken token : tokens)
        {
            token.waitForCompletion(30_000);
        }
    }

    public void close()
    {
        if (client == null)
        {
            return;
        }
        try
        {
            if (client.isConnected())
            {
                client.disconnect().waitForCompletion(2000);
            }
            client.close(true);
        }
        catch (final MqttException ignored)
        {
            // Everything delivered was acknowledged already.
        }
    }

    private String topic(final ConsumerRecord<byte[], byte[]> record)
    {
        return topic.replace("${key}", record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8))
            .replace("${topic}", record.topic())
            .replace("${partition}", Integer.toString(record.partition()));
    }
}
