package io.tributary.pipeline;

import io.tributary.log.internal.codecs.AdminResponseDecoder;
import io.tributary.log.internal.codecs.AdminResponseEncoder;
import io.tributary.log.internal.codecs.ErrorCode;
import io.tributary.log.internal.codecs.MessageHeaderEncoder;
import io.tributary.log.internal.codecs.MetadataRequestEncoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SBE flyweights as record values, with one of the project's own generated messages as the example schema.
 */
@Timeout(10)
class SbeSerdeTest
{
    private static final Serde<AdminResponseDecoder> RESPONSES = Serdes.sbe(AdminResponseDecoder::new);

    @Test
    void readsInPlaceAndWritesTheSameBytesBack()
    {
        final byte[] bytes = response(42, ErrorCode.UNKNOWN_TOPIC, "no such topic");
        final AdminResponseDecoder decoder = RESPONSES.deserialize(bytes);
        assertEquals(42, decoder.correlationId());
        assertEquals(ErrorCode.UNKNOWN_TOPIC, decoder.errorCode());
        assertEquals("no such topic", decoder.errorMessage());
        assertSame(bytes, RESPONSES.serialize(RESPONSES.deserialize(bytes)), "passed through, not copied");
    }

    @Test
    void aMessageOfAnotherTemplateIsAClearError()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
        final MetadataRequestEncoder other = new MetadataRequestEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder()).correlationId(1);
        other.topicsCount(0);
        final byte[] bytes = Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + other.encodedLength());
        final IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
            () -> RESPONSES.deserialize(bytes));
        assertTrue(error.getMessage().contains("expected AdminResponseDecoder"), error.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RESPONSES.deserialize(new byte[3]));
    }

    @Test
    void aPipelineFiltersAndRoutesFlyweightsWithoutMappingThem()
    {
        final Pipeline p = Pipeline.create("sbe");
        p.stream("responses", Consumed.with(Serdes.string(), RESPONSES))
            .filter((k, r) -> r.errorCode() != ErrorCode.NONE)
            .to("failures", Produced.with(Serdes.string(), RESPONSES));
        try (PipelineTestDriver driver = new PipelineTestDriver(p.build()))
        {
            final TestInput<String, byte[]> in = driver.input("responses", Serdes.string(), Serdes.bytes());
            final byte[] failed = response(2, ErrorCode.INVALID_CONFIG, "bad");
            in.pipe("a", response(1, ErrorCode.NONE, ""), 10);
            in.pipe("b", failed, 20);
            final List<Record<String, byte[]>> out = driver.output("failures", Serdes.string(), Serdes.bytes())
                .readRecords();
            assertEquals(1, out.size());
            assertEquals("b", out.get(0).key());
            assertTrue(Arrays.equals(failed, out.get(0).value()));
        }
    }

    private static byte[] response(final long correlationId, final ErrorCode code, final String message)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        final AdminResponseEncoder encoder = new AdminResponseEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId)
            .errorCode(code)
            .errorMessage(message);
        return Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength());
    }
}
