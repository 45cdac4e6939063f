using System.CommandLine;
using System.CommandLine.Parsing;
using CollapseCheck.Diagnostics;
using CollapseCheck.Running;
using CollapseCheck.Tool.Commands;

namespace CollapseCheck.Tool;

/// <summary>Exit codes: 0 ok, 1 gate failed, 2 bad input or environment (including bad arguments).</summary>
public static class Cli
{
    /// <summary>What shells report for a run stopped by Ctrl+C (128 + SIGINT).</summary>
    public const int CancelledExitCode = 130;

    public const string CancelledMessage = "collapsecheck: cancelled; no report was written.";

    /// <summary>What a cancelled run says: with the generation cache on, what it finished is reused by the next run.</summary>
    public static string Cancelled(OperationCanceledException e) => e switch
    {
        LineageCancelledException { GenerationsInCache: 0, CacheNotWritten: { } why } => $"collapsecheck: cancelled; no report was written, and {why}.",
        LineageCancelledException { GenerationsInCache: 0 } => CancelledMessage,
        LineageCancelledException { GenerationsInCache: var kept, CacheNotWritten: var why } =>
            $"collapsecheck: cancelled; no report was written ({kept} finished generation{(kept == 1 ? " stays" : "s stay")} in the cache, so a rerun resumes there){(why is null ? "" : $", but {why}")}.",
        _ => CancelledMessage,
    };

    /// <param name="environment">Where GITHUB_ACTIONS and friends are read; tests pass their own.</param>
    public static int Invoke(string[] args, TextWriter? stdout = null, TextWriter? stderr = null, Func<string, string?>? environment = null)
    {
        var output = new ToolOutput(stdout ?? Console.Out, stderr ?? Console.Error) { Environment = environment ?? System.Environment.GetEnvironmentVariable };
        var diagnostics = new Option<string?>("--diagnostics")
        {
            Description = "Also write every error and warning as JSON to this file (the tool's version, the exit code, and each finding's code, severity, file, line, column and message), for build integrations.",
            Recursive = true,
        };
        diagnostics.Validators.Add(r => CommonOptions.RejectUnusablePath(r, r.GetValueOrDefault<string?>(), "--diagnostics", folder: false));
        CommonOptions.RejectOptionAsValue(diagnostics);
        diagnostics.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } path && !string.IsNullOrWhiteSpace(path))
            {
                var length = Reporting.AtomicFile.NameLength(Path.GetFileName(path));
                if (length > Reporting.AtomicFile.MaxNameLength)
                {
                    // Its staged copy's name would pass the system's limit, and the error then blamed the folder.
                    r.AddError($"--diagnostics '{path}' has a file name of {length} {Reporting.AtomicFile.NameUnits}; at most {Reporting.AtomicFile.MaxNameLength} fit, as it is written beside a staged copy whose name adds the process id");
                }
                else if (!DiagnosticsFile.MayOverwrite(path))
                {
                    r.AddError($"--diagnostics '{path}' is an existing file that no earlier --diagnostics wrote (the policy or a report?), which would be overwritten; name a new file");
                }
                else if (Corpus.OwnOutputs.IsOutputName(Path.GetFileName(DiagnosticsFile.FileBehind(path))))
                {
                    // Not there yet, but the run writes it first and the diagnostics would then replace it.
                    r.AddError($"--diagnostics '{path}' is named as one of collapsecheck's reports or snapshots, which runs and verify write and the diagnostics would replace; name another file");
                }
            }
        });
        var root = new RootCommand("CollapseCheck: gate changes to a synthetic-data policy on a measured model-collapse lineage.")
        {
            diagnostics,
            RunCommand.Create(output),
            PredictCommand.Create(output),
            VerifyCommand.Create(output),
            BenchCommand.Create(output),
            AcceptCommand.Create(output),
            InitCommand.Create(output),
            DoctorCommand.Create(output),
        };

        var parsed = root.Parse(args);
        // A path the parser refused (empty, a folder, under a file) is reported as a bad argument.
        // Its errors first: GetValue of `--diagnostics` with no value throws rather than returning null.
        var diagnosticsPath = parsed.GetResult(diagnostics) is { } result && !result.Errors.Any() ? parsed.GetValue(diagnostics) : null;
        if (diagnosticsPath is not null && parsed.Errors.Count == 0)
        {
            try
            {
                // Before the command: a run that trained for minutes must not end in "cannot write the diagnostics".
                DiagnosticsFile.ThrowIfNotWritable(diagnosticsPath);
            }
            catch (CollapseCheckException e)
            {
                // The folder alone ('cannot write to /root') did not say which of the paths given it was.
                var named = new CollapseCheckException(e.Code, $"--diagnostics '{diagnosticsPath}': {e.Message}", e.Location);
                output.Report(named);
                return named.ExitCode;
            }
        }

        output.DiagnosticsFile = diagnosticsPath is null ? null : Path.GetFullPath(diagnosticsPath);
        var exit = Run(parsed, root, output);
        if (diagnosticsPath is { } path)
        {
            try
            {
                DiagnosticsFile.Write(path, output.Reported, output.Notices, exit, output.Waiting);
            }
            catch (CollapseCheckException e)
            {
                // The caller asked for this file and will look for it: not writing it is an error whatever the command did.
                output.Report(e);
                exit = e.ExitCode;
            }
        }

        return exit;
    }

    /// <summary>System.CommandLine lists choices on tab-indented lines; a diagnostic is one line.</summary>
    private static string OneLine(string message) =>
        string.Join(" ", message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));

    /// <summary>
    /// In the tool's words, one line each: without a command System.CommandLine says both "Required command was not
    /// provided" and "Unrecognized command or argument"; one line that names the commands (and the one nearest a slip)
    /// helps more.
    /// </summary>
    private static IEnumerable<string> ErrorsOf(ParseResult parsed, RootCommand root)
    {
        // A misspelt option ('--seeds 3') is the cause of the stray argument ('3') reported beside it: name it first.
        var optionErrors = parsed.Errors.Where(e => e.SymbolResult is not CommandResult).Select(e => InToolWords(e, parsed)).ToList();
        if (parsed.CommandResult.Command != root)
        {
            return [.. optionErrors, .. parsed.Errors.Where(e => e.SymbolResult is CommandResult).Select(e => InToolWords(e, parsed))];
        }

        var commands = root.Subcommands.Select(c => c.Name).ToList();
        var list = string.Join(", ", commands);
        return [.. optionErrors, parsed.UnmatchedTokens.FirstOrDefault() switch
        {
            null => $"no command given; the commands are {list}",
            ['-', _, ..] and var option => $"unknown option '{option}'; give a command first: {list}",
            "help" => $"'help' is not a command; for help, add --help to a command (or give it alone); the commands are {list}",
            var token => $"'{token}' is not a command; {Suggestion.For(token, commands)}the commands are {list}",
        }];
    }

    /// <summary>System.CommandLine's own messages ("Required argument missing for option: '--seed'.") in the tool's words.</summary>
    private static string InToolWords(ParseError error, ParseResult parsed)
    {
        switch (error.SymbolResult)
        {
            case OptionResult { Tokens.Count: 0 } option when option.Option.Arity.MinimumNumberOfValues > 0:
                return $"{option.Option.Name} needs a value";
            case OptionResult option when option.Tokens.Count > option.Option.Arity.MaximumNumberOfValues:
                return $"{option.Option.Name} takes one value, but {option.Tokens.Count} were given: {string.Join(" ", option.Tokens.Select(t => t.Value))}";
            case CommandResult command when parsed.UnmatchedTokens.FirstOrDefault(t => error.Message.Contains($"'{t}'", StringComparison.Ordinal)) is { } token:
                return token switch
                {
                    ['-', _, ..] => CommonOptions.UnknownOption(command, token),
                    "help" => $"'help' is not a command or an argument of {parsed.CommandResult.Command.Name}; its help is --help",
                    _ => $"unexpected argument '{token}'",
                };
            default:
                return OneLine(error.Message);
        }
    }

    /// <summary>The command's own help lists the options it takes; the root's lists only the commands.</summary>
    private static string UsageHint(ParseResult parsed, RootCommand root)
    {
        var command = parsed.CommandResult.Command == root ? "" : parsed.CommandResult.Command.Name + " ";
        return $"Run {Errors.Command(command + "--help", null)} for usage.";
    }

    private static int Run(ParseResult parsed, RootCommand root, ToolOutput output)
    {
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in ErrorsOf(parsed, root))
            {
                output.Report(Errors.BadArgument(error));
            }

            output.Error.WriteLine(UsageHint(parsed, root));
            return 2;
        }

        try
        {
            // Our exceptions carry their own exit codes; System.CommandLine's handler would turn them all into 1.
            // No ProcessTerminationTimeout: a command that can stop cleanly listens for Ctrl+C itself (SignalCancellation).
            return parsed.Invoke(new InvocationConfiguration
            {
                Output = output.Out,
                Error = output.Error,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null,
            });
        }
        catch (CollapseCheckException e)
        {
            output.Report(e);
            if (e.Code == Errors.BadArgumentCode)
            {
                // An option's value out of range is found after parsing; it gets the same pointer as a parse error.
                output.Error.WriteLine(UsageHint(parsed, root));
            }

            return e.ExitCode;
        }
        catch (SignalledException e)
        {
            output.Error.WriteLine(e.Message);
            output.KeepForDiagnostics(Errors.Stopped(e.Cause, e.ExitCode, e.Message));
            return e.ExitCode;
        }
        catch (OperationCanceledException)
        {
            output.Error.WriteLine(CancelledMessage);
            output.KeepForDiagnostics(Errors.Stopped("Ctrl+C (SIGINT)", CancelledExitCode, CancelledMessage));
            return CancelledExitCode;
        }
        catch (Exception e)
        {
            // Not the user's fault: say so, keep the stack for the bug report, and stay within the documented codes.
            var error = Errors.Internal(e);
            output.Report(error);
            return error.ExitCode;
        }
    }
}
