package io.tributary.pipeline.internal;

import io.tributary.pipeline.Serde;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.sbe.MessageDecoderFlyweight;

import java.nio.ByteOrder;
import java.util.function.Supplier;

/**
 * SBE messages as decoder flyweights over the record bytes. Format: the standard SBE message header (blockLength,
 * templateId, schemaId, version: four little-endian uint16), then the message.
 * <p>
 * Thread-safe: every record gets its own flyweight.
 *
 * @param <D> the decoder type.
 */
public final class SbeSerde<D extends MessageDecoderFlyweight> implements Serde<D>
{
    private static final int HEADER_LENGTH = 8;

    private final Supplier<D> decoders;
    private final int templateId;
    private final int schemaId;
    private final String type;

    public SbeSerde(final Supplier<D> decoders)
    {
        this.decoders = decoders;
        final D sample = decoders.get();
        this.templateId = sample.sbeTemplateId();
        this.schemaId = sample.sbeSchemaId();
        this.type = sample.getClass().getSimpleName();
    }

    public byte[] serialize(final D data)
    {
        if (data == null)
        {
            return null;
        }
        final DirectBuffer buffer = data.buffer();
        final int start = data.offset() - HEADER_LENGTH;
        if (buffer == null || start < 0)
        {
            throw new IllegalArgumentException(type + " is not wrapped over a message with its header");
        }
        final byte[] array = buffer.byteArray();
        if (array != null && start == 0 && buffer.wrapAdjustment() == 0 && buffer.capacity() == array.length)
        {
            return array;
        }
        final byte[] copy = new byte[buffer.capacity() - start];
        buffer.getBytes(start, copy);
        return copy;
    }

    public D deserialize(final byte[] bytes)
    {
        if (bytes == null)
        {
            return null;
        }
        if (bytes.length < HEADER_LENGTH)
        {
            throw new IllegalArgumentException("not an SBE message: " + bytes.length + " bytes, shorter than a header");
        }
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        final int blockLength = buffer.getShort(0, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int template = buffer.getShort(2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int schema = buffer.getShort(4, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int version = buffer.getShort(6, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        if (template != templateId || schema != schemaId)
        {
            throw new IllegalArgumentException("expected " + type + " (schema " + schemaId + ", template " +
                templateId + "), got schema " + schema + ", template " + template);
        }
        if (HEADER_LENGTH + blockLength > bytes.length)
        {
            throw new IllegalArgumentException(type + " of " + bytes.length + " bytes is shorter than its block of " +
                blockLength + " bytes");
        }
        final D decoder = decoders.get();
        decoder.wrap(buffer, HEADER_LENGTH, blockLength, version);
        return decoder;
    }
}
