package io.tributary.connect.sink;

import com.sun.net.httpserver.HttpServer;
import io.tributary.connect.ConnectorContext;
import io.tributary.connect.DeliveryException;
import io.tributary.connect.config.BlockConfigs;
import io.tributary.connect.runtime.ConnectorStatus;
import io.tributary.connect.runtime.DeadLetters;
import io.tributary.connect.runtime.SinkDelivery;
import io.tributary.connect.runtime.Sleeper;
import io.tributary.log.ConsumerRecord;
import io.tributary.log.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The http sink against a real HTTP server on loopback, delivering through {@link SinkDelivery} as the runner does:
 * what it sends, which answers it retries and how long it waits, and which records go to the dead-letter topic.
 */
@Timeout(30)
class HttpSinkTest
{
    /** One request the server received. */
    private record Request(long atNanos, String method, String contentType, String token, String body)
    {
    }

    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<Duration> waits = new CopyOnWriteArrayList<>();
    private final List<ProducerRecord<byte[], byte[]>> dead = new ArrayList<>();
    private final ConnectorStatus status = new ConnectorStatus();
    private HttpServer server;
    private HttpSink sink;
    private volatile Function<Request, Answer> answers;

    /** What the server answers: a status and a Retry-After header, or none. */
    private record Answer(int status, String retryAfter)
    {
    }

    @BeforeEach
    void startServer() throws Exception
    {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/hook", exchange ->
        {
            final Request request = new Request(System.nanoTime(), exchange.getRequestMethod(),
                exchange.getRequestHeaders().getFirst("Content-Type"),
                exchange.getRequestHeaders().getFirst("X-Token"),
                new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            requests.add(request);
            final Answer answer = answers.apply(request);
            if (answer.retryAfter() != null)
            {
                exchange.getResponseHeaders().add("Retry-After", answer.retryAfter());
            }
            final byte[] text = ("answer " + answer.status()).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(answer.status(), text.length);
            exchange.getResponseBody().write(text);
            exchange.close();
        });
        server.start();
        sink = new HttpSink(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook"), "POST",
            Map.of("X-Token", "t0k"), Duration.ofSeconds(5));
        sink.start(new ConnectorContext("http-test", "0=127.0.0.1:9100", new PrintWriter(new StringWriter())));
    }

    @AfterEach
    void stopServer()
    {
        sink.close();
        server.stop(0);
    }

    @Test
    void aBatchIsOnePostOfAJsonArrayOfTheValues() throws Exception
    {
        answers = r -> new Answer(204, null);
        delivery(3).deliver(List.of(record(0, "{\"id\":0}"), record(1, "{\"id\":1,\"t\":21.5}"),
            record(2, "[\"x\"]")));

        assertEquals(1, requests.size(), requests.toString());
        final Request request = requests.get(0);
        assertEquals("POST", request.method());
        assertEquals("application/json", request.contentType());
        assertEquals("t0k", request.token(), "configured headers are sent");
        assertEquals("[{\"id\":0},{\"id\":1,\"t\":21.5},[\"x\"]]", request.body());
        assertEquals(List.of(), dead);
        assertEquals(List.of(), waits);
    }

    @Test
    void a429IsRetriedAfterWaitingAtLeastItsRetryAfter() throws Exception
    {
        answers = r -> requests.size() == 1 ? new Answer(429, "1") : new Answer(200, null);
        delivery(3).deliver(List.of(record(0, "{\"id\":0}")));

        assertEquals(2, requests.size(), requests.toString());
        assertEquals(requests.get(0).body(), requests.get(1).body(), "the same batch is sent again");
        final Duration between = Duration.ofNanos(requests.get(1).atNanos() - requests.get(0).atNanos());
        assertTrue(between.compareTo(Duration.ofSeconds(1)) >= 0,
            "the retry came " + between.toMillis() + " ms after the 429 asked for 1 s");
        assertEquals(List.of(Duration.ofSeconds(1)), waits, "Retry-After, not the 10 ms backoff");
        assertEquals(List.of(), dead);
        assertEquals(1, status.retries());
    }

    @Test
    void fiveHundredsAreRetriedAndOnlyThenDeadLettered() throws Exception
    {
        answers = r -> requests.size() <= 2 ? new Answer(requests.size() == 1 ? 503 : 500, null) :
            new Answer(200, null);
        delivery(3).deliver(List.of(record(0, "{\"id\":0}"), record(1, "{\"id\":1}")));
        assertEquals(3, requests.size(), "503, 500, then 200: " + requests);
        assertEquals(List.of(), dead);

        requests.clear();
        answers = r -> new Answer(502, null);
        delivery(3).deliver(List.of(record(2, "{\"id\":2}")));
        assertEquals(3, requests.size(), "a 502 every time: retried up to max_attempts");
        assertEquals(1, dead.size());
        final ProducerRecord<byte[], byte[]> letter = dead.get(0);
        assertEquals("3", DeadLetters.headerText(letter.headers(), DeadLetters.ATTEMPTS));
        assertTrue(DeadLetters.headerText(letter.headers(), DeadLetters.ERROR_MESSAGE).contains("answered 502"));
    }

    @Test
    void aFourHundredIsFinalAndOnlyTheRefusedRecordGoesToTheDeadLetterTopic() throws Exception
    {
        answers = r -> r.body().contains("\"id\":1") ? new Answer(400, null) : new Answer(200, null);
        delivery(5).deliver(List.of(record(0, "{\"id\":0}"), record(1, "{\"id\":1}"), record(2, "{\"id\":2}")));

        // The batch once (refused, not retried), then each record once on its own.
        assertEquals(List.of("[{\"id\":0},{\"id\":1},{\"id\":2}]", "[{\"id\":0}]", "[{\"id\":1}]", "[{\"id\":2}]"),
            requests.stream().map(Request::body).toList());
        assertEquals(List.of(), waits, "a 400 is not waited on");
        assertEquals(1, dead.size());
        final ProducerRecord<byte[], byte[]> letter = dead.get(0);
        assertEquals("out.dlq", letter.topic());
        assertEquals("{\"id\":1}", new String(letter.value(), StandardCharsets.UTF_8));
        assertEquals("k1", new String(letter.key(), StandardCharsets.UTF_8));
        assertEquals(DeliveryException.class.getName(), DeadLetters.headerText(letter.headers(),
            DeadLetters.ERROR_CLASS));
        assertTrue(DeadLetters.headerText(letter.headers(), DeadLetters.ERROR_MESSAGE).contains("answered 400"),
            DeadLetters.headerText(letter.headers(), DeadLetters.ERROR_MESSAGE));
        assertEquals("in", DeadLetters.headerText(letter.headers(), DeadLetters.TOPIC));
        assertEquals("0", DeadLetters.headerText(letter.headers(), DeadLetters.PARTITION));
        assertEquals("1", DeadLetters.headerText(letter.headers(), DeadLetters.OFFSET));
        assertEquals("http-test", DeadLetters.headerText(letter.headers(), DeadLetters.CONNECTOR));
        assertEquals(1, status.deadLettered());
    }

    @Test
    void retryAfterIsReadAsSecondsOrADate()
    {
        assertEquals(Duration.ofSeconds(7), HttpSink.retryAfter("7"));
        assertEquals(null, HttpSink.retryAfter("soon"));
        assertEquals(Duration.ZERO, HttpSink.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT"));
    }

    private SinkDelivery delivery(final int maxAttempts)
    {
        final Sleeper sleeper = d ->
        {
            waits.add(d);
            Sleeper.REAL.sleep(d);
        };
        return new SinkDelivery("http-test", sink,
            new BlockConfigs.Retry(maxAttempts, Duration.ofMillis(10), Duration.ofSeconds(10)), "out.dlq",
            dead::addAll, status, sleeper);
    }

    private static ConsumerRecord<byte[], byte[]> record(final long offset, final String value)
    {
        return new ConsumerRecord<>("in", 0, offset, 0L, 0L, ("k" + offset).getBytes(StandardCharsets.UTF_8),
            value.getBytes(StandardCharsets.UTF_8), List.of());
    }
}
