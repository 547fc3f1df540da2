package io.tributary.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real PostgreSQL for tests: Debian's server binaries, a data directory of its own under /tmp on a free loopback
 * port, its socket in that directory, trust authentication for the superuser {@code postgres}, and settings for
 * speed ({@code fsync=off}) and for logical decoding ({@code wal_level=logical}, replication slots and WAL senders),
 * so change-data-capture tests can use it too. PostgreSQL refuses to run as root: as root, every server command runs
 * as the {@code postgres} user through {@code runuser}. {@link #close()} stops it and deletes the directory, and a
 * shutdown hook does so if a test never closes it.
 * <p>
 * Thread-safe.
 */
public final class PostgresServer implements AutoCloseable
{
    private final Path dir;
    private final Path data;
    private final Path bin;
    private final int port;
    private final List<String> settings;
    private final Thread hook;
    private boolean running;

    private PostgresServer(final Path dir, final Path bin, final int port, final List<String> settings)
    {
        this.settings = List.copyOf(settings);
        this.dir = dir;
        this.data = dir.resolve("data");
        this.bin = bin;
        this.port = port;
        this.hook = new Thread(this::stop, "postgres-stop");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * @return the newest installed server's bin directory, or null when none is (ops/bin/test installs one).
     */
    public static Path binaries()
    {
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql")))
        {
            return versions.map(v -> v.resolve("bin"))
                .filter(b -> Files.isExecutable(b.resolve("pg_ctl")))
                .max(Comparator.comparingInt(b -> Integer.parseInt(b.getParent().getFileName().toString())))
                .orElse(null);
        }
        catch (final IOException | NumberFormatException ex)
        {
            return null;
        }
    }

    public static PostgresServer start()
    {
        return start(List.of());
    }

    /**
     * @param settings postgresql.conf lines written after the defaults, so they win (e.g. {@code wal_level =
     *                 replica} to test a server that cannot serve change data capture).
     */
    public static PostgresServer start(final List<String> settings)
    {
        final Path bin = binaries();
        if (bin == null)
        {
            throw new IllegalStateException("no PostgreSQL server under /usr/lib/postgresql: install Debian's " +
                "postgresql (ops/bin/test does)");
        }
        try
        {
            final Path dir = Files.createTempDirectory(Path.of("/tmp"), "tributary-pg-");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            final PostgresServer server = new PostgresServer(dir, bin, MosquittoBroker.freePort(), settings);
            try
            {
                server.launch();
                return server;
            }
            catch (final RuntimeException ex)
            {
                server.close();
                throw ex;
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    public int port()
    {
        return port;
    }

    /**
     * @return a JDBC URL for the database, connecting over loopback TCP as {@code postgres}.
     */
    public String jdbcUrl(final String database)
    {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=postgres";
    }

    public Connection connect(final String database) throws SQLException
    {
        return DriverManager.getConnection(jdbcUrl(database));
    }

    /**
     * Create a database (owned by {@code postgres}).
     */
    public void createDatabase(final String name)
    {
        execute("postgres", "CREATE DATABASE \"" + name + "\"");
    }

    public void execute(final String database, final String sql)
    {
        try (Connection c = connect(database); Statement s = c.createStatement())
        {
            s.execute(sql);
        }
        catch (final SQLException ex)
        {
            throw new IllegalStateException(sql + ": " + ex.getMessage(), ex);
        }
    }

    public synchronized void close()
    {
        stop();
        try
        {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        catch (final IllegalStateException shuttingDown)
        {
            // the hook is running
        }
    }

    private void launch() throws IOException
    {
        final Path log = dir.resolve("setup.log");
        if (ExternalProcess.isRoot())
        {
            ExternalProcess.run(List.of("chown", "postgres:postgres", dir.toString()), log, Duration.ofSeconds(10));
        }
        ExternalProcess.run(asPostgres(bin.resolve("initdb").toString(), "-D", data.toString(), "--no-locale",
            "-E", "UTF8", "-U", "postgres", "--auth=trust", "--no-sync"), log, Duration.ofSeconds(120));
        final String conf = String.join("\n",
            "port = " + port,
            "listen_addresses = '127.0.0.1'",
            "unix_socket_directories = '" + dir + "'",
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
            "wal_level = logical",
            "max_replication_slots = 10",
            "max_wal_senders = 10",
            "max_connections = 50",
            "shared_buffers = 32MB",
            String.join("\n", settings),
            "");
        ExternalProcess.run(asPostgres("sh", "-c", "cat >> '" + data.resolve("postgresql.conf") + "' <<'EOF'\n" +
            conf + "EOF"), log, Duration.ofSeconds(10));
        running = true;
        ExternalProcess.run(asPostgres(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-w", "-t", "60",
            "-l", dir.resolve("server.log").toString(), "start"), log, Duration.ofSeconds(90));
    }

    private synchronized void stop()
    {
        if (running)
        {
            running = false;
            try
            {
                ExternalProcess.run(asPostgres(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m",
                    "immediate", "-w", "stop"), dir.resolve("setup.log"), Duration.ofSeconds(60));
            }
            catch (final RuntimeException ex)
            {
                System.err.println("stopping PostgreSQL failed: " + ex.getMessage());
            }
        }
        TestCluster.deleteRecursively(dir);
    }

    private static List<String> asPostgres(final String... command)
    {
        final List<String> full = new ArrayList<>();
        if (ExternalProcess.isRoot())
        {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(List.of(command));
        return full;
    }
}
