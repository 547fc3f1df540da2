package io.tributary.connect.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tributary.connect.ConnectorContext;
import io.tributary.connect.SourceConnector;
import io.tributary.connect.SourceConnectorType;
import io.tributary.connect.SourceRecord;
import io.tributary.connect.spec.ComponentSpec;
import io.tributary.connect.spec.FieldSpec;
import io.tributary.connect.spec.FieldType;
import io.tributary.connect.spec.Settings;
import io.tributary.connect.support.Json;
import io.tributary.connect.support.PushedRecords;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A webhook receiver: each POST becomes records (a JSON array one record per element, anything else one record),
 * and is answered 200 only after the cluster committed them; 503 when they could not be appended in time. Bad
 * requests get a 4xx with the reason: 405 not POST, 404 wrong path, 413 too large, 401 bad signature, 400 not JSON.
 * With {@code signature_secret}, the header {@code signature_header} must hold {@code sha256=<hex HMAC-SHA256 of
 * the body>}. With {@code auth_token}, requests must carry {@code Authorization: Bearer <token>} (checked before the
 * body is read; 401 with {@code WWW-Authenticate} otherwise). Both compare in constant time. A source listening
 * beyond the loopback interface must use one of them, or say {@code allow_anonymous: true}: an open webhook on a
 * network is refused at validation.
 * <p>
 * Threading: requests are handled on a pool of the server's; each waits for its records' acknowledgement, which the
 * runner thread gives.
 * <p>
 * Latency: run the JVM with {@code -Dsun.net.httpserver.nodelay=true} (the {@code tributary} command does), or
 * Nagle's algorithm and the client's delayed ACK add ~40 ms to every answer of the JDK's HTTP server.
 */
public final class HttpServerSource implements SourceConnector
{
    /** The {@code http_server} source type. */
    public static final class Type implements SourceConnectorType
    {
        private static final ComponentSpec SPEC = ComponentSpec.of("http_server",
            "Receives webhooks: answers 2xx once the records are in the cluster, 4xx with a reason for bad requests. " +
                "Attributes: http.path, http.content_type.",
            FieldSpec.optional("address", FieldType.STRING, "0.0.0.0", "address to listen on", "127.0.0.1"),
            FieldSpec.required("port", FieldType.INT, "port to listen on", "8080"),
            FieldSpec.optional("path", FieldType.STRING, "/", "path prefix that accepts requests", "/hooks/github"),
            FieldSpec.oneOf("format", "json", List.of("json", "raw"),
                "json: body must be JSON, an array gives one record per element; raw: the body is one record"),
            FieldSpec.optional("signature_secret", FieldType.STRING, null,
                "HMAC-SHA256 key; when set, requests must be signed", "${WEBHOOK_SECRET}").asSecret(),
            FieldSpec.optional("signature_header", FieldType.STRING, "X-Signature-256",
                "header holding sha256=<hex HMAC of the body>", "X-Hub-Signature-256"),
            FieldSpec.optional("auth_token", FieldType.STRING, null,
                "when set, requests must carry Authorization: Bearer <token>", "${WEBHOOK_TOKEN}").asSecret(),
            FieldSpec.optional("allow_anonymous", FieldType.BOOLEAN, false,
                "accept unauthenticated requests on a non-loopback address (neither auth_token nor " +
                    "signature_secret set); for trusted networks only", "false"),
            FieldSpec.optional("max_body", FieldType.SIZE, 1024L * 1024, "largest body accepted", "1MB"),
            FieldSpec.optional("timeout", FieldType.DURATION, Duration.ofSeconds(30),
                "how long a request waits for its records to be committed", "30s"),
            FieldSpec.optional("threads", FieldType.INT, 16, "requests handled at once", "16"));

        public ComponentSpec spec()
        {
            return SPEC;
        }

        public SourceConnector create(final Settings s)
        {
            final int port = s.integer("port");
            if (port < 0 || port > 65535)
            {
                throw new IllegalArgumentException("port must be 0 to 65535, got " + port);
            }
            if (!s.string("path").startsWith("/"))
            {
                throw new IllegalArgumentException("path must start with /");
            }
            if (s.string("signature_secret") == null && s.string("auth_token") == null && !s.bool("allow_anonymous") &&
                !isLoopback(s.string("address")))
            {
                throw new IllegalArgumentException("listening on " + s.string("address") + " without authentication: " +
                    "set auth_token or signature_secret, listen on 127.0.0.1, or set allow_anonymous: true");
            }
            return new HttpServerSource(new Config(s.string("address"), port, s.string("path"),
                s.string("format").equals("json"), s.string("signature_secret"), s.string("signature_header"),
                s.string("auth_token"), s.longValue("max_body"), s.duration("timeout"), s.integer("threads")));
        }
    }

    /**
     * @param address         listen address.
     * @param port            listen port.
     * @param path            accepted path prefix.
     * @param json            whether bodies are JSON.
     * @param secret          HMAC key, or null.
     * @param signatureHeader header with the signature.
     * @param token           bearer token requests must carry, or null.
     * @param maxBody         largest body.
     * @param timeout         wait for commit.
     * @param threads         handler threads.
     */
    public record Config(String address, int port, String path, boolean json, String secret, String signatureHeader,
        String token, long maxBody, Duration timeout, int threads)
    {
    }

    private final Config config;
    private final PushedRecords queue = new PushedRecords(100_000);
    private HttpServer server;
    private ExecutorService pool;

    HttpServerSource(final Config config)
    {
        this.config = config;
    }

    /**
     * @return the port it listens on (useful with port 0).
     */
    public int port()
    {
        return server.getAddress().getPort();
    }

    public void start(final ConnectorContext context, final String position) throws IOException
    {
        server = HttpServer.create(new InetSocketAddress(config.address, config.port), 256);
        pool = Executors.newFixedThreadPool(config.threads, r ->
        {
            final Thread t = new Thread(r, "http-source-" + context.name());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.createContext("/", this::handle);
        server.start();
    }

    public List<SourceRecord> poll(final int maxRecords, final Duration timeout) throws InterruptedException
    {
        return queue.poll(maxRecords, timeout);
    }

    public void acknowledge(final List<SourceRecord> records)
    {
        for (final SourceRecord record : records)
        {
            ((Request)record.handle()).acknowledged();
        }
    }

    public void reject(final List<SourceRecord> records, final Exception cause)
    {
        for (final SourceRecord record : records)
        {
            ((Request)record.handle()).done.completeExceptionally(cause);
        }
    }

    public void close()
    {
        if (server != null)
        {
            server.stop(0);
            pool.shutdownNow();
        }
        reject(queue.drain(), new IllegalStateException("connector stopping"));
    }

    private void handle(final HttpExchange exchange) throws IOException
    {
        try (exchange)
        {
            if (!exchange.getRequestURI().getPath().startsWith(config.path))
            {
                respond(exchange, 404, "no webhook at " + exchange.getRequestURI().getPath());
                return;
            }
            if (!exchange.getRequestMethod().equals("POST"))
            {
                exchange.getResponseHeaders().add("Allow", "POST");
                respond(exchange, 405, "use POST");
                return;
            }
            if (config.token != null && !bearer(exchange.getRequestHeaders().getFirst("Authorization")))
            {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"tributary\"");
                respond(exchange, 401, "missing or wrong bearer token");
                return;
            }
            final byte[] body = readBody(exchange.getRequestBody());
            if (body == null)
            {
                respond(exchange, 413, "body larger than " + config.maxBody + " bytes");
                return;
            }
            if (config.secret != null && !signed(body, exchange.getRequestHeaders().getFirst(config.signatureHeader)))
            {
                respond(exchange, 401, "missing or wrong " + config.signatureHeader);
                return;
            }
            final List<byte[]> values = new ArrayList<>();
            if (config.json)
            {
                final JsonNode node = Json.parseOrNull(body);
                if (node == null)
                {
                    respond(exchange, 400, "body is not JSON");
                    return;
                }
                if (node.isArray())
                {
                    node.forEach(element -> values.add(Json.bytes(element)));
                }
                else
                {
                    values.add(body);
                }
            }
            else
            {
                values.add(body);
            }
            if (values.isEmpty())
            {
                respond(exchange, 200, "{\"accepted\":0}");
                return;
            }
            final Request request = new Request(values.size());
            final String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
            final Map<String, String> attributes = Map.of("http.path", exchange.getRequestURI().getPath(),
                "http.content_type", contentType == null ? "" : contentType);
            for (final byte[] value : values)
            {
                if (!queue.offer(SourceRecord.of(null, value, attributes, null, request)))
                {
                    request.done.completeExceptionally(new IllegalStateException("too many requests waiting"));
                    break;
                }
            }
            try
            {
                request.done.get(config.timeout.toMillis(), TimeUnit.MILLISECONDS);
                respond(exchange, 200, "{\"accepted\":" + values.size() + "}");
            }
            catch (final TimeoutException ex)
            {
                respond(exchange, 503, "not committed within " + config.timeout.toMillis() + " ms");
            }
            catch (final Exception ex)
            {
                respond(exchange, 503, "not committed: " + ex.getMessage());
            }
        }
    }

    private byte[] readBody(final InputStream in) throws IOException
    {
        final byte[] body = in.readNBytes((int)Math.min(Integer.MAX_VALUE - 8, config.maxBody + 1));
        return body.length > config.maxBody ? null : body;
    }

    private boolean bearer(final String header)
    {
        if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7))
        {
            return false;
        }
        return MessageDigest.isEqual(config.token.getBytes(StandardCharsets.UTF_8),
            header.substring(7).trim().getBytes(StandardCharsets.UTF_8));
    }

    static boolean isLoopback(final String address)
    {
        try
        {
            return java.net.InetAddress.getByName(address).isLoopbackAddress();
        }
        catch (final java.net.UnknownHostException ex)
        {
            return false;
        }
    }

    private boolean signed(final byte[] body, final String header)
    {
        if (header == null || !header.startsWith("sha256="))
        {
            return false;
        }
        try
        {
            final byte[] expected = hmac(config.secret, body);
            final byte[] given = HexFormat.of().parseHex(header.substring("sha256=".length()).trim());
            return MessageDigest.isEqual(expected, given);
        }
        catch (final IllegalArgumentException ex)
        {
            return false;
        }
    }

    /**
     * @return HMAC-SHA256 of the body with the secret: what a sender puts, hex, after {@code sha256=}.
     */
    public static byte[] hmac(final String secret, final byte[] body)
    {
        try
        {
            final Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(body);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", ex);
        }
    }

    private static void respond(final HttpExchange exchange, final int status, final String body) throws IOException
    {
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", status == 200 ? "application/json" : "text/plain");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody())
        {
            out.write(bytes);
        }
    }

    /** One request's records: done when all are acknowledged. */
    private static final class Request
    {
        private final AtomicInteger left;
        private final CompletableFuture<Void> done = new CompletableFuture<>();

        Request(final int records)
        {
            left = new AtomicInteger(records);
        }

        void acknowledged()
        {
            if (left.decrementAndGet() == 0)
            {
                done.complete(null);
            }
        }
    }
}
