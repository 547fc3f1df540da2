package io.tributary.ops;

import io.tributary.pipeline.PipelineDefinition;
import io.tributary.pipeline.PipelineRunner;
import io.tributary.pipeline.RunnerConfig;
import io.tributary.pipeline.StartAt;
import io.tributary.pipeline.Topology;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;

/**
 * {@code tributary pipeline ...}: run a pipeline in the foreground against a cluster.
 */
@Command(name = "pipeline", description = "Run or describe a pipeline written with the pipeline DSL.",
    subcommands = { PipelineCommand.Run.class, PipelineCommand.Describe.class })
final class PipelineCommand extends CommandGroup
{
    /**
     * Where a pipeline class comes from: {@code --class} and an optional {@code --jar}.
     */
    static final class Definition
    {
        @Spec(Spec.Target.MIXEE)
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--class", paramLabel = "CLASS", required = true,
            description = "the pipeline class, e.g. com.acme.MyPipeline")
        String className;

        @Option(names = "--jar", paramLabel = "JAR",
            description = "the jar holding the class and its dependencies (default: the CLI's own class path)")
        Path jar;

        URLClassLoader loader() throws IOException
        {
            if (jar != null && !Files.isRegularFile(jar))
            {
                throw new CommandLine.ParameterException(spec.commandLine(), "--jar " + jar + " is not a file");
            }
            return new URLClassLoader(jar == null ? new URL[0] : new URL[] {jar.toUri().toURL()},
                PipelineCommand.class.getClassLoader());
        }

        Topology topology(final ClassLoader loader) throws ReflectiveOperationException
        {
            final Class<?> type;
            try
            {
                type = Class.forName(className, true, loader);
            }
            catch (final ClassNotFoundException ex)
            {
                throw new CommandLine.ParameterException(spec.commandLine(), "--class " + className
                    + " not found" + (jar == null ? " on the class path" : " in " + jar));
            }
            if (!PipelineDefinition.class.isAssignableFrom(type))
            {
                throw new CommandLine.ParameterException(spec.commandLine(), "--class " + className
                    + " does not implement " + PipelineDefinition.class.getName());
            }
            return ((PipelineDefinition)type.getConstructor().newInstance()).topology();
        }
    }

    @Command(name = "describe", description = {
        "Print a pipeline's topology: sources, operators, stores and their changelog topics. Needs no cluster." })
    static final class Describe implements Callable<Integer>
    {
        private final CliContext ctx;

        @Mixin
        Definition definition;

        Describe(final CliContext ctx)
        {
            this.ctx = ctx;
        }

        public Integer call() throws Exception
        {
            try (URLClassLoader loader = definition.loader())
            {
                final Topology topology = definition.topology(loader);
                ctx.out().print(topology.describe());
                ctx.out().println("Sources: " + String.join(", ", topology.sourceTopics()));
                ctx.out().println("Sinks: " + String.join(", ", topology.sinkTopics()));
                ctx.out().println("Repartition topics: " + String.join(", ", topology.repartitionTopics()));
            }
            return TributaryCli.OK;
        }
    }

    @Command(name = "run", description = {
        "Run a pipeline in the foreground until interrupted (Ctrl-C or SIGTERM checkpoints, stops and exits 0).",
        "The class implements io.tributary.pipeline.PipelineDefinition and has a public no-argument constructor.",
        "Runs with the same class name share the pipeline's input partitions through its consumer group." })
    static final class Run implements Callable<Integer>
    {
        private final CliContext ctx;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        ClusterOption cluster;

        @Mixin
        Definition definition;

        @Option(names = "--from", paramLabel = "WHERE", defaultValue = "beginning",
            description = "where partitions the pipeline never committed start: beginning, end, offset:N or an "
                + "ISO-8601 time (default: ${DEFAULT-VALUE}); committed partitions resume where they were")
        String from;

        @Option(names = "--commit-interval", paramLabel = "DURATION", defaultValue = "100ms",
            converter = DurationConverter.class, description = "how often a checkpoint is committed (default: "
                + "${DEFAULT-VALUE})")
        Duration commitInterval;

        @Option(names = "--state-dir", paramLabel = "DIR",
            description = "keep task state in RocksDB under DIR instead of in memory (restored from the changelogs "
                + "either way)")
        Path stateDir;

        Run(final CliContext ctx)
        {
            this.ctx = ctx;
        }

        public Integer call() throws Exception
        {
            final StartAt startAt = startAt();
            try (URLClassLoader loader = definition.loader())
            {
                final Topology topology = definition.topology(loader);
                ctx.out().println("pipeline " + topology.name() + " running on " + cluster.cluster());
                ctx.out().print(topology.describe());
                ctx.out().flush();
                final PipelineRunner runner = PipelineRunner.create(topology, RunnerConfig.of(cluster.cluster())
                    .withStartAt(startAt).withCommitInterval(commitInterval).withStateDirectory(stateDir));
                if (ctx.handleSignals())
                {
                    // Not a shutdown hook: the final checkpoint needs the cluster clients, which the client
                    // library's own hook closes as soon as the JVM starts shutting down.
                    TerminationSignals.handle(runner::close);
                }
                runner.run();
                ctx.out().println("pipeline " + topology.name() + " stopped after " + runner.processedRecords()
                    + " records and " + runner.checkpoints() + " checkpoints");
            }
            return TributaryCli.OK;
        }

        private StartAt startAt()
        {
            if ("beginning".equals(from))
            {
                return StartAt.beginning();
            }
            if ("end".equals(from))
            {
                return StartAt.end();
            }
            if (from.startsWith("offset:"))
            {
                try
                {
                    return StartAt.offset(Long.parseLong(from.substring("offset:".length())));
                }
                catch (final IllegalArgumentException ex)
                {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--from " + from
                        + ": the offset must be a number of 0 or more");
                }
            }
            return StartAt.time(Instant.ofEpochMilli(GroupCommand.parseTime(spec, "--from", from)));
        }
    }
}
