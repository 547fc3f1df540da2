package io.tributary.connect.conformance;

import io.tributary.connect.source.HttpServerSource;
import io.tributary.testing.TestCluster;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The http_server source, fed by signed webhook calls of ten records each.
 */
final class HttpServerSourceHarness implements ConnectorHarness
{
    private static final String SECRET = "conformance-secret";
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final int port = TestCluster.freeBasePorts(1).get(0);

    public String type()
    {
        return "http_server";
    }

    public boolean source()
    {
        return true;
    }

    public boolean feedsWhileStopped()
    {
        return false;
    }

    public String block(final String name)
    {
        return "{ address: 127.0.0.1, port: " + port + ", path: /hooks, signature_secret: " + SECRET + " }";
    }

    public String[] badBlock()
    {
        return new String[] {"{ port: " + port + ", format: xml }", "source.http_server.format"};
    }

    public void feed(final int from, final int to) throws Exception
    {
        for (int start = from; start < to; start += 10)
        {
            final StringBuilder body = new StringBuilder("[");
            for (int id = start; id < Math.min(to, start + 10); id++)
            {
                body.append(id > start ? "," : "").append(Ids.text(id));
            }
            final HttpResponse<String> response = post(body.append(']').toString(), true);
            assertEquals(200, response.statusCode(), response.body());
        }
    }

    public String poisonError()
    {
        return null;
    }

    public Poison poisonSource() throws Exception
    {
        final HttpResponse<String> unsigned = post("[" + Ids.text(1) + "]", false);
        assertEquals(401, unsigned.statusCode(), unsigned.body());
        final HttpResponse<String> bad = post("not json", true);
        assertEquals(400, bad.statusCode(), bad.body());
        assertEquals("body is not JSON", bad.body());
        return Poison.REFUSED_UPSTREAM;
    }

    private HttpResponse<String> post(final String body, final boolean signed) throws Exception
    {
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hooks"))
            .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        if (signed)
        {
            request.header("X-Signature-256", "sha256=" +
                HexFormat.of().formatHex(HttpServerSource.hmac(SECRET, bytes)));
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
