package io.tributary.connect.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.tributary.connect.ConnectorContext;
import io.tributary.connect.DeliveryException;
import io.tributary.connect.RecordConversionException;
import io.tributary.connect.SinkConnector;
import io.tributary.connect.SinkConnectorType;
import io.tributary.connect.spec.ComponentSpec;
import io.tributary.connect.spec.FieldSpec;
import io.tributary.connect.spec.FieldType;
import io.tributary.connect.spec.Settings;
import io.tributary.connect.support.Json;
import io.tributary.log.ConsumerRecord;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;

/**
 * Sends a batch as one request whose body is a JSON array of the record values (each must be JSON). 2xx is
 * delivered; 429 and 5xx are retried, waiting at least what {@code Retry-After} asks; other answers fail for good
 * and the batch's records are tried one by one, so only the refused ones go to the dead-letter topic. Not
 * thread-safe: used by the runner thread.
 */
public final class HttpSink implements SinkConnector
{
    /** The {@code http} sink type. */
    public static final class Type implements SinkConnectorType
    {
        private static final ComponentSpec SPEC = ComponentSpec.of("http",
            "POSTs batches of records as a JSON array; retries 429 and 5xx honouring Retry-After.",
            FieldSpec.required("url", FieldType.STRING, "the endpoint", "https://example.invalid/hook"),
            FieldSpec.oneOf("method", "POST", List.of("POST", "PUT"), "request method"),
            FieldSpec.optional("headers", FieldType.STRING_MAP, Map.of(), "request headers",
                "{ Authorization: \"Bearer ${HOOK_TOKEN}\" }"),
            FieldSpec.optional("timeout", FieldType.DURATION, Duration.ofSeconds(10), "request timeout", "10s"));

        public ComponentSpec spec()
        {
            return SPEC;
        }

        public SinkConnector create(final Settings s)
        {
            final URI uri = URI.create(s.string("url"));
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()))
            {
                throw new IllegalArgumentException("url must be http:// or https://");
            }
            return new HttpSink(uri, s.string("method"), s.map("headers"), s.duration("timeout"));
        }
    }

    private final URI url;
    private final String method;
    private final Map<String, String> headers;
    private final Duration timeout;
    private HttpClient client;

    HttpSink(final URI url, final String method, final Map<String, String> headers, final Duration timeout)
    {
        this.url = url;
        this.method = method;
        this.headers = Map.copyOf(headers);
        this.timeout = timeout;
    }

    public void start(final ConnectorContext context)
    {
        client = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    public void deliver(final List<ConsumerRecord<byte[], byte[]>> records) throws Exception
    {
        final ArrayNode body = Json.MAPPER.createArrayNode();
        for (final ConsumerRecord<byte[], byte[]> record : records)
        {
            final JsonNode value = Json.parseOrNull(record.value());
            if (value == null)
            {
                throw new RecordConversionException(record, record.value() == null ?
                    "a tombstone has no body to send" : "value is not JSON");
            }
            body.add(value);
        }
        final HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(timeout)
            .header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body)));
        headers.forEach(request::header);
        final HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        final int status = response.statusCode();
        if (status / 100 == 2)
        {
            return;
        }
        final String reason = method + " " + url + " answered " + status + ": " + abbreviate(response.body());
        if (status == 429 || status / 100 == 5)
        {
            throw new DeliveryException(reason, true,
                retryAfter(response.headers().firstValue("Retry-After").orElse(null)));
        }
        throw new DeliveryException(reason, false, null);
    }

    public void close()
    {
    }

    /**
     * @return the wait a {@code Retry-After} header asks for (seconds or an HTTP date), or null.
     */
    static Duration retryAfter(final String header)
    {
        if (header == null || header.isBlank())
        {
            return null;
        }
        try
        {
            return Duration.ofSeconds(Long.parseLong(header.trim()));
        }
        catch (final NumberFormatException ex)
        {
            try
            {
                final ZonedDateTime at = ZonedDateTime.parse(header.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
                final Duration wait = Duration.between(ZonedDateTime.now(at.getZone()), at);
                return wait.isNegative() ? Duration.ZERO : wait;
            }
            catch (final DateTimeParseException ignored)
            {
                return null;
            }
        }
    }

    private static String abbreviate(final String text)
    {
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }
}
