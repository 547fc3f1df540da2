package io.tributary.ops;

import io.tributary.log.TributaryException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.lang.reflect.Constructor;
import java.nio.charset.StandardCharsets;

/**
 * The {@code tributary} command: runs a node, manages topics and consumer groups, produces, consumes and benchmarks.
 * <p>
 * Exit codes: {@value #OK} done, {@value #FAILED} a request failed, {@value #USAGE} the command line was wrong. Every
 * error is one line {@code error: <message>} on stderr; {@code --verbose} or {@code TRIBUTARY_DEBUG} adds the stack
 * trace.
 */
@Command(name = "tributary",
    description = "Tributary: a replicated log on Aeron Cluster.",
    subcommands = {
        ServerCommand.class,
        ClusterCommand.class,
        TopicCommand.class,
        ProduceCommand.class,
        ConsumeCommand.class,
        GroupCommand.class,
        UserCommand.class,
        AclCommand.class,
        ConnectorCommand.class,
        PipelineCommand.class,
        JobCommand.class,
        WorkerCommand.class,
        BenchCommand.class,
        DemoCommand.class
    })
public final class TributaryCli extends CommandGroup
{
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    static final String VERBOSE = "--verbose";

    @Option(names = { "-h", "--help" }, usageHelp = true, scope = ScopeType.INHERIT, description = "show this help")
    boolean help;

    @Option(names = VERBOSE, scope = ScopeType.INHERIT,
        description = "print the stack trace of an error (also when TRIBUTARY_DEBUG is set)")
    boolean verbose;

    public static void main(final String[] args)
    {
        // The JDK's HTTP server (webhook sources) writes a response's headers and body separately; without
        // TCP_NODELAY, Nagle's algorithm and the client's delayed ACK add ~40 ms to every answer. Read once, when the
        // server is first used; a user's own -D setting wins.
        if (System.getProperty("sun.net.httpserver.nodelay") == null)
        {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        final PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), false);
        final PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        final int exitCode = run(new CliContext(System.getenv(), System.in, out, err, true), args);
        out.flush();
        err.flush();
        System.exit(exitCode);
    }

    /**
     * Run one command line; never calls {@code System.exit}.
     *
     * @return the exit code.
     */
    public static int run(final CliContext ctx, final String... args)
    {
        try
        {
            return commandLine(ctx).execute(args);
        }
        finally
        {
            ctx.out().flush();
            ctx.err().flush();
        }
    }

    /**
     * @return the command line wired to the context: its streams, its {@code --cluster} default and error handling.
     */
    public static CommandLine commandLine(final CliContext ctx)
    {
        final CommandLine cmd = new CommandLine(TributaryCli.class, new Factory(ctx));
        // Code a command runs that opens its own clients from the cluster address alone (job workers, connectors,
        // pipelines) authenticates as the command's --credentials-file or environment says; restored afterwards.
        cmd.setExecutionStrategy(parseResult ->
        {
            ParseResult last = parseResult;
            while (last.hasSubcommand())
            {
                last = last.subcommand();
            }
            final io.tributary.log.Credentials previous = io.tributary.log.Credentials.processDefault();
            for (final CommandLine.Model.CommandSpec mixin : last.commandSpec().mixins().values())
            {
                if (mixin.userObject() instanceof ClusterOption option)
                {
                    try
                    {
                        io.tributary.log.Credentials.setProcessDefault(option.credentials(ctx));
                    }
                    catch (final RuntimeException ex)
                    {
                        throw new CommandLine.ExecutionException(last.commandSpec().commandLine(), ex.getMessage(), ex);
                    }
                }
            }
            try
            {
                return new CommandLine.RunLast().execute(parseResult);
            }
            finally
            {
                io.tributary.log.Credentials.setProcessDefault(previous);
            }
        });
        cmd.setOut(ctx.out());
        cmd.setErr(ctx.err());
        cmd.setDefaultValueProvider(arg ->
            arg instanceof OptionSpec option && ClusterOption.NAME.equals(option.longestName()) ?
                ctx.defaultCluster() : null);
        cmd.setParameterExceptionHandler((ex, args) ->
        {
            final CommandLine failed = ex.getCommandLine();
            ctx.err().println("error: " + oneLine(ex.getMessage()) +
                " (see '" + failed.getCommandSpec().qualifiedName() + " --help')");
            if (ctx.debug() || (ex.getCommandLine().getParseResult() != null &&
                verbose(ex.getCommandLine().getParseResult())))
            {
                ex.printStackTrace(ctx.err());
            }
            return USAGE;
        });
        cmd.setExecutionExceptionHandler((ex, failed, parseResult) ->
        {
            final int exitCode;
            final String message;
            if (ex instanceof TributaryException te)
            {
                exitCode = FAILED;
                message = te.getMessage() == null || te.getMessage().isBlank() ?
                    te.errorCode().name() : te.getMessage();
            }
            else if (ex instanceof IllegalArgumentException)
            {
                // Settings the client API refuses (a batch size out of range, say) are the command line's fault.
                exitCode = USAGE;
                message = ex.getMessage() + " (see '" + failed.getCommandSpec().qualifiedName() + " --help')";
            }
            else
            {
                exitCode = FAILED;
                message = ex.getMessage() == null ? ex.toString() : ex.getClass().getSimpleName() + ": " + ex.getMessage();
            }
            ctx.err().println("error: " + oneLine(message));
            if (ctx.debug() || verbose(parseResult))
            {
                ex.printStackTrace(ctx.err());
            }
            return exitCode;
        });
        return cmd;
    }

    private static boolean verbose(final ParseResult parseResult)
    {
        for (ParseResult pr = parseResult; pr != null; pr = pr.subcommand())
        {
            if (pr.hasMatchedOption(VERBOSE))
            {
                return true;
            }
        }
        return false;
    }

    private static String oneLine(final String message)
    {
        return message == null ? "" : message.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    /** Builds commands with the run's {@link CliContext} when they take one. */
    private static final class Factory implements CommandLine.IFactory
    {
        private final CliContext ctx;
        private final CommandLine.IFactory fallback = CommandLine.defaultFactory();

        Factory(final CliContext ctx)
        {
            this.ctx = ctx;
        }

        public <K> K create(final Class<K> type) throws Exception
        {
            final Constructor<K> constructor;
            try
            {
                constructor = type.getDeclaredConstructor(CliContext.class);
            }
            catch (final NoSuchMethodException ex)
            {
                return fallback.create(type);
            }
            constructor.setAccessible(true);
            return constructor.newInstance(ctx);
        }
    }
}
