package io.tributary.ops;

import io.tributary.log.internal.cluster.ClusterMembers;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The {@code --cluster LIST} option every client command takes. Its default comes from the {@link CliContext}
 * ({@code TRIBUTARY_CLUSTER}, else {@code 0=127.0.0.1:9100}) through {@link TributaryCli}'s default value provider.
 */
public final class ClusterOption
{
    static final String NAME = "--cluster";

    @Option(names = NAME, paramLabel = "LIST", converter = MembersConverter.class,
        description = "cluster members, id=host:basePort,... (default: $TRIBUTARY_CLUSTER, else " +
            ClusterMembers.DEFAULT + "; now ${DEFAULT-VALUE})")
    String cluster;

    public String cluster()
    {
        return cluster;
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
