package io.tributary.connect.conformance;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The http_poll source against a REST endpoint of this harness that pages through its items by cursor (the index
 * of the last item served), 25 at a time. Items are keyed by their {@code id}, so an item without one is poison.
 */
final class HttpPollSourceHarness implements ConnectorHarness
{
    private final List<String> items = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    HttpPollSourceHarness() throws IOException
    {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/items", exchange ->
        {
            final String query = exchange.getRequestURI().getQuery();
            final int after = query != null && query.startsWith("after=") ?
                Integer.parseInt(query.substring("after=".length())) : -1;
            final StringBuilder body = new StringBuilder("{\"items\":[");
            int last = after;
            for (int i = after + 1; i < items.size() && i <= after + 25; i++)
            {
                body.append(i > after + 1 ? "," : "").append(items.get(i));
                last = i;
            }
            body.append("],\"next\":").append(last).append('}');
            final byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody())
            {
                out.write(bytes);
            }
        });
        server.start();
    }

    public String type()
    {
        return "http_poll";
    }

    public boolean source()
    {
        return true;
    }

    public boolean exactPositions()
    {
        return true;
    }

    public String block(final String name)
    {
        return "{ url: \"http://127.0.0.1:" + server.getAddress().getPort() + "/items\", interval: 50ms, " +
            "items_field: items, key_field: id, cursor_field: next, cursor_param: after }";
    }

    public String[] badBlock()
    {
        return new String[] {"{ url: \"http://127.0.0.1:1/items\", interval: often }", "source.http_poll.interval"};
    }

    public void feed(final int from, final int to)
    {
        for (int id = from; id < to; id++)
        {
            items.add(Ids.text(id));
        }
    }

    public Poison poisonSource()
    {
        items.add("{\"reading\":21.5}");
        return Poison.DEAD_LETTERED;
    }

    public String poisonError()
    {
        return "has no field 'id' for the key";
    }

    public void close()
    {
        server.stop(0);
    }
}
