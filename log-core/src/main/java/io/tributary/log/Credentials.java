package io.tributary.log;

import io.tributary.log.internal.security.Scram;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * A user name and password (or a service token's name and secret) a client authenticates with (SCRAM-SHA-256:
 * the password never leaves the client). Comes from a file only its owner can read, or from environment variables;
 * there is deliberately no way to take it from a command-line argument, which {@code ps} shows to everyone.
 * <p>
 * Immutable; {@link #toString()} never shows the password.
 */
public final class Credentials
{
    /** Environment variables {@link #fromEnvironment(Map)} reads. */
    public static final String USERNAME_ENV = "TRIBUTARY_USERNAME";
    public static final String PASSWORD_ENV = "TRIBUTARY_PASSWORD";

    private static volatile Credentials processDefault;

    private final String username;
    private final char[] password;

    private Credentials(final String username, final char[] password)
    {
        if (!Scram.isValidUserName(username))
        {
            throw new IllegalArgumentException(
                "invalid user name '" + username + "': use 1 to 128 of A-Z a-z 0-9 . _ @ -");
        }
        if (password.length == 0)
        {
            throw new IllegalArgumentException("empty password for user '" + username + "'");
        }
        this.username = username;
        this.password = password.clone();
    }

    public static Credentials of(final String username, final char[] password)
    {
        return new Credentials(username, password);
    }

    /**
     * Read {@code username=...} and {@code password=...} (Java properties) from a file that only its owner may read
     * or write (mode 0600 or 0400).
     *
     * @throws IllegalArgumentException naming the file when it is readable by others, or lacks a key.
     */
    public static Credentials fromFile(final Path file)
    {
        final Properties properties = readOwnerOnly(file);
        final String username = properties.getProperty("username");
        final String password = properties.getProperty("password");
        if (username == null || password == null)
        {
            throw new IllegalArgumentException("credentials file " + file + " must set username= and password=");
        }
        return new Credentials(username.strip(), password.toCharArray());
    }

    /**
     * @param environment the process environment ({@code System.getenv()}).
     * @return credentials from TRIBUTARY_USERNAME and TRIBUTARY_PASSWORD, or null when the user name is not set.
     */
    public static Credentials fromEnvironment(final Map<String, String> environment)
    {
        final String username = environment.get(USERNAME_ENV);
        if (username == null || username.isBlank())
        {
            return null;
        }
        final String password = environment.get(PASSWORD_ENV);
        if (password == null)
        {
            throw new IllegalArgumentException(USERNAME_ENV + " is set but " + PASSWORD_ENV + " is not");
        }
        return new Credentials(username.strip(), password.toCharArray());
    }

    /**
     * Read a properties file, refusing one that anybody but its owner could read or write.
     */
    public static Properties readOwnerOnly(final Path file)
    {
        try
        {
            final Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            for (final PosixFilePermission p : permissions)
            {
                if (p != PosixFilePermission.OWNER_READ && p != PosixFilePermission.OWNER_WRITE)
                {
                    throw new IllegalArgumentException("credentials file " + file + " may be read or changed by " +
                        "others (" + java.nio.file.attribute.PosixFilePermissions.toString(permissions) +
                        "): make it readable by its owner only, e.g. chmod 600 " + file);
                }
            }
            final Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8))
            {
                properties.load(reader);
            }
            return properties;
        }
        catch (final UnsupportedOperationException ex)
        {
            throw new IllegalArgumentException("cannot check who may read " + file + " (not a POSIX file system)");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read credentials file " + file, ex);
        }
    }

    /**
     * Set the credentials of every client this process creates without naming any (as a JVM-wide JAAS
     * configuration does for Kafka clients): for a process that runs code which opens its own clients from a cluster
     * address alone, such as a job worker, a connector or a pipeline. Set by the program's {@code main}, not read from
     * the environment here.
     *
     * @param credentials the default, or null for none.
     */
    public static void setProcessDefault(final Credentials credentials)
    {
        processDefault = credentials;
    }

    /**
     * @return the credentials of clients created without any; null when none were set.
     */
    public static Credentials processDefault()
    {
        return processDefault;
    }

    public String username()
    {
        return username;
    }

    /**
     * @return a copy of the password; clear it when done.
     */
    public char[] password()
    {
        return password.clone();
    }

    public boolean equals(final Object o)
    {
        return o instanceof Credentials c && username.equals(c.username) &&
            java.util.Arrays.equals(password, c.password);
    }

    public int hashCode()
    {
        return username.hashCode();
    }

    public String toString()
    {
        return "Credentials(" + username + ", password ******)";
    }
}
