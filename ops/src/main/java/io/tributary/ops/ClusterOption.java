package io.tributary.ops;

import io.tributary.log.Admin;
import io.tributary.log.Credentials;
import io.tributary.log.internal.cluster.ClusterMembers;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * The {@code --cluster LIST} and {@code --credentials-file FILE} options every client command takes. The cluster's
 * default comes from the {@link CliContext} ({@code TRIBUTARY_CLUSTER}, else {@code 0=127.0.0.1:9100}) through
 * {@link TributaryCli}'s default value provider. Credentials come from the file named (readable by its owner only),
 * else the file {@code TRIBUTARY_CREDENTIALS_FILE} names, else {@code TRIBUTARY_USERNAME} and
 * {@code TRIBUTARY_PASSWORD}; never from an argument, which {@code ps} would show to everyone.
 */
public final class ClusterOption
{
    static final String NAME = "--cluster";
    public static final String CREDENTIALS_FILE_ENV = "TRIBUTARY_CREDENTIALS_FILE";

    @Option(names = NAME, paramLabel = "LIST", converter = MembersConverter.class,
        description = "cluster members, id=host:basePort,... (default: $TRIBUTARY_CLUSTER, else " +
            ClusterMembers.DEFAULT + "; now ${DEFAULT-VALUE})")
    String cluster;

    @Option(names = "--credentials-file", paramLabel = "FILE",
        description = "username= and password= (Java properties) of the user to authenticate as; the file must be " +
            "readable by its owner only (chmod 600) (default: $" + CREDENTIALS_FILE_ENV + ", else " +
            "$TRIBUTARY_USERNAME and $TRIBUTARY_PASSWORD, else none)")
    Path credentialsFile;

    public String cluster()
    {
        return cluster;
    }

    /**
     * @return who to authenticate as, or null for nobody.
     */
    public Credentials credentials(final CliContext ctx)
    {
        if (credentialsFile != null)
        {
            return Credentials.fromFile(credentialsFile);
        }
        final String file = ctx.env().get(CREDENTIALS_FILE_ENV);
        if (file != null && !file.isBlank())
        {
            return Credentials.fromFile(Path.of(file));
        }
        return Credentials.fromEnvironment(ctx.env());
    }

    /**
     * @return an admin client for the cluster, authenticated as {@link #credentials}.
     */
    public Admin admin(final CliContext ctx)
    {
        return Admin.create(cluster, credentials(ctx));
    }

    /** Checks a members list when it is parsed, so a typo is a usage error naming the bad member. */
    static final class MembersConverter implements CommandLine.ITypeConverter<String>
    {
        public String convert(final String value)
        {
            try
            {
                return ClusterMembers.parse(value).toString();
            }
            catch (final IllegalArgumentException ex)
            {
                throw new CommandLine.TypeConversionException(ex.getMessage());
            }
        }
    }
}
