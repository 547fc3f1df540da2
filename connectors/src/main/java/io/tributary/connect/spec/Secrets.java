package io.tributary.connect.spec;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What must never be shown in a log line, a status or an error message, and the one way to hide it: {@link #redact}
 * replaces each with {@value #MASK}.
 * <p>
 * The secret values are those of fields marked {@link FieldSpec#secret()} (passwords), of sensitive request headers
 * ({@code Authorization}, {@code Cookie}, and any header whose name speaks of a token, key, secret, password or
 * auth) and any given with {@link #with} (a job's {@code env}, which is how jobs pass credentials). Credentials
 * written into a URL are hidden wherever they appear, known or not: the password of {@code scheme://user:password@}
 * and the value of a query parameter named like a credential ({@code password=}, {@code token=},
 * {@code api_key=}, {@code secret=}, ...).
 * <p>
 * A value shorter than {@value #MIN_LENGTH} characters is not searched for (it would mask letters all over a
 * message); a password that short is refused by any serious server anyway. Immutable and thread-safe.
 */
public final class Secrets
{
    public static final String MASK = "***";
    static final int MIN_LENGTH = 3;

    private static final Pattern URL_PASSWORD =
        Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://[^/\\s:@]*:)([^/\\s@]+)@");
    private static final Pattern CREDENTIAL_PARAMETER = Pattern.compile(
        "(?i)([?&;][a-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|signature)=)" +
            "[^&;\\s#\"'<>]+");
    private static final Pattern SENSITIVE_HEADER = Pattern.compile("(?i)authorization|proxy-authorization|cookie|" +
        "set-cookie|.*(token|secret|key|password|passwd|auth|credential).*");
    private static final Secrets NONE = new Secrets(List.of());

    private final List<String> values;

    private Secrets(final List<String> values)
    {
        this.values = values;
    }

    /**
     * @return secrets with no known value: only credentials written into URLs are hidden.
     */
    public static Secrets none()
    {
        return NONE;
    }

    /**
     * @return the secret values of a connector's settings.
     */
    public static Secrets of(final Settings settings)
    {
        return NONE.with(secretValues(settings));
    }

    /**
     * @return these secrets and the given values too.
     */
    public Secrets with(final Collection<String> more)
    {
        final Set<String> all = new LinkedHashSet<>(values);
        for (final String value : more)
        {
            if (value != null && value.length() >= MIN_LENGTH)
            {
                all.add(value);
            }
        }
        final List<String> sorted = new ArrayList<>(all);
        sorted.sort(Comparator.comparingInt(String::length).reversed());   // a longer secret holding a shorter one
        return new Secrets(List.copyOf(sorted));
    }

    /**
     * @return the text with every secret value and every credential in a URL replaced by {@value #MASK}; null for
     * null.
     */
    public String redact(final String text)
    {
        if (text == null)
        {
            return null;
        }
        String result = text;
        for (final String value : values)
        {
            result = result.replace(value, MASK);
        }
        result = URL_PASSWORD.matcher(result).replaceAll("$1" + Matcher.quoteReplacement(MASK) + "@");
        return CREDENTIAL_PARAMETER.matcher(result).replaceAll("$1" + Matcher.quoteReplacement(MASK));
    }

    /**
     * @return a copy of the failure, causes and suppressed failures included, whose messages are redacted and whose
     * stack traces are the original's: what may be logged. Its classes are {@link RedactedException}, whose
     * {@code toString} names the original class.
     */
    public Throwable redact(final Throwable failure)
    {
        return copy(failure, 0);
    }

    /**
     * @return {@code Class: message} of the failure, redacted.
     */
    public String describe(final Throwable failure)
    {
        return redact(failure.getClass().getName() + (failure.getMessage() == null ? "" : ": " + failure.getMessage()));
    }

    /**
     * @return the settings' values of fields marked secret, and of sensitive headers in string-map fields.
     */
    public static List<String> secretValues(final Settings settings)
    {
        final List<String> found = new ArrayList<>();
        for (final FieldSpec field : settings.spec().fields())
        {
            final Object value = settings.asMap().get(field.name());
            if (value == null)
            {
                continue;
            }
            if (field.type() == FieldType.STRING_MAP)
            {
                for (final Map.Entry<?, ?> e : ((Map<?, ?>)value).entrySet())
                {
                    if (field.secret() || isSensitiveHeader(String.valueOf(e.getKey())))
                    {
                        found.add(String.valueOf(e.getValue()));
                    }
                }
            }
            else if (field.secret())
            {
                if (value instanceof Collection<?> list)
                {
                    list.forEach(item -> found.add(String.valueOf(item)));
                }
                else
                {
                    found.add(String.valueOf(value));
                }
            }
        }
        return found;
    }

    /**
     * @return whether a request header of this name carries a credential.
     */
    public static boolean isSensitiveHeader(final String name)
    {
        return SENSITIVE_HEADER.matcher(name).matches();
    }

    private Throwable copy(final Throwable failure, final int depth)
    {
        final RedactedException copy =
            new RedactedException(failure.getClass().getName(), redact(failure.getMessage()));
        copy.setStackTrace(failure.getStackTrace());
        if (depth < 16)
        {
            if (failure.getCause() != null && failure.getCause() != failure)
            {
                copy.initCause(copy(failure.getCause(), depth + 1));
            }
            for (final Throwable suppressed : failure.getSuppressed())
            {
                copy.addSuppressed(copy(suppressed, depth + 1));
            }
        }
        return copy;
    }

    /**
     * A failure as it may be shown: the original's class name, its message redacted, its stack trace.
     */
    public static final class RedactedException extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        private final String originalClass;

        RedactedException(final String originalClass, final String message)
        {
            super(message);
            this.originalClass = originalClass;
        }

        /**
         * @return the class of the failure this copies.
         */
        public String originalClass()
        {
            return originalClass;
        }

        public String toString()
        {
            return getMessage() == null ? originalClass : originalClass + ": " + getMessage();
        }
    }
}
