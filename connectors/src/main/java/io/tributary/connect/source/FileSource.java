package io.tributary.connect.source;

import io.tributary.connect.ConnectorContext;
import io.tributary.connect.SourceConnector;
import io.tributary.connect.SourceConnectorType;
import io.tributary.connect.SourceRecord;
import io.tributary.connect.spec.ComponentSpec;
import io.tributary.connect.spec.FieldSpec;
import io.tributary.connect.spec.FieldType;
import io.tributary.connect.spec.Settings;
import io.tributary.connect.support.Json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Tails a file, one record per complete line (a line without its newline yet waits). The position is the byte
 * offset after the line, stored with the records, so a restart resumes at the first line not appended; a file
 * shorter than the position was truncated or replaced and is read from its start. Not thread-safe: used by the
 * runner thread.
 */
public final class FileSource implements SourceConnector
{
    /** The {@code file} source type. */
    public static final class Type implements SourceConnectorType
    {
        private static final ComponentSpec SPEC = ComponentSpec.of("file",
            "Tails a file: one record per line, resuming at the saved position after a restart.",
            FieldSpec.required("path", FieldType.STRING, "the file to tail", "/var/log/sensors.jsonl"),
            FieldSpec.oneOf("format", "raw", List.of("raw", "json"),
                "raw: each line as it is; json: each line must be JSON, else it goes to the dead-letter topic"),
            FieldSpec.oneOf("start_at", "beginning", List.of("beginning", "end"),
                "where a first run starts"),
            FieldSpec.optional("poll_interval", FieldType.DURATION, Duration.ofMillis(200),
                "wait before looking for new lines at the end of the file", "200ms"));

        public ComponentSpec spec()
        {
            return SPEC;
        }

        public SourceConnector create(final Settings s)
        {
            return new FileSource(new Config(Path.of(s.string("path")), s.string("format").equals("json"),
                s.string("start_at").equals("end"), s.duration("poll_interval")));
        }
    }

    /**
     * @param path         the file.
     * @param json         whether each line must be JSON.
     * @param startAtEnd   whether a first run skips what the file holds.
     * @param pollInterval wait at the end of the file.
     */
    public record Config(Path path, boolean json, boolean startAtEnd, Duration pollInterval)
    {
    }

    private final Config config;
    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private FileChannel channel;
    private long readPosition;
    private long lineStart;

    FileSource(final Config config)
    {
        this.config = config;
    }

    public void start(final ConnectorContext context, final String position) throws IOException
    {
        if (position != null)
        {
            lineStart = Long.parseLong(position);
        }
        else if (config.startAtEnd && Files.exists(config.path))
        {
            lineStart = Files.size(config.path);
        }
        readPosition = lineStart;
    }

    public List<SourceRecord> poll(final int maxRecords, final Duration timeout) throws Exception
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        final List<SourceRecord> records = new ArrayList<>();
        while (records.size() < maxRecords)
        {
            if (!open())
            {
                // Not there yet: wait for it as for new lines.
                Thread.sleep(Math.max(1, Math.min(config.pollInterval.toMillis(),
                    (deadline - System.nanoTime()) / 1_000_000)));
                break;
            }
            buffer.clear();
            final int n = channel.read(buffer, readPosition);
            if (n <= 0)
            {
                if (!records.isEmpty() || System.nanoTime() > deadline)
                {
                    break;
                }
                Thread.sleep(Math.min(config.pollInterval.toMillis(),
                    Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
                continue;
            }
            buffer.flip();
            while (buffer.hasRemaining() && records.size() < maxRecords)
            {
                final byte b = buffer.get();
                readPosition++;
                if (b == '\n')
                {
                    records.add(record(line.toByteArray(), readPosition));
                    line.reset();
                    lineStart = readPosition;
                }
                else
                {
                    line.write(b);
                }
            }
        }
        return records;
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
            // Closing a read-only file loses nothing.
        }
    }

    private boolean open() throws IOException
    {
        if (channel == null)
        {
            try
            {
                channel = FileChannel.open(config.path, StandardOpenOption.READ);
            }
            catch (final NoSuchFileException ex)
            {
                return false;
            }
        }
        if (channel.size() < lineStart)
        {
            lineStart = 0;
            readPosition = 0;
            line.reset();
        }
        return true;
    }

    private SourceRecord record(final byte[] bytes, final long position)
    {
        final byte[] text = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ?
            java.util.Arrays.copyOf(bytes, bytes.length - 1) : bytes;
        final Map<String, String> attributes = Map.of("file.path", config.path.toString(),
            "file.offset", Long.toString(position - bytes.length - 1));
        if (config.json && Json.parseOrNull(text) == null)
        {
            return SourceRecord.invalid(text, "line at byte " + (position - bytes.length - 1) + " is not JSON",
                attributes, Long.toString(position), null);
        }
        return SourceRecord.of(null, text, attributes, Long.toString(position), null);
    }
}
