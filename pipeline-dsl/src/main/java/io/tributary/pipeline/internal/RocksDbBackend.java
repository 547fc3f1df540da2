package io.tributary.pipeline.internal;

import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

/**
 * Entries in a RocksDB database of its own directory, for state larger than the heap. The directory is emptied on
 * open: the changelog, not the local files, is the state of record (a local copy may be ahead of the last
 * checkpoint), so a task always restores from it. Writes skip RocksDB's write-ahead log for the same reason.
 * RocksDB's default bytewise comparator orders keys as unsigned bytes, like {@link Bytes}.
 * <p>
 * Not thread-safe: owned by one task.
 */
public final class RocksDbBackend implements StoreBackend
{
    static
    {
        RocksDB.loadLibrary();
    }

    private final Path directory;
    private final Options options;
    private final WriteOptions writeOptions;
    private final RocksDB db;

    public RocksDbBackend(final Path directory)
    {
        this.directory = directory;
        deleteTree(directory);
        try
        {
            Files.createDirectories(directory);
            options = new Options().setCreateIfMissing(true);
            writeOptions = new WriteOptions().setDisableWAL(true);
            db = RocksDB.open(options, directory.toString());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create state directory " + directory, ex);
        }
        catch (final RocksDBException ex)
        {
            throw new IllegalStateException("cannot open RocksDB in " + directory + ": " + ex.getMessage(), ex);
        }
    }

    public byte[] get(final Bytes key)
    {
        try
        {
            return db.get(key.array());
        }
        catch (final RocksDBException ex)
        {
            throw failed("read", ex);
        }
    }

    public void put(final Bytes key, final byte[] value)
    {
        try
        {
            db.put(writeOptions, key.array(), value);
        }
        catch (final RocksDBException ex)
        {
            throw failed("write", ex);
        }
    }

    public boolean delete(final Bytes key)
    {
        try
        {
            final boolean present = db.get(key.array()) != null;
            if (present)
            {
                db.delete(writeOptions, key.array());
            }
            return present;
        }
        catch (final RocksDBException ex)
        {
            throw failed("delete", ex);
        }
    }

    public void forEach(final BiConsumer<Bytes, byte[]> visitor)
    {
        try (RocksIterator it = db.newIterator())
        {
            for (it.seekToFirst(); it.isValid(); it.next())
            {
                visitor.accept(Bytes.wrap(it.key()), it.value());
            }
        }
    }

    public void close()
    {
        db.close();
        writeOptions.close();
        options.close();
        deleteTree(directory);
    }

    private IllegalStateException failed(final String what, final RocksDBException ex)
    {
        return new IllegalStateException("RocksDB " + what + " failed in " + directory + ": " + ex.getMessage(), ex);
    }

    private static void deleteTree(final Path path)
    {
        if (!Files.exists(path))
        {
            return;
        }
        try (Stream<Path> walk = Files.walk(path))
        {
            walk.sorted(Comparator.reverseOrder()).forEach(p ->
            {
                try
                {
                    Files.delete(p);
                }
                catch (final IOException ex)
                {
                    throw new UncheckedIOException(ex);
                }
            });
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot delete " + path, ex);
        }
    }
}
