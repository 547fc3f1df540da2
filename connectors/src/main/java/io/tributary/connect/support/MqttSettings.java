package io.tributary.connect.support;

import io.tributary.connect.spec.FieldSpec;
import io.tributary.connect.spec.FieldType;
import io.tributary.connect.spec.Settings;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;

import java.time.Duration;
import java.util.List;

/**
 * The connection fields the MQTT source and sink share, and the Paho options they make.
 *
 * @param url            broker URL, {@code tcp://host:port} or {@code ssl://host:port}.
 * @param clientId       client id, or null for {@code tributary-<connector name>}.
 * @param username       user, or null.
 * @param password       password, or null.
 * @param keepAlive      keep-alive interval.
 * @param connectTimeout connect timeout.
 */
public record MqttSettings(String url, String clientId, String username, String password, Duration keepAlive,
    Duration connectTimeout)
{
    public static final List<FieldSpec> FIELDS = List.of(
        FieldSpec.required("url", FieldType.STRING, "broker URL", "tcp://127.0.0.1:1883"),
        FieldSpec.optional("client_id", FieldType.STRING, null,
            "MQTT client id; absent: tributary-<connector name>", "plant-gateway"),
        FieldSpec.optional("username", FieldType.STRING, null, "user name", "sensors"),
        FieldSpec.optional("password", FieldType.STRING, null, "password", "${MQTT_PASSWORD}").asSecret(),
        FieldSpec.optional("keep_alive", FieldType.DURATION, Duration.ofSeconds(30), "keep-alive interval", "30s"),
        FieldSpec.optional("connect_timeout", FieldType.DURATION, Duration.ofSeconds(10), "connect timeout", "10s"));

    public static MqttSettings from(final Settings s)
    {
        final String url = s.string("url");
        if (!url.startsWith("tcp://") && !url.startsWith("ssl://"))
        {
            throw new IllegalArgumentException("url must start with tcp:// or ssl://, got '" + url + "'");
        }
        return new MqttSettings(url, s.string("client_id"), s.string("username"), s.string("password"),
            s.duration("keep_alive"), s.duration("connect_timeout"));
    }

    public String clientId(final String connectorName)
    {
        return clientId != null ? clientId : "tributary-" + connectorName;
    }

    /**
     * @param cleanSession whether the broker forgets the session (subscriptions, unacknowledged messages).
     */
    public MqttConnectOptions options(final boolean cleanSession)
    {
        final MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(cleanSession);
        options.setAutomaticReconnect(true);
        options.setKeepAliveInterval((int)keepAlive.toSeconds());
        options.setConnectionTimeout((int)Math.max(1, connectTimeout.toSeconds()));
        options.setMaxInflight(1000);
        if (username != null)
        {
            options.setUserName(username);
        }
        if (password != null)
        {
            options.setPassword(password.toCharArray());
        }
        return options;
    }
}
