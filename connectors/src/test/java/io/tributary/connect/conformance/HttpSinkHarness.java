package io.tributary.connect.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.tributary.connect.support.Json;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The http sink POSTing to an endpoint of this harness, which answers its first request 503 with Retry-After and
 * every other 200.
 */
final class HttpSinkHarness implements ConnectorHarness
{
    private final List<Integer> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final HttpServer server;

    HttpSinkHarness() throws IOException
    {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/hook", exchange ->
        {
            final byte[] body = exchange.getRequestBody().readAllBytes();
            if (requests.incrementAndGet() == 1)
            {
                exchange.getResponseHeaders().add("Retry-After", "1");
                exchange.sendResponseHeaders(503, -1);
                exchange.close();
                return;
            }
            final JsonNode array = Json.parseOrNull(body);
            if (array == null || !array.isArray())
            {
                exchange.sendResponseHeaders(400, -1);
                exchange.close();
                return;
            }
            array.forEach(v -> received.add(v.get("id").asInt()));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
    }

    public String type()
    {
        return "http";
    }

    public boolean source()
    {
        return false;
    }

    public String block(final String name)
    {
        return "{ url: \"http://127.0.0.1:" + server.getAddress().getPort() + "/hook\" }";
    }

    public String[] badBlock()
    {
        return new String[] {"{ url: \"ftp://127.0.0.1/hook\" }", "sink.http"};
    }

    public String poisonError()
    {
        return "value is not JSON";
    }

    public byte[] poisonValue()
    {
        return "not json".getBytes(StandardCharsets.UTF_8);
    }

    public List<Integer> delivered()
    {
        return new ArrayList<>(received);
    }

    public void close()
    {
        server.stop(0);
    }
}
