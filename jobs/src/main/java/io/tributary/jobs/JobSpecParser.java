package io.tributary.jobs;

import io.tributary.connect.ConnectorTypes;
import io.tributary.connect.config.ConfigError;
import io.tributary.connect.config.ConfigException;
import io.tributary.connect.config.ConnectorConfig;
import io.tributary.connect.config.ConnectorFileParser;
import io.tributary.connect.config.EnvSubstitution;
import io.tributary.connect.config.SpecBinder;
import io.tributary.connect.config.Suggestions;
import io.tributary.connect.config.YamlNode;
import io.tributary.connect.config.YamlReader;
import io.tributary.connect.spec.ComponentSpec;
import io.tributary.connect.spec.FieldSpec;
import io.tributary.connect.spec.FieldType;
import io.tributary.connect.spec.Settings;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads a job file into a {@link JobSpec}, reporting every problem as connector files do:
 * {@code file:line:column: key.path: message}, with a suggestion for a misspelt key. A connector job's connector file
 * (resolved against the job file's directory) is read and checked too, so a bad one is refused before anything is
 * deployed. Immutable and thread-safe.
 * <pre>
 * name: sensor-alerts
 * kind: pipeline                       # or connector
 * pipeline: { class: com.acme.SensorAlerts, jar: target/acme-pipelines.jar }
 * parallelism: 4
 * config: { from: beginning, commit_interval: 100ms }
 * env: { PGPASSWORD: secret }
 * </pre>
 */
public final class JobSpecParser
{
    static final List<String> TOP_KEYS = List.of("name", "kind", "pipeline", "connector", "parallelism", "config",
        "env");
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9._-]{1,200}");
    static final String NAME_RULE = "expected 1 to 200 of a-z A-Z 0-9 . _ - (and not '.' or '..')";

    static final ComponentSpec PIPELINE = ComponentSpec.of("pipeline",
        "The pipeline a pipeline job runs.",
        FieldSpec.required("class", FieldType.STRING,
            "class implementing io.tributary.pipeline.PipelineDefinition, with a public no-argument constructor",
            "com.acme.SensorAlerts"),
        FieldSpec.optional("jar", FieldType.STRING, null,
            "jar holding the class and its dependencies, relative to this file (job deploy --jar overrides); " +
                "absent: the workers' class path", "target/acme-pipelines.jar"));

    static final ComponentSpec CONNECTOR = ComponentSpec.of("connector",
        "The connector file a connector job runs.",
        FieldSpec.required("file", FieldType.STRING, "connector YAML file, relative to this file",
            "generator.yaml"));

    static final ComponentSpec PIPELINE_CONFIG = ComponentSpec.of("config",
        "How a pipeline job's tasks run.",
        FieldSpec.optional("from", FieldType.STRING, "beginning",
            "where partitions the pipeline never committed start: beginning, end, offset:N or an ISO-8601 time",
            "end"),
        FieldSpec.optional("commit_interval", FieldType.DURATION, Duration.ofMillis(100),
            "how often a task checkpoints (outputs become visible at this pace)", "100ms"));

    static final ComponentSpec CONNECTOR_CONFIG = ComponentSpec.of("config",
        "How a connector job's task runs (nothing to set yet).");

    private final ConnectorTypes types;
    private final Map<String, String> env;

    /**
     * @param env the deploying process's environment, for {@code ${NAME}} in the job and connector files.
     */
    public JobSpecParser(final ConnectorTypes types, final Map<String, String> env)
    {
        this.types = types;
        this.env = Map.copyOf(env);
    }

    /**
     * @throws ConfigException with every problem found.
     */
    public JobSpec parse(final Path file)
    {
        return parse(file, null);
    }

    /**
     * @param jar the pipeline's jar given on the command line, over the file's {@code pipeline.jar}; or null.
     * @throws ConfigException with every problem found.
     */
    public JobSpec parse(final Path file, final Path jar)
    {
        final String text;
        try
        {
            text = Files.readString(file, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new ConfigException(List.of(new ConfigError(file.toString(), 0, 0, "",
                "cannot read: " + ex.getClass().getSimpleName() + ": " + ex.getMessage())));
        }
        final Path dir = file.toAbsolutePath().getParent();
        return parse(file.toString(), text, dir, jar);
    }

    /**
     * @param dir where relative paths in the file are resolved.
     * @throws ConfigException with every problem found.
     */
    public JobSpec parse(final String file, final String text, final Path dir)
    {
        return parse(file, text, dir, null);
    }

    /**
     * @param dir where relative paths in the file are resolved.
     * @param jar the pipeline's jar given on the command line, over the file's {@code pipeline.jar}; or null.
     * @throws ConfigException with every problem found.
     */
    public JobSpec parse(final String file, final String text, final Path dir, final Path jar)
    {
        final List<YamlNode> documents = YamlReader.read(file, text);
        final List<ConfigError> errors = new ArrayList<>();
        if (documents.size() != 1)
        {
            throw new ConfigException(List.of(new ConfigError(file, 1, 1, "", documents.isEmpty() ?
                "no job in the file" : "one job per file, found " + documents.size())));
        }
        final JobSpec spec = document(file, documents.get(0), dir, jar, errors);
        if (!errors.isEmpty() || spec == null)
        {
            errors.sort(Comparator.comparingInt(ConfigError::line).thenComparingInt(ConfigError::column));
            throw new ConfigException(errors);
        }
        return spec;
    }

    private JobSpec document(final String file, final YamlNode document, final Path dir, final Path jarOverride,
        final List<ConfigError> errors)
    {
        final Map<String, String> jobEnv = new HashMap<>(env);
        final SpecBinder plain = new SpecBinder(file, new EnvSubstitution(env), errors);
        if (!(document instanceof YamlNode.MapNode map))
        {
            plain.error(document.at(), "", "expected a job (a map with name, kind and pipeline or connector), got " +
                document.kind());
            return null;
        }
        final Map<String, YamlNode> blocks = new LinkedHashMap<>();
        final Map<String, YamlNode.Key> keys = new LinkedHashMap<>();
        for (final Map.Entry<YamlNode.Key, YamlNode> e : map.entries().entrySet())
        {
            final String key = e.getKey().name();
            if (!TOP_KEYS.contains(key))
            {
                plain.error(e.getKey().at(), key, "unknown key" + Suggestions.hint(key, TOP_KEYS) +
                    "; a job takes " + String.join(", ", TOP_KEYS));
                continue;
            }
            blocks.put(key, e.getValue());
            keys.put(key, e.getKey());
        }
        final int before = errors.size();
        Map<String, String> declaredEnv = Map.of();
        if (blocks.containsKey("env"))
        {
            @SuppressWarnings("unchecked")
            final Map<String, String> values = (Map<String, String>)plain.value(FieldSpec.optional("env",
                FieldType.STRING_MAP, null, "environment", null), blocks.get("env"), "env");
            if (values != null)
            {
                declaredEnv = values;
                jobEnv.putAll(values);
            }
        }
        final SpecBinder binder = new SpecBinder(file, new EnvSubstitution(jobEnv), errors);
        final String name = name(binder, map, blocks);
        final JobSpec.Kind kind = kind(binder, map, blocks, keys);
        final Object parallelismValue = blocks.containsKey("parallelism") ? binder.value(FieldSpec.optional(
            "parallelism", FieldType.INT, 1, "tasks", null), blocks.get("parallelism"), "parallelism") : 1;
        final int parallelism = parallelismValue == null ? 1 : (Integer)parallelismValue;
        if (parallelism < 1 || parallelism > 1024)
        {
            binder.error(blocks.get("parallelism").at(), "parallelism", "must be between 1 and 1024, got " +
                parallelism);
        }
        if (kind == null)
        {
            return null;
        }
        final String own = kind.key();
        final String other = kind == JobSpec.Kind.PIPELINE ? "connector" : "pipeline";
        if (keys.containsKey(other))
        {
            binder.error(keys.get(other).at(), other, "a " + own + " job takes a '" + own + "' block, not '" +
                other + "'");
        }
        if (kind == JobSpec.Kind.PIPELINE)
        {
            final Settings pipeline = binder.bind(PIPELINE, blocks.get("pipeline"), "pipeline", map.at());
            final Settings config = binder.bind(PIPELINE_CONFIG, blocks.get("config"), "config", map.at());
            final String from = config.string("from");
            if (from != null && !validFrom(from))
            {
                binder.error(blocks.get("config").at(), "config.from",
                    "expected beginning, end, offset:N or an ISO-8601 time, got '" + from + "'");
            }
            final Duration commitInterval = config.duration("commit_interval");
            if (commitInterval != null && (commitInterval.isZero() || commitInterval.isNegative()))
            {
                binder.error(blocks.get("config").at(), "config.commit_interval", "must be positive");
            }
            String jar = pipeline.has("jar") ? pipeline.string("jar") : null;
            if (jarOverride != null)
            {
                jar = jarOverride.toString();
                if (!Files.isRegularFile(jarOverride))
                {
                    binder.error(new YamlNode.Location(0, 0), "", "--jar " + jarOverride + " is not a file");
                    jar = null;
                }
            }
            else if (jar != null)
            {
                final Path jarPath = dir == null ? Path.of(jar) : dir.resolve(jar);
                if (!Files.isRegularFile(jarPath))
                {
                    binder.error(blocks.get("pipeline").at(), "pipeline.jar", "no such file: " + jarPath);
                }
                jar = jarPath.toString();
            }
            final String className = pipeline.string("class");
            if (className != null && errors.size() == before)
            {
                final String problem = PipelineClassCheck.problem(className, jar == null ? null : Path.of(jar));
                if (problem != null)
                {
                    binder.error(pipelineClassAt(blocks.get("pipeline")), "pipeline.class", problem);
                }
            }
            if (errors.size() > before || name == null)
            {
                return null;
            }
            return new JobSpec(name, kind, pipeline.string("class"), jar, null, null, parallelism, from,
                commitInterval.toMillis(), declaredEnv);
        }
        final Settings connector = binder.bind(CONNECTOR, blocks.get("connector"), "connector", map.at());
        binder.bind(CONNECTOR_CONFIG, blocks.get("config"), "config", map.at());
        if (errors.size() > before || name == null)
        {
            return null;
        }
        final String connectorFile = connector.string("file");
        final Path path = dir == null ? Path.of(connectorFile) : dir.resolve(connectorFile);
        final String yaml;
        try
        {
            yaml = Files.readString(path, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            binder.error(blocks.get("connector").at(), "connector.file", "cannot read " + path + ": " +
                ex.getClass().getSimpleName());
            return null;
        }
        final List<ConnectorConfig> connectors;
        try
        {
            connectors = new ConnectorFileParser(types, jobEnv).parse(path.toString(), yaml);
        }
        catch (final ConfigException ex)
        {
            errors.addAll(ex.errors());
            return null;
        }
        if (parallelism != 1 && connectors.stream().noneMatch(c -> c.kind() == ConnectorConfig.Kind.SINK))
        {
            binder.error(blocks.get("parallelism").at(), "parallelism", "a connector job's parallelism is how many " +
                "tasks share its sinks' partitions, and " + connectorFile + " has no sink (a source runs as one " +
                "task), got " + parallelism);
            return null;
        }
        return new JobSpec(name, kind, null, null, connectorFile, yaml, parallelism, null, 0, declaredEnv);
    }

    private static YamlNode.Location pipelineClassAt(final YamlNode pipeline)
    {
        if (pipeline instanceof YamlNode.MapNode map)
        {
            for (final Map.Entry<YamlNode.Key, YamlNode> e : map.entries().entrySet())
            {
                if (e.getKey().name().equals("class"))
                {
                    return e.getValue().at();
                }
            }
        }
        return pipeline.at();
    }

    private static String name(final SpecBinder binder, final YamlNode.MapNode map, final Map<String, YamlNode> blocks)
    {
        if (!blocks.containsKey("name"))
        {
            binder.error(map.at(), "name", "missing required field (the job's name)");
            return null;
        }
        final String name = binder.text(blocks.get("name"), "name");
        if (name != null && !isValidName(name))
        {
            binder.error(blocks.get("name").at(), "name", NAME_RULE + ", got '" + name + "'");
            return null;
        }
        return name;
    }

    /**
     * A job's name keys its records and names its files on workers, so it is kept to characters that cannot leave a
     * directory or split a key.
     *
     * @return true when {@code name} is 1 to 200 of a-z A-Z 0-9 . _ - and not {@code .} or {@code ..}.
     */
    static boolean isValidName(final String name)
    {
        return name != null && NAME.matcher(name).matches() && !".".equals(name) && !"..".equals(name);
    }

    private static JobSpec.Kind kind(final SpecBinder binder, final YamlNode.MapNode map,
        final Map<String, YamlNode> blocks, final Map<String, YamlNode.Key> keys)
    {
        if (!blocks.containsKey("kind"))
        {
            final String guess = keys.containsKey("connector") ? "connector" : "pipeline";
            binder.error(map.at(), "kind", "missing required field (pipeline or connector, e.g. kind: " + guess + ")");
            return null;
        }
        final String text = binder.text(blocks.get("kind"), "kind");
        if (text == null)
        {
            return null;
        }
        for (final JobSpec.Kind kind : JobSpec.Kind.values())
        {
            if (kind.key().equals(text.trim()))
            {
                return kind;
            }
        }
        final List<String> kinds = List.of("pipeline", "connector");
        binder.error(blocks.get("kind").at(), "kind", "expected pipeline or connector, got '" + text + "'" +
            Suggestions.hint(text.trim(), kinds));
        return null;
    }

    static boolean validFrom(final String from)
    {
        if (from.equals("beginning") || from.equals("end"))
        {
            return true;
        }
        if (from.startsWith("offset:"))
        {
            try
            {
                return Long.parseLong(from.substring("offset:".length())) >= 0;
            }
            catch (final NumberFormatException ex)
            {
                return false;
            }
        }
        try
        {
            Instant.parse(from);
            return true;
        }
        catch (final DateTimeException ex)
        {
            return false;
        }
    }
}
