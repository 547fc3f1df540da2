package io.tributary.connect.source;

import io.tributary.connect.ConnectorContext;
import io.tributary.connect.SourceConnector;
import io.tributary.connect.SourceConnectorType;
import io.tributary.connect.SourceRecord;
import io.tributary.connect.spec.ComponentSpec;
import io.tributary.connect.spec.FieldSpec;
import io.tributary.connect.spec.FieldType;
import io.tributary.connect.spec.Settings;
import io.tributary.connect.support.Json;
import io.tributary.connect.support.MqttSettings;
import io.tributary.connect.support.PushedRecords;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Subscribes to MQTT topics. With QoS 1 or 2 messages are acknowledged to the broker (manual acks) only after the
 * cluster committed them, and the session is persistent, so the broker redelivers whatever a crashed connector had
 * not appended: at-least-once, nothing lost. The broker keeps the position; records carry none.
 * <p>
 * Threading: Paho's callback thread puts messages on a bounded queue (blocking it applies back-pressure to the
 * broker); the runner thread polls and acknowledges.
 */
public final class MqttSource implements SourceConnector, MqttCallbackExtended
{
    /** The {@code mqtt} source type. */
    public static final class Type implements SourceConnectorType
    {
        private static final ComponentSpec SPEC;

        static
        {
            final List<FieldSpec> fields = new ArrayList<>(MqttSettings.FIELDS);
            fields.add(FieldSpec.required("topics", FieldType.STRING_LIST, "topic filters to subscribe to",
                "[\"plant/+/temperature\"]"));
            fields.add(FieldSpec.optional("qos", FieldType.INT, 1,
                "0, 1 or 2; with 1 or 2 a message is acknowledged to the broker only once appended", "1"));
            fields.add(FieldSpec.oneOf("format", "raw", List.of("raw", "json"),
                "raw: payload as it is; json: payload must be JSON, else it goes to the dead-letter topic"));
            SPEC = new ComponentSpec("mqtt", "Subscribes to an MQTT broker (sensors, gateways). Attributes: " +
                "mqtt.topic, mqtt.qos.", fields);
        }

        public ComponentSpec spec()
        {
            return SPEC;
        }

        public SourceConnector create(final Settings s)
        {
            final int qos = s.integer("qos");
            if (qos < 0 || qos > 2)
            {
                throw new IllegalArgumentException("qos must be 0, 1 or 2, got " + qos);
            }
            if (s.list("topics").isEmpty())
            {
                throw new IllegalArgumentException("topics must name at least one topic filter");
            }
            return new MqttSource(MqttSettings.from(s), s.list("topics"), qos, s.string("format").equals("json"));
        }
    }

    private final MqttSettings settings;
    private final List<String> topics;
    private final int qos;
    private final boolean json;
    private final PushedRecords queue = new PushedRecords(10_000);
    private MqttClient client;

    MqttSource(final MqttSettings settings, final List<String> topics, final int qos, final boolean json)
    {
        this.settings = settings;
        this.topics = List.copyOf(topics);
        this.qos = qos;
        this.json = json;
    }

    public void start(final ConnectorContext context, final String position) throws MqttException
    {
        client = new MqttClient(settings.url(), settings.clientId(context.name()), new MemoryPersistence());
        client.setManualAcks(true);
        client.setCallback(this);
        client.connect(settings.options(qos == 0));
        subscribe();
    }

    public List<SourceRecord> poll(final int maxRecords, final Duration timeout) throws InterruptedException
    {
        return queue.poll(maxRecords, timeout);
    }

    public void acknowledge(final List<SourceRecord> records)
    {
        for (final SourceRecord record : records)
        {
            final Ack ack = (Ack)record.handle();
            if (ack.qos > 0)
            {
                try
                {
                    client.messageArrivedComplete(ack.id, ack.qos);
                }
                catch (final MqttException ex)
                {
                    // Lost connection: the broker redelivers the message, and it is appended once more.
                    System.getLogger(MqttSource.class.getName()).log(System.Logger.Level.WARNING,
                        "acknowledging message " + ack.id + " failed, the broker will redeliver it: " +
                            ex.getMessage());
                }
            }
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
                client.disconnect(2000);
            }
        }
        catch (final MqttException ignored)
        {
            // Closing anyway; the broker redelivers what was not acknowledged.
        }
        try
        {
            client.close(true);
        }
        catch (final MqttException ignored)
        {
            // Nothing more to release.
        }
    }

    public void messageArrived(final String topic, final MqttMessage message) throws InterruptedException
    {
        final Map<String, String> attributes = Map.of("mqtt.topic", topic, "mqtt.qos",
            Integer.toString(message.getQos()));
        final Ack ack = new Ack(message.getId(), message.getQos());
        final byte[] payload = message.getPayload();
        if (json && Json.parseOrNull(payload) == null)
        {
            queue.put(SourceRecord.invalid(payload, "payload on " + topic + " is not JSON", attributes, null, ack));
        }
        else
        {
            queue.put(SourceRecord.of(null, payload, attributes, null, ack));
        }
    }

    public void connectComplete(final boolean reconnect, final String serverURI)
    {
        if (reconnect && qos == 0)
        {
            try
            {
                subscribe();
            }
            catch (final MqttException ex)
            {
                System.getLogger(MqttSource.class.getName()).log(System.Logger.Level.WARNING,
                    "resubscribing after a reconnect failed: " + ex.getMessage());
            }
        }
    }

    public void connectionLost(final Throwable cause)
    {
        System.getLogger(MqttSource.class.getName()).log(System.Logger.Level.WARNING,
            "connection to " + settings.url() + " lost, reconnecting: " + cause);
    }

    public void deliveryComplete(final IMqttDeliveryToken token)
    {
    }

    private void subscribe() throws MqttException
    {
        final int[] qoss = new int[topics.size()];
        java.util.Arrays.fill(qoss, qos);
        client.subscribe(topics.toArray(String[]::new), qoss);
    }

    private record Ack(int id, int qos)
    {
    }
}
