package io.tributary.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real MariaDB for tests: Debian's {@code mariadbd}, a data directory of its own under /tmp made by
 * {@code mariadb-install-db}, a free loopback port and its socket in that directory, no option files read
 * ({@code --no-defaults}), the binlog on in row format ({@code log_bin}, {@code binlog_format=ROW}, {@code server_id})
 * so change-data-capture tests can read it, and settings for speed (no flushing at commit). As root the server runs
 * as the {@code mysql} user. {@code root} may log in from 127.0.0.1 without a password. {@link #close()} stops it and
 * deletes the directory, and a shutdown hook does so if a test never closes it.
 * <p>
 * Thread-safe.
 */
public final class MariaDbServer implements AutoCloseable
{
    private static final Path SERVER = Path.of("/usr/sbin/mariadbd");

    private final Path dir;
    private final Path data;
    private final int port;
    private final List<String> options;
    private final Thread hook;
    private Process process;

    private MariaDbServer(final Path dir, final int port, final List<String> options)
    {
        this.dir = dir;
        this.data = dir.resolve("data");
        this.port = port;
        this.options = List.copyOf(options);
        this.hook = new Thread(this::stop, "mariadb-stop");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * @return whether the server is installed (ops/bin/test installs it).
     */
    public static boolean installed()
    {
        return Files.isExecutable(SERVER);
    }

    public static MariaDbServer start()
    {
        return start(List.of());
    }

    /**
     * @param options mariadbd options given after the defaults, so they win (e.g. {@code --skip-log-bin} to test a
     *                server that cannot serve change data capture).
     */
    public static MariaDbServer start(final List<String> options)
    {
        if (!installed())
        {
            throw new IllegalStateException(SERVER + " is missing: install Debian's mariadb-server (ops/bin/test " +
                "does)");
        }
        try
        {
            final Path dir = Files.createTempDirectory(Path.of("/tmp"), "tributary-mariadb-");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            final MariaDbServer server = new MariaDbServer(dir, MosquittoBroker.freePort(), options);
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
     * @return a JDBC URL for the database (none: empty), connecting over loopback TCP as {@code root}.
     */
    public String jdbcUrl(final String database)
    {
        return jdbcUrl(database, "root", null);
    }

    public String jdbcUrl(final String database, final String user, final String password)
    {
        return "jdbc:mariadb://127.0.0.1:" + port + "/" + database + "?user=" + user +
            (password == null ? "" : "&password=" + password);
    }

    public Connection connect(final String database) throws SQLException
    {
        return DriverManager.getConnection(jdbcUrl(database));
    }

    public void createDatabase(final String name)
    {
        execute("", "CREATE DATABASE `" + name + "`");
    }

    /**
     * Run statements as {@code root}, in order, each committed on its own.
     */
    public void execute(final String database, final String... sql)
    {
        try (Connection c = connect(database); Statement s = c.createStatement())
        {
            for (final String statement : sql)
            {
                try
                {
                    s.execute(statement);
                }
                catch (final SQLException ex)
                {
                    throw new IllegalStateException(statement + ": " + ex.getMessage(), ex);
                }
            }
        }
        catch (final SQLException ex)
        {
            throw new IllegalStateException("connecting to MariaDB on port " + port + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * @return the first column of the first row.
     */
    public String query(final String database, final String sql)
    {
        try (Connection c = connect(database); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql))
        {
            return rs.next() ? rs.getString(1) : null;
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

    private synchronized void launch() throws IOException
    {
        final Path log = dir.resolve("setup.log");
        final boolean root = ExternalProcess.isRoot();
        if (root)
        {
            ExternalProcess.run(List.of("chown", "mysql:mysql", dir.toString()), log, Duration.ofSeconds(10));
        }
        final List<String> install = new ArrayList<>(List.of("mariadb-install-db", "--no-defaults",
            "--datadir=" + data, "--auth-root-authentication-method=normal", "--skip-test-db",
            "--skip-name-resolve"));
        if (root)
        {
            install.add("--user=mysql");
        }
        ExternalProcess.run(install, log, Duration.ofSeconds(180));
        final Path socket = dir.resolve("mariadb.sock");
        final List<String> command = new ArrayList<>(List.of(SERVER.toString(), "--no-defaults",
            "--datadir=" + data,
            "--port=" + port,
            "--bind-address=127.0.0.1",
            "--socket=" + socket,
            "--pid-file=" + dir.resolve("mariadb.pid"),
            "--log-error=" + dir.resolve("error.log"),
            "--skip-name-resolve",
            "--log-bin=binlog",
            "--binlog-format=ROW",
            "--server-id=1",
            "--innodb-flush-log-at-trx-commit=0",
            "--sync-binlog=0",
            "--innodb-doublewrite=0",
            "--innodb-buffer-pool-size=64M",
            "--max-connections=100"));
        if (root)
        {
            command.add("--user=mysql");
        }
        command.addAll(options);
        final Path out = dir.resolve("server.log");
        process = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile())).start();
        ExternalProcess.awaitPort(port, Duration.ofSeconds(120), process, dir.resolve("error.log"));
        // root@localhost logs in over the socket only: let root in from 127.0.0.1 too, as tests connect.
        ExternalProcess.run(List.of("mariadb", "--no-defaults", "--socket=" + socket, "--user=root", "-e",
            "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'; " +
                "GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION"), log, Duration.ofSeconds(60));
    }

    private synchronized void stop()
    {
        if (process != null)
        {
            // SIGTERM is a clean shutdown; what a test wrote is thrown away anyway, so do not wait long for it.
            process.destroy();
            try
            {
                if (!process.waitFor(30, TimeUnit.SECONDS))
                {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
            catch (final InterruptedException ex)
            {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            process = null;
        }
        TestCluster.deleteRecursively(dir);
    }
}
