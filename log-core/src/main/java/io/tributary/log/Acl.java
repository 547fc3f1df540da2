package io.tributary.log;

import java.util.Locale;
import java.util.Objects;

/**
 * An access rule: {@code principal} may do {@code operation} on the {@code resourceType} named {@code resource}
 * ({@link PatternType#LITERAL}, {@code *} for every one) or on every one whose name starts with it
 * ({@link PatternType#PREFIXED}). Principal {@code *} is every authenticated user. Rules only allow; what no rule
 * allows is denied (super users excepted).
 */
public record Acl(String principal, ResourceType resourceType, PatternType patternType, String resource,
    Operation operation)
{
    /** Jobs are pipelines and connectors deployed to the cluster ({@code tributary job deploy}). */
    public enum ResourceType
    {
        TOPIC, GROUP, JOB
    }

    public enum PatternType
    {
        LITERAL, PREFIXED
    }

    /**
     * Topics: read, write, create, delete, alter; groups: read; jobs (pipelines and connectors alike): deploy (which
     * covers redeploying and deleting) and stop (which covers starting again).
     */
    public enum Operation
    {
        ALL, READ, WRITE, CREATE, DELETE, ALTER, DEPLOY, STOP;

        /**
         * @return the operation named, case-insensitively.
         */
        public static Operation parse(final String name)
        {
            return valueOf(name.toUpperCase(Locale.ROOT));
        }
    }

    public Acl
    {
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(resourceType, "resourceType");
        Objects.requireNonNull(patternType, "patternType");
        Objects.requireNonNull(resource, "resource");
        Objects.requireNonNull(operation, "operation");
    }

    public static Acl topic(final String principal, final String topic, final Operation operation)
    {
        return new Acl(principal, ResourceType.TOPIC, PatternType.LITERAL, topic, operation);
    }

    public static Acl topicPrefix(final String principal, final String prefix, final Operation operation)
    {
        return new Acl(principal, ResourceType.TOPIC, PatternType.PREFIXED, prefix, operation);
    }

    public static Acl group(final String principal, final String group)
    {
        return new Acl(principal, ResourceType.GROUP, PatternType.LITERAL, group, Operation.READ);
    }

    public static Acl job(final String principal, final String job, final Operation operation)
    {
        return new Acl(principal, ResourceType.JOB, PatternType.LITERAL, job, operation);
    }

    public static Acl jobPrefix(final String principal, final String prefix, final Operation operation)
    {
        return new Acl(principal, ResourceType.JOB, PatternType.PREFIXED, prefix, operation);
    }

    public String toString()
    {
        return "principal=" + principal + " " + resourceType.name().toLowerCase(Locale.ROOT) +
            (patternType == PatternType.PREFIXED ? "-prefix=" : "=") + resource + " operation=" +
            operation.name().toLowerCase(Locale.ROOT);
    }
}
