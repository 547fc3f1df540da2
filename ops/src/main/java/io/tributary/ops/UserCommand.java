package io.tributary.ops;

import io.tributary.log.Admin;
import io.tributary.log.ErrorCode;
import io.tributary.log.TributaryException;
import io.tributary.log.internal.security.Scram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code tributary user ...}: SCRAM-SHA-256 users. The credential is computed here from the password; only salt,
 * iteration count and keys reach the cluster. Passwords come from a file readable by its owner only, or the console
 * (or one line of stdin when there is none); never from an argument.
 */
@Command(name = "user", description = "Add, list and delete users (SCRAM-SHA-256; super users only).", subcommands = {
    UserCommand.Add.class,
    UserCommand.ListUsers.class,
    UserCommand.Delete.class,
    UserCommand.Token.class
})
final class UserCommand extends CommandGroup
{
    @Command(name = "add", description = {
        "Create a user, or change its password.",
        "The password is read from --password-file (readable by its owner only), else asked on the console,",
        "else read as one line of stdin." })
    static final class Add implements Callable<Integer>
    {
        private final CliContext ctx;

        @Mixin
        ClusterOption cluster;

        @Parameters(index = "0", paramLabel = "NAME", description = "1 to 128 of A-Z a-z 0-9 . _ @ -")
        String name;

        @Option(names = "--password-file", paramLabel = "FILE",
            description = "a file holding the password on its first line, readable by its owner only")
        Path passwordFile;

        Add(final CliContext ctx)
        {
            this.ctx = ctx;
        }

        public Integer call()
        {
            final char[] password = passwordFile != null ? readPasswordFile(passwordFile) :
                readPassword(ctx, "password for " + name + ": ");
            try (Admin admin = cluster.admin(ctx))
            {
                admin.upsertUser(name, password);
            }
            finally
            {
                Arrays.fill(password, '\0');
            }
            ctx.out().println("user " + name + " saved");
            return TributaryCli.OK;
        }
    }

    @Command(name = "list", description = "Every user, one a line: name and SCRAM iterations.")
    static final class ListUsers implements Callable<Integer>
    {
        private final CliContext ctx;

        @Mixin
        ClusterOption cluster;

        ListUsers(final CliContext ctx)
        {
            this.ctx = ctx;
        }

        public Integer call()
        {
            try (Admin admin = cluster.admin(ctx))
            {
                for (final Map.Entry<String, Integer> user : admin.listUsers().entrySet())
                {
                    ctx.out().println(user.getKey() + " SCRAM-SHA-256 iterations=" + user.getValue());
                }
            }
            return TributaryCli.OK;
        }
    }

    @Command(name = "delete", description = "Delete a user (its ACLs stay until removed).")
    static final class Delete implements Callable<Integer>
    {
        private final CliContext ctx;

        @Mixin
        ClusterOption cluster;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        Delete(final CliContext ctx)
        {
            this.ctx = ctx;
        }

        public Integer call()
        {
            try (Admin admin = cluster.admin(ctx))
            {
                admin.deleteUser(name);
            }
            ctx.out().println("deleted user " + name);
            return TributaryCli.OK;
        }
    }

    @Command(name = "token", description = {
        "Create a service token for a worker, job or connector: a user whose password is a random 256-bit secret,",
        "stored hashed like any user's. Prints a credentials file (username=, password=) once, or writes it to",
        "--output with mode 600; give it to the service as --credentials-file." })
    static final class Token implements Callable<Integer>
    {
        private final CliContext ctx;

        @Mixin
        ClusterOption cluster;

        @Parameters(index = "0", paramLabel = "NAME", description = "1 to 128 of A-Z a-z 0-9 . _ @ -")
        String name;

        @Option(names = "--output", paramLabel = "FILE", description = "write the credentials file here (mode 600)")
        Path output;

        Token(final CliContext ctx)
        {
            this.ctx = ctx;
        }

        public Integer call() throws IOException
        {
            final String secret = Scram.newTokenSecret();
            try (Admin admin = cluster.admin(ctx))
            {
                admin.upsertUser(name, secret.toCharArray());
            }
            final String file = "username=" + name + "\npassword=" + secret + "\n";
            if (output != null)
            {
                Files.createFile(output,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(output, file);
                ctx.out().println("token " + name + " created; credentials written to " + output);
            }
            else
            {
                ctx.out().print(file);
            }
            return TributaryCli.OK;
        }
    }

    /**
     * @return the first line of a file only its owner may read.
     */
    static char[] readPasswordFile(final Path file)
    {
        try
        {
            final Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (!Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE).containsAll(permissions))
            {
                throw new TributaryException(ErrorCode.INVALID_REQUEST, "password file " + file + " may be read or " +
                    "changed by others (" + PosixFilePermissions.toString(permissions) + "): chmod 600 " + file);
            }
            final String first = Files.readAllLines(file, StandardCharsets.UTF_8).stream().findFirst().orElse("");
            if (first.isEmpty())
            {
                throw new TributaryException(ErrorCode.INVALID_REQUEST, "password file " + file + " is empty");
            }
            return first.toCharArray();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read password file " + file, ex);
        }
    }

    private static char[] readPassword(final CliContext ctx, final String prompt)
    {
        final Console console = ctx.handleSignals() ? System.console() : null;
        if (console != null)
        {
            final char[] password = console.readPassword(prompt);
            final char[] again = console.readPassword("again: ");
            if (password == null || !Arrays.equals(password, again))
            {
                throw new TributaryException(ErrorCode.INVALID_REQUEST, "the passwords differ");
            }
            return password;
        }
        try
        {
            final String line = new BufferedReader(new InputStreamReader(ctx.in(), StandardCharsets.UTF_8)).readLine();
            if (line == null || line.isEmpty())
            {
                throw new TributaryException(ErrorCode.INVALID_REQUEST,
                    "no password: give --password-file, or type it on a console, or pipe it on stdin");
            }
            return line.toCharArray();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
