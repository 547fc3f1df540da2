package io.tributary.connect.source;

import com.fasterxml.jackson.databind.JsonNode;
import io.tributary.connect.ConnectorContext;
import io.tributary.connect.SourceConnector;
import io.tributary.connect.SourceConnectorType;
import io.tributary.connect.SourceRecord;
import io.tributary.connect.spec.ComponentSpec;
import io.tributary.connect.spec.FieldSpec;
import io.tributary.connect.spec.FieldType;
import io.tributary.connect.spec.Settings;
import io.tributary.connect.support.Json;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Polls a REST API on an interval. Each response gives records (the array at {@code items_field}, or the body
 * itself when it is an array, else the body as one record) and, with {@code cursor_field}, the cursor for the next
 * request, passed as the query parameter {@code cursor_param}. The cursor is the position, appended with the
 * records, so a restart asks for what follows the last page appended. With {@code key_field} an item's field is its
 * record key; an item without it cannot be converted and goes to the dead-letter topic. A page without an array at
 * {@code items_field} goes to the dead-letter topic whole, with the page's cursor, rather than moving the cursor past
 * items never read. Not thread-safe: used by the runner thread.
 */
public final class HttpPollSource implements SourceConnector
{
    /** The {@code http_poll} source type. */
    public static final class Type implements SourceConnectorType
    {
        private static final ComponentSpec SPEC = ComponentSpec.of("http_poll",
            "Polls a REST API on an interval and keeps its cursor with the records. Attributes: http.url.",
            FieldSpec.required("url", FieldType.STRING, "the URL to GET", "https://api.example.invalid/events"),
            FieldSpec.optional("interval", FieldType.DURATION, Duration.ofSeconds(10), "wait between polls", "10s"),
            FieldSpec.optional("items_field", FieldType.STRING, null,
                "field of the response holding the array of items; absent: an array body, else the whole body",
                "items"),
            FieldSpec.optional("key_field", FieldType.STRING, null,
                "field of each item whose value is the record key; an item without it goes to the dead-letter topic",
                "id"),
            FieldSpec.optional("cursor_field", FieldType.STRING, null,
                "field of the response holding the next cursor", "next_cursor"),
            FieldSpec.optional("cursor_param", FieldType.STRING, "cursor", "query parameter that sends the cursor",
                "after"),
            FieldSpec.optional("headers", FieldType.STRING_MAP, Map.of(), "request headers",
                "{ Authorization: \"Bearer ${API_TOKEN}\" }"),
            FieldSpec.optional("timeout", FieldType.DURATION, Duration.ofSeconds(10), "request timeout", "10s"));

        public ComponentSpec spec()
        {
            return SPEC;
        }

        public SourceConnector create(final Settings s)
        {
            final URI uri = URI.create(s.string("url"));
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()))
            {
                throw new IllegalArgumentException("url must be http:// or https://");
            }
            return new HttpPollSource(new Config(uri, s.duration("interval"), s.string("items_field"),
                s.string("key_field"), s.string("cursor_field"), s.string("cursor_param"), s.map("headers"),
                s.duration("timeout")));
        }
    }

    /**
     * @param url         the URL.
     * @param interval    wait between polls.
     * @param itemsField  field with the items, or null.
     * @param keyField    field of an item with its key, or null.
     * @param cursorField field with the next cursor, or null.
     * @param cursorParam query parameter for the cursor.
     * @param headers     request headers.
     * @param timeout     request timeout.
     */
    public record Config(URI url, Duration interval, String itemsField, String keyField, String cursorField,
        String cursorParam,
        Map<String, String> headers, Duration timeout)
    {
    }

    private final Config config;
    private HttpClient client;
    private String cursor;
    private long nextPollNs;
    private final java.util.ArrayDeque<SourceRecord> pending = new java.util.ArrayDeque<>();

    HttpPollSource(final Config config)
    {
        this.config = config;
    }

    public void start(final ConnectorContext context, final String position)
    {
        cursor = position;
        client = HttpClient.newBuilder().connectTimeout(config.timeout).build();
        nextPollNs = System.nanoTime();
    }

    public List<SourceRecord> poll(final int maxRecords, final Duration timeout) throws Exception
    {
        if (!pending.isEmpty())
        {
            return takePending(maxRecords);
        }
        final long waitNs = nextPollNs - System.nanoTime();
        if (waitNs > 0)
        {
            Thread.sleep(Math.min(timeout.toMillis(), waitNs / 1_000_000 + 1));
            if (nextPollNs - System.nanoTime() > 0)
            {
                return List.of();
            }
        }
        nextPollNs = System.nanoTime() + config.interval.toNanos();
        return fetch(maxRecords);
    }

    private List<SourceRecord> fetch(final int maxRecords) throws Exception
    {
        final URI uri = cursor == null || config.cursorField == null ? config.url : withCursor();
        final HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(config.timeout).GET();
        config.headers.forEach(request::header);
        final HttpResponse<byte[]> response;
        final JsonNode body;
        try
        {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() / 100 != 2)
            {
                throw new java.io.IOException("answered " + response.statusCode());
            }
            body = Json.parse(response.body());
        }
        catch (final java.io.IOException ex)
        {
            // The API is down or answered nonsense: the cursor stays, and the next interval asks again.
            System.getLogger(HttpPollSource.class.getName()).log(System.Logger.Level.WARNING,
                "GET " + uri + " failed, retrying in " + config.interval.toMillis() + " ms: " + ex.getMessage());
            return List.of();
        }
        String next = cursor;
        if (config.cursorField != null && body.hasNonNull(config.cursorField))
        {
            next = body.get(config.cursorField).asText();
        }
        final Map<String, String> attributes = Map.of("http.url", uri.toString());
        final JsonNode array = config.itemsField != null ? body.get(config.itemsField) : body;
        if (config.itemsField != null && (array == null || !array.isArray()))
        {
            // Not a page of items: keep it in the dead-letter topic rather than move the cursor past what it held.
            pending.add(SourceRecord.invalid(response.body(), "response of GET " + uri + " has no array at '" +
                config.itemsField + "'", attributes, next, null));
        }
        else if (!array.isArray())
        {
            pending.add(record(body, response.body(), "the response", attributes, next));
        }
        else
        {
            for (int i = 0; i < array.size(); i++)
            {
                // Only the page's last record moves the position: a restart in the middle of a page asks for it again.
                pending.add(record(array.get(i), null, "item " + i + " of GET " + uri, attributes,
                    i == array.size() - 1 ? next : null));
            }
            if (array.isEmpty() && next != null && !next.equals(cursor))
            {
                pending.add(SourceRecord.positionOnly(next));
            }
        }
        cursor = next;
        // One request per poll at most, even for an empty page: the runner must get control back to stop.
        return takePending(maxRecords);
    }

    private SourceRecord record(final JsonNode item, final byte[] raw, final String what,
        final Map<String, String> attributes, final String position)
    {
        final byte[] value = raw != null ? raw : Json.bytes(item);
        if (config.keyField == null)
        {
            return SourceRecord.of(null, value, attributes, position, null);
        }
        final JsonNode key = item.get(config.keyField);
        if (key == null || key.isNull())
        {
            return SourceRecord.invalid(value, what + " has no field '" + config.keyField + "' for the key",
                attributes, position, null);
        }
        final String text = key.isValueNode() ? key.asText() : key.toString();
        return SourceRecord.of(text.getBytes(StandardCharsets.UTF_8), value, attributes, position, null);
    }

    private List<SourceRecord> takePending(final int maxRecords)
    {
        final List<SourceRecord> records = new ArrayList<>();
        while (!pending.isEmpty() && records.size() < maxRecords)
        {
            records.add(pending.poll());
        }
        return records;
    }

    public void close()
    {
    }

    private URI withCursor()
    {
        final String base = config.url.toString();
        return URI.create(base + (base.contains("?") ? "&" : "?") + config.cursorParam + "=" +
            URLEncoder.encode(cursor, StandardCharsets.UTF_8));
    }
}
