package io.tributary.connect.sink;

import io.tributary.connect.ConnectorContext;
import io.tributary.connect.RecordConversionException;
import io.tributary.connect.SinkConnector;
import io.tributary.connect.SinkConnectorType;
import io.tributary.connect.spec.ComponentSpec;
import io.tributary.connect.spec.FieldSpec;
import io.tributary.connect.spec.FieldType;
import io.tributary.connect.spec.Settings;
import io.tributary.connect.support.Json;
import io.tributary.log.ConsumerRecord;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Appends records as JSON lines (topic, partition, offset, timestamp, key, value) and forces them to disk before a
 * batch counts as delivered. When the file would pass {@code max_bytes} it is rotated: {@code path} becomes
 * {@code path.1}, {@code path.1} becomes {@code path.2}, ... up to {@code keep} files. Not thread-safe: used by the
 * runner thread.
 */
public final class FileSink implements SinkConnector
{
    /** The {@code file} sink type. */
    public static final class Type implements SinkConnectorType
    {
        private static final ComponentSpec SPEC = ComponentSpec.of("file",
            "Writes JSON lines to a file, rotated by size.",
            FieldSpec.required("path", FieldType.STRING, "the file to append to", "/var/lib/tributary/out.jsonl"),
            FieldSpec.optional("max_bytes", FieldType.SIZE, 100L * 1024 * 1024, "size at which the file is rotated",
                "100MB"),
            FieldSpec.optional("keep", FieldType.INT, 5, "rotated files kept (path.1 ... path.N)", "5"));

        public ComponentSpec spec()
        {
            return SPEC;
        }

        public SinkConnector create(final Settings s)
        {
            if (s.longValue("max_bytes") < 1 || s.integer("keep") < 1)
            {
                throw new IllegalArgumentException("max_bytes and keep must be at least 1");
            }
            return new FileSink(Path.of(s.string("path")), s.longValue("max_bytes"), s.integer("keep"));
        }
    }

    private final Path path;
    private final long maxBytes;
    private final int keep;
    private FileChannel channel;

    FileSink(final Path path, final long maxBytes, final int keep)
    {
        this.path = path;
        this.maxBytes = maxBytes;
        this.keep = keep;
    }

    public void start(final ConnectorContext context) throws IOException
    {
        if (path.getParent() != null)
        {
            Files.createDirectories(path.getParent());
        }
        open();
    }

    public void deliver(final List<ConsumerRecord<byte[], byte[]>> records)
        throws IOException, RecordConversionException
    {
        final List<byte[]> lines = new ArrayList<>(records.size());
        for (final ConsumerRecord<byte[], byte[]> record : records)
        {
            final String notText = Json.notText(record, true);
            if (notText != null)
            {
                throw new RecordConversionException(record, notText);
            }
            lines.add((Json.envelope(record).toString() + "\n").getBytes(StandardCharsets.UTF_8));
        }
        final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        for (final byte[] line : lines)
        {
            if (channel.size() + buffer.size() + line.length > maxBytes && channel.size() + buffer.size() > 0)
            {
                write(buffer);
                rotate();
            }
            buffer.writeBytes(line);
        }
        write(buffer);
    }

    public void close()
    {
        try
        {
            if (channel != null)
            {
                channel.close();
            }
        }
        catch (final IOException ignored)
        {
            // Everything delivered was forced already.
        }
    }

    private void write(final ByteArrayOutputStream buffer) throws IOException
    {
        if (buffer.size() == 0)
        {
            return;
        }
        final ByteBuffer bytes = ByteBuffer.wrap(buffer.toByteArray());
        while (bytes.hasRemaining())
        {
            channel.write(bytes);
        }
        channel.force(false);
        buffer.reset();
    }

    private void rotate() throws IOException
    {
        channel.close();
        Files.deleteIfExists(rotated(keep));
        for (int i = keep - 1; i >= 1; i--)
        {
            if (Files.exists(rotated(i)))
            {
                Files.move(rotated(i), rotated(i + 1), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.move(path, rotated(1), StandardCopyOption.REPLACE_EXISTING);
        open();
    }

    private Path rotated(final int n)
    {
        return path.resolveSibling(path.getFileName() + "." + n);
    }

    private void open() throws IOException
    {
        channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.APPEND);
    }
}
