package io.tributary.ops;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * A command that only groups subcommands: run alone, it is a usage error naming them.
 */
abstract class CommandGroup implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    public Integer call()
    {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "missing command: expected one of " + String.join(", ", spec.subcommands().keySet()));
    }
}
