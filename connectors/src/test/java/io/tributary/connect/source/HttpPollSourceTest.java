package io.tributary.connect.source;

import com.sun.net.httpserver.HttpServer;
import io.tributary.connect.SourceRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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
            null, null, "cursor", Map.of(), Duration.ofSeconds(5)));
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

    /**
     * A page without its items field (an API that changed shape, an error object answered with 200) is not read
     * as "no items": it goes to the dead-letter topic whole, with the cursor it gave, so nothing is lost unseen.
     */
    @Test
    @Timeout(30)
    void aPageWithoutItsItemsFieldIsADeadLetterNotASilentSkip() throws Exception
    {
        final List<SourceRecord> records = pollPages(List.of(
            "{\"items\":[{\"id\":1}],\"next\":\"c1\"}",
            "{\"results\":[{\"id\":2}],\"next\":\"c2\"}",
            "{\"items\":[{\"id\":3}],\"next\":\"c3\"}"), null);
        assertEquals(3, records.size(), records.toString());
        assertNull(records.get(0).failure());
        assertEquals("c1", records.get(0).position());
        final SourceRecord page = records.get(1);
        assertTrue(page.failure().contains("no array at 'items'"), page.failure());
        assertEquals("{\"results\":[{\"id\":2}],\"next\":\"c2\"}", new String(page.value(), StandardCharsets.UTF_8));
        assertEquals("c2", page.position());
        assertNull(records.get(2).failure());
        assertEquals("c3", records.get(2).position());
    }

    @Test
    @Timeout(30)
    void keyFieldKeysEachItemAndAnItemWithoutItIsADeadLetter() throws Exception
    {
        final List<SourceRecord> records = pollPages(List.of(
            "{\"items\":[{\"id\":\"a\",\"v\":1},{\"v\":2},{\"id\":7,\"v\":3}],\"next\":\"c1\"}"), "id");
        assertEquals(3, records.size(), records.toString());
        assertArrayEquals("a".getBytes(StandardCharsets.UTF_8), records.get(0).key());
        assertNull(records.get(0).failure());
        assertTrue(records.get(1).failure().contains("has no field 'id' for the key"), records.get(1).failure());
        assertEquals("{\"v\":2}", new String(records.get(1).value(), StandardCharsets.UTF_8));
        assertArrayEquals("7".getBytes(StandardCharsets.UTF_8), records.get(2).key());
        assertEquals("c1", records.get(2).position());
    }

    /**
     * Serve the pages in turn (then empty pages) and poll until each was fetched.
     */
    private static List<SourceRecord> pollPages(final List<String> pages, final String keyField) throws Exception
    {
        final AtomicInteger served = new AtomicInteger();
        final HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/items", exchange ->
        {
            final int n = served.getAndIncrement();
            final byte[] body = (n < pages.size() ? pages.get(n) : "{\"items\":[]}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        final HttpPollSource source = new HttpPollSource(new HttpPollSource.Config(
            URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/items"), Duration.ofMillis(1), "items",
            keyField, "next", "after", Map.of(), Duration.ofSeconds(5)));
        try
        {
            source.start(null, null);
            final List<SourceRecord> records = new ArrayList<>();
            while (served.get() < pages.size())
            {
                records.addAll(source.poll(100, Duration.ofMillis(200)));
            }
            return records;
        }
        finally
        {
            source.close();
            server.stop(0);
        }
    }
}
