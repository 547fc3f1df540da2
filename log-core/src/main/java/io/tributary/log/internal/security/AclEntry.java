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
