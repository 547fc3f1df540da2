package io.tributary.ops;

import io.tributary.connect.ConnectorContext;
import io.tributary.connect.ConnectorTypes;
import io.tributary.connect.cdc.LogSchemaHistory;
import io.tributary.connect.config.ConfigError;
import io.tributary.connect.config.ConfigException;
import io.tributary.connect.config.ConnectorConfig;
import io.tributary.connect.config.ConnectorFileParser;
import io.tributary.connect.config.SharedBlocks;
import io.tributary.connect.runtime.ConnectorRunner;
import io.tributary.connect.runtime.SourcePositions;
import io.tributary.connect.spec.SpecDocs;
import io.tributary.connect.spec.ComponentSpec;
import io.tributary.log.Admin;
import io.tributary.log.Producer;
import io.tributary.log.ProducerConfig;
import io.tributary.log.Serializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code tributary connector ...}: check connector files, run them, and list the connector types.
 */
@Command(name = "connector", description = "Validate and run YAML-configured connectors; list connector types.",
    subcommands = {
        ConnectorCommand.Validate.class,
        ConnectorCommand.Run.class,
        ConnectorCommand.Delete.class,
        ConnectorCommand.Types.class
    })
final class ConnectorCommand extends CommandGroup
{
    /** Exit code of a file with errors. */
    static final int INVALID = 3;

    @Command(name = "validate", description = {
        "Check connector files: exit 0, or print every error (file:line:column: key.path: message) and exit 3." })
    static final class Validate implements Callable<Integer>
    {
        private final CliContext ctx;

        @Parameters(paramLabel = "FILE.yaml", arity = "1..*", description = "connector files")
        List<Path> files;

        @Mixin
        PluginPathOption plugins;

        Validate(final CliContext ctx)
        {
            this.ctx = ctx;
        }

        public Integer call()
        {
            final ConnectorFileParser parser = new ConnectorFileParser(plugins.types(), ctx.env());
            int exit = TributaryCli.OK;
            for (final Path file : files)
            {
                try
                {
                    for (final ConnectorConfig config : parser.parse(file))
                    {
                        ctx.out().println(file + ": " + config.name() + " (" + config.kind().key() + " " +
                            config.type() + ") is valid");
                    }
                }
                catch (final ConfigException ex)
                {
                    for (final ConfigError error : ex.errors())
                    {
                        ctx.err().println(error);
                    }
                    exit = INVALID;
                }
            }
            return exit;
        }
    }

    @Command(name = "run", description = {
        "Run the connectors of a file in the foreground; a status line every few seconds.",
        "SIGINT or SIGTERM stops them cleanly: sinks deliver and commit what they hold." })
    static final class Run implements Callable<Integer>
    {
        private final CliContext ctx;

        @Mixin
        ClusterOption cluster;

        @Parameters(paramLabel = "FILE.yaml", description = "connector file")
        Path file;

        @Mixin
        PluginPathOption plugins;

        @Option(names = "--status-interval", paramLabel = "DURATION", defaultValue = "5s",
            converter = DurationConverter.class, description = "time between status lines (default ${DEFAULT-VALUE})")
        Duration statusInterval;

        @Option(names = "--max-time", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "stop after this long (default: run until signalled)")
        Duration maxTime;

        Run(final CliContext ctx)
        {
            this.ctx = ctx;
        }

        public Integer call() throws InterruptedException
        {
            final List<ConnectorConfig> configs;
            final ConnectorTypes types = plugins.types();
            try
            {
                configs = new ConnectorFileParser(types, ctx.env()).parse(file);
            }
            catch (final ConfigException ex)
            {
                ex.errors().forEach(ctx.err()::println);
                return INVALID;
            }
            final List<ConnectorRunner> runners = new ArrayList<>();
            final CountDownLatch stopped = new CountDownLatch(1);
            if (ctx.handleSignals())
            {
                // Not a shutdown hook: the connectors' last appends and commits need the cluster clients, which the
                // client library's own hook closes as soon as the JVM starts shutting down.
                TerminationSignals.handle(stopped::countDown);
            }
            try
            {
                for (final ConnectorConfig config : configs)
                {
                    final ConnectorRunner runner = new ConnectorRunner(config, types,
                        new ConnectorContext(config.name(), cluster.cluster(), ctx.out())).start();
                    runners.add(runner);
                    if (!runner.awaitStarted(Duration.ofSeconds(60)))
                    {
                        ctx.err().println("error: " + config.name() + " did not start: " + runner.status().line());
                        return TributaryCli.FAILED;
                    }
                    ctx.out().println("started " + config.name() + " (" + config.kind().key() + " " + config.type() +
                        ")");
                    ctx.out().flush();
                }
                ctx.out().flush();
                final long deadline = maxTime == null ? Long.MAX_VALUE : System.nanoTime() + maxTime.toNanos();
                boolean failed = false;
                while (!failed && System.nanoTime() < deadline &&
                    !stopped.await(Math.min(statusInterval.toMillis(),
                        Math.max(1, (deadline - System.nanoTime()) / 1_000_000)), TimeUnit.MILLISECONDS))
                {
                    for (final ConnectorRunner runner : runners)
                    {
                        ctx.out().println(runner.config().name() + ": " + runner.status().line());
                        failed |= runner.done().isCompletedExceptionally();
                    }
                    ctx.out().flush();
                }
                for (final ConnectorRunner runner : runners)
                {
                    runner.stop(Duration.ofSeconds(20));
                    ctx.out().println(runner.config().name() + ": " + runner.status().line());
                    failed |= runner.done().isCompletedExceptionally();
                }
                ctx.out().flush();
                return failed ? TributaryCli.FAILED : TributaryCli.OK;
            }
            finally
            {
                runners.forEach(r -> r.stop(Duration.ofSeconds(5)));
            }
        }
    }

    @Command(name = "delete", description = {
        "Forget a connector's stored position (and a MariaDB CDC source's schema history), so its next run starts",
        "afresh (a CDC source snapshots again). With --drop-slot also drop what it holds on its database",
        "(PostgreSQL: the replication slot, which otherwise keeps WAL forever; MariaDB holds none); stop the",
        "connector first. --drop-slot needs the connector's --file." })
    static final class Delete implements Callable<Integer>
    {
        private final CliContext ctx;

        @Mixin
        ClusterOption cluster;

        @Parameters(paramLabel = "NAME", description = "the connector's name")
        String name;

        @Option(names = "--file", paramLabel = "FILE.yaml", description = "the file that defines the connector")
        Path file;

        @Option(names = "--drop-slot", description = "also drop the connector's replication slot on its database")
        boolean dropSlot;

        @Mixin
        PluginPathOption plugins;

        Delete(final CliContext ctx)
        {
            this.ctx = ctx;
        }

        public Integer call() throws Exception
        {
            ConnectorConfig config = null;
            final ConnectorTypes types = plugins.types();
            if (file != null)
            {
                try
                {
                    config = new ConnectorFileParser(types, ctx.env()).parse(file).stream()
                        .filter(c -> c.name().equals(name)).findFirst().orElse(null);
                }
                catch (final ConfigException ex)
                {
                    ex.errors().forEach(ctx.err()::println);
                    return INVALID;
                }
                if (config == null)
                {
                    ctx.err().println("error: " + file + " defines no connector named " + name);
                    return TributaryCli.USAGE;
                }
            }
            if (dropSlot)
            {
                if (config == null || config.kind() != ConnectorConfig.Kind.SOURCE)
                {
                    ctx.err().println("error: --drop-slot needs --file with the source connector " + name +
                        " (its database settings)");
                    return TributaryCli.USAGE;
                }
                final String released = types.sources().get(config.type())
                    .releaseExternalState(config.settings(), name);
                ctx.out().println(released != null ? released : "nothing to drop for " + name);
            }
            try (Admin admin = Admin.create(cluster.cluster()))
            {
                SourcePositions.ensureTopic(admin);
            }
            try (Producer<byte[], byte[]> producer = Producer.create(ProducerConfig.builder()
                .cluster(cluster.cluster()).build(), Serializer.bytes(), Serializer.bytes()))
            {
                producer.send(SourcePositions.forget(name)).get(60, TimeUnit.SECONDS);
            }
            ctx.out().println("forgot the stored position of " + name);
            final int history = LogSchemaHistory.forget(cluster.cluster(), name);
            if (history > 0)
            {
                ctx.out().println("forgot the schema history of " + name + " (" + history + " entries)");
            }
            return TributaryCli.OK;
        }
    }

    @Command(name = "types", description = "List every connector type with its fields and defaults.")
    static final class Types implements Callable<Integer>
    {
        private final CliContext ctx;

        @Mixin
        PluginPathOption plugins;

        Types(final CliContext ctx)
        {
            this.ctx = ctx;
        }

        public Integer call()
        {
            final ConnectorTypes types = plugins.types();
            ctx.out().print(SpecDocs.renderAll("SOURCES (source: { TYPE: {...} })",
                types.sources().values().stream().map(t -> t.spec()).toList(), "source "));
            ctx.out().println();
            ctx.out().print(SpecDocs.renderAll("SINKS (sink: { TYPE: {...} })",
                types.sinks().values().stream().map(t -> t.spec()).toList(), "sink "));
            ctx.out().println();
            final List<ComponentSpec> shared = SharedBlocks.ALL;
            ctx.out().print(SpecDocs.renderAll("SHARED BLOCKS", shared, ""));
            return TributaryCli.OK;
        }
    }
}
