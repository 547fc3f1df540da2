package io.tributary.log.internal.storage;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

/**
 * A file mapped read-write in one piece, with its channel kept open only while the file may still change size.
 * <p>
 * Mappings are never unmapped explicitly: a reader on another thread may still hold the buffer, and the JDK unmaps
 * once nothing references it. For the same reason the file is never shrunk below what a reader may touch, except
 * by {@link #truncateAndRegrow(long)} during recovery, before any reader exists. Files larger than the mapping are
 * fine; the mapping covers {@code [0, mappedLength)}.
 * <p>
 * Threading: the owner (the log's writer) changes it; the buffer may be read from any thread.
 */
final class MappedFile
{
    private final Path path;
    private FileChannel channel;
    private final MappedByteBuffer mappedBuffer;
    private final UnsafeBuffer buffer;

    private MappedFile(final Path path, final FileChannel channel, final MappedByteBuffer mappedBuffer)
    {
        this.path = path;
        this.channel = channel;
        this.mappedBuffer = mappedBuffer;
        this.buffer = new UnsafeBuffer(mappedBuffer);
    }

    /**
     * Open or create a file, grow it (sparsely) to at least {@code minLength} and map {@code mapLength} bytes.
     * Existing content is kept; the file is never shrunk here.
     */
    static MappedFile open(final Path path, final long minLength, final long mapLength)
    {
        FileChannel channel = null;
        try
        {
            channel = FileChannel.open(path, CREATE, READ, WRITE);
            if (channel.size() < minLength)
            {
                // Writing the last byte extends the file as a hole, like RandomAccessFile.setLength.
                channel.write(java.nio.ByteBuffer.wrap(new byte[1]), minLength - 1);
            }
            return new MappedFile(path, channel, channel.map(FileChannel.MapMode.READ_WRITE, 0, mapLength));
        }
        catch (final IOException ex)
        {
            closeQuietly(channel);
            throw new UncheckedIOException("cannot map " + path, ex);
        }
    }

    static long sizeOf(final Path path)
    {
        try
        {
            return Files.size(path);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    Path path()
    {
        return path;
    }

    UnsafeBuffer buffer()
    {
        return buffer;
    }

    int mappedLength()
    {
        return buffer.capacity();
    }

    /**
     * Cut the file to {@code length} and close the channel: the file will not change size again. Only bytes no reader
     * may touch are cut.
     */
    void trimAndCloseChannel(final long length)
    {
        if (null != channel)
        {
            try
            {
                channel.truncate(length);
                channel.close();
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException("cannot trim " + path, ex);
            }
            channel = null;
        }
    }

    /**
     * Drop everything from {@code length} on and grow back to the mapped length, so the dropped range reads as
     * zeros without touching its pages. Only safe while no other thread reads the mapping.
     */
    void truncateAndRegrow(final long length)
    {
        try
        {
            channel.truncate(length);
            channel.write(java.nio.ByteBuffer.wrap(new byte[1]), mappedLength() - 1L);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot truncate " + path, ex);
        }
    }

    void force()
    {
        mappedBuffer.force();
    }

    void closeChannel()
    {
        closeQuietly(channel);
        channel = null;
    }

    private static void closeQuietly(final FileChannel channel)
    {
        if (null != channel)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ignore)
            {
                // Nothing left to release; the mapping stays valid without the channel.
            }
        }
    }
}
