package io.tributary.connect.spec;

/**
 * The type of a configuration field, as YAML writes it. Parsing of a value is in {@link ValueCoercion}.
 */
public enum FieldType
{
    /** Text. */
    STRING("string"),
    /** A whole number that fits an int. */
    INT("int"),
    /** A whole number. */
    LONG("long"),
    /** A decimal number. */
    DOUBLE("number"),
    /** {@code true} or {@code false}. */
    BOOLEAN("bool"),
    /** A whole number and a unit: {@code 250ms}, {@code 10s}, {@code 5m}, {@code 1h}. */
    DURATION("duration"),
    /** Bytes: a whole number, or one with a unit: {@code 64KB}, {@code 10MB}, {@code 1GB}. */
    SIZE("size"),
    /** One of a fixed set of words. */
    ENUM("enum"),
    /** A list of strings. */
    STRING_LIST("list of strings"),
    /** A map of string keys to string values. */
    STRING_MAP("map of strings");

    private final String display;

    FieldType(final String display)
    {
        this.display = display;
    }

    /**
     * @return how docs and error messages name the type.
     */
    public String display()
    {
        return display;
    }
}
