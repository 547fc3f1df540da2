package io.tributary.connect.source;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HttpPollSourceTest
{
    /**
     * An API slower than the interval that keeps answering empty pages: each poll still makes one request and
     * returns, so the runner keeps control (and can stop the connector).
     */
    @Test
    @Timeout(30)
    void aPollMakesOneRequestEvenWhenThePageIsEmptyAndTheIntervalHasPassed() throws Exception
    {
        final AtomicInteger requests = new AtomicInteger();
        final HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/items", exchange ->
        {
            requests.incrementAndGet();
            try
            {
                Thread.sleep(20);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            final byte[] body = "[]".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        final HttpPollSource source = new HttpPollSource(new HttpPollSource.Config(
            URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/items"), Duration.ofMillis(1), null,
            null, "cursor", Map.of(), Duration.ofSeconds(5)));
        try
        {
            source.start(null, null);
            for (int poll = 1; poll <= 3; poll++)
            {
                assertTrue(source.poll(100, Duration.ofMillis(200)).isEmpty());
                assertEquals(poll, requests.get(), "requests after poll " + poll);
            }
        }
        finally
        {
            source.close();
            server.stop(0);
        }
    }
}
