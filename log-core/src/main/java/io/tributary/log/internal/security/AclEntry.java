package io.tributary.log.internal.security;

import io.tributary.log.internal.codecs.AclOperation;
import io.tributary.log.internal.codecs.AclPatternType;
import io.tributary.log.internal.codecs.AclResourceType;

import java.util.Comparator;

/**
 * One access rule: {@code principal} may do {@code operation} on resources of {@code resourceType} named
 * {@code resource} (LITERAL; {@code *} for every one) or starting with it (PREFIXED). Principal {@code *} is every
 * authenticated principal; operation ALL is every operation. Rules only allow: what no rule allows is denied.
 */
public record AclEntry(
    String principal, AclResourceType resourceType, AclPatternType patternType, String resource,
    AclOperation operation) implements Comparable<AclEntry>
{
    private static final Comparator<AclEntry> ORDER = Comparator.comparing(AclEntry::principal)
        .thenComparing(AclEntry::resourceType)
        .thenComparing(AclEntry::patternType)
        .thenComparing(AclEntry::resource)
        .thenComparing(AclEntry::operation);

    public AclEntry
    {
        if (principal == null || principal.isEmpty() || resource == null || resource.isEmpty())
        {
            throw new IllegalArgumentException("an ACL needs a principal and a resource name");
        }
        if (resourceType == null || resourceType == AclResourceType.NULL_VAL ||
            patternType == null || patternType == AclPatternType.NULL_VAL ||
            operation == null || operation == AclOperation.NULL_VAL)
        {
            throw new IllegalArgumentException("an ACL needs a resource type, pattern type and operation");
        }
    }

    /**
     * @return why no check ever consults this rule, or null when one does: topics take read, write, create, delete
     *         and alter; groups read; jobs (pipelines and connectors run in the cluster) deploy and stop; every type
     *         takes all. Cluster administration is for super users, not rules.
     */
    public String unsupported()
    {
        final boolean fits = operation == AclOperation.ALL || switch (resourceType)
        {
            case TOPIC -> operation == AclOperation.READ || operation == AclOperation.WRITE ||
                operation == AclOperation.CREATE || operation == AclOperation.DELETE || operation == AclOperation.ALTER;
            case GROUP -> operation == AclOperation.READ;
            case JOB -> operation == AclOperation.DEPLOY || operation == AclOperation.STOP;
            default -> false;
        };
        if (resourceType == AclResourceType.CONNECTOR)
        {
            return "a connector run in the cluster is a job: write a job rule for it";
        }
        if (resourceType == AclResourceType.CLUSTER)
        {
            return "cluster operations are for super users (--super-users), not rules";
        }
        return fits ? null : "operation " + operation.name().toLowerCase() + " does not apply to a " +
            resourceType.name().toLowerCase() + " (" + switch (resourceType)
            {
                case TOPIC -> "read, write, create, delete, alter or all";
                case GROUP -> "read or all";
                default -> "deploy, stop or all";
            } + ")";
    }

    boolean matches(final String principal, final AclOperation operation, final AclResourceType type, final String name)
    {
        if (resourceType != type || (this.operation != AclOperation.ALL && this.operation != operation))
        {
            return false;
        }
        if (!this.principal.equals("*") && !this.principal.equals(principal))
        {
            return false;
        }
        return patternType == AclPatternType.PREFIXED ? name.startsWith(resource) :
            resource.equals("*") || resource.equals(name);
    }

    public int compareTo(final AclEntry o)
    {
        return ORDER.compare(this, o);
    }

    public String toString()
    {
        return "principal=" + principal + " " + resourceType.name().toLowerCase() +
            (patternType == AclPatternType.PREFIXED ? "-prefix=" : "=") + resource +
            " operation=" + operation.name().toLowerCase();
    }
}
