package io.tributary.connect.source;

import io.tributary.connect.ConnectorContext;
import io.tributary.connect.ConnectorTypes;
import io.tributary.connect.SourceRecord;
import io.tributary.connect.config.ConfigException;
import io.tributary.connect.config.ConnectorConfig;
import io.tributary.connect.config.ConnectorFileParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The webhook receiver's authentication, over real HTTP on loopback (the records' way into the cluster is the
 * conformance suite's part).
 */
@Timeout(30)
class HttpServerSourceTest
{
    private static final ConnectorTypes TYPES = ConnectorTypes.load();
    private final HttpClient client = HttpClient.newHttpClient();
    private HttpServerSource source;

    @AfterEach
    void close()
    {
        if (source != null)
        {
            source.close();
        }
    }

    @Test
    void aBearerTokenIsRequiredBeforeTheBodyIsTakenAndTheRightOneIsAccepted() throws Exception
    {
        source = start("{ address: 127.0.0.1, port: 0, path: /hooks, auth_token: \"${HOOK_TOKEN}\" }");
        final URI uri = URI.create("http://127.0.0.1:" + source.port() + "/hooks");

        for (final String authorization : new String[] {null, "Bearer wrong-token", "Basic dG9rLTEyMzQ1Njc4",
            "Bearer tok-1234567", "Bearer tok-123456789"})
        {
            final HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .POST(HttpRequest.BodyPublishers.ofString("{\"n\":1}"));
            if (authorization != null)
            {
                request.header("Authorization", authorization);
            }
            final HttpResponse<String> refused = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, refused.statusCode(), String.valueOf(authorization));
            assertEquals("Bearer realm=\"tributary\"", refused.headers().firstValue("WWW-Authenticate").orElse(""));
            assertEquals("missing or wrong bearer token", refused.body());
        }
        assertEquals(List.of(), source.poll(10, Duration.ofMillis(100)), "a refused request made a record");

        final CompletableFuture<HttpResponse<String>> accepted = client.sendAsync(HttpRequest.newBuilder(uri)
            .header("Authorization", "bearer tok-12345678")
            .POST(HttpRequest.BodyPublishers.ofString("{\"n\":2}")).build(), HttpResponse.BodyHandlers.ofString());
        final List<SourceRecord> records = source.poll(10, Duration.ofSeconds(10));
        assertEquals(1, records.size());
        assertEquals("{\"n\":2}", new String(records.get(0).value(), StandardCharsets.UTF_8));
        source.acknowledge(records);
        assertEquals(200, accepted.get().statusCode());
    }

    @Test
    void anOpenWebhookBeyondLoopbackIsRefusedAtValidation()
    {
        final ConfigException open = assertThrows(ConfigException.class,
            () -> config("{ port: 8089, path: /hooks }"));
        assertTrue(open.getMessage().contains("listening on 0.0.0.0 without authentication: set auth_token or " +
            "signature_secret, listen on 127.0.0.1, or set allow_anonymous: true"), open.getMessage());

        config("{ port: 8089, auth_token: abcdefgh }");
        config("{ port: 8089, signature_secret: abcdefgh }");
        config("{ port: 8089, allow_anonymous: true }");
        config("{ address: 127.0.0.1, port: 8089 }");
        config("{ address: localhost, port: 8089 }");
    }

    private HttpServerSource start(final String block) throws Exception
    {
        final HttpServerSource started = (HttpServerSource)TYPES.sources().get("http_server")
            .create(config(block).settings());
        started.start(new ConnectorContext("hooks", "0=127.0.0.1:1", new PrintWriter(new StringWriter())), null);
        return started;
    }

    private static ConnectorConfig config(final String block)
    {
        return new ConnectorFileParser(TYPES, Map.of("HOOK_TOKEN", "tok-12345678")).parse("hooks.yaml",
            "name: hooks\nsource: { http_server: " + block + " }\nto: { topic: hooks }\n").get(0);
    }
}
