using System.CommandLine;
using CollapseCheck.Diagnostics;
using CollapseCheck.Tool.Commands;

namespace CollapseCheck.Tool;

/// <summary>Exit codes: 0 ok, 1 gate failed, 2 bad input or environment (including bad arguments).</summary>
public static class Cli
{
    /// <summary>What shells report for a run stopped by Ctrl+C (128 + SIGINT).</summary>
    public const int CancelledExitCode = 130;

    public static int Invoke(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var output = new ToolOutput(stdout ?? Console.Out, stderr ?? Console.Error);
        var root = new RootCommand("CollapseCheck: gate changes to a synthetic-data policy on a measured model-collapse lineage.")
        {
            RunCommand.Create(output),
            PredictCommand.Create(output),
            VerifyCommand.Create(output),
            AcceptCommand.Create(output),
            InitCommand.Create(output),
            DoctorCommand.Create(output),
        };

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                output.Error.WriteLine(Errors.BadArgument(error.Message).ToDiagnosticLine());
            }

            output.Error.WriteLine("Run 'collapsecheck --help' for usage.");
            return 2;
        }

        try
        {
            // Our exceptions carry their own exit codes; System.CommandLine's handler would turn them all into 1.
            return parsed.Invoke(new InvocationConfiguration { Output = output.Out, Error = output.Error, EnableDefaultExceptionHandler = false });
        }
        catch (CollapseCheckException e)
        {
            output.Error.WriteLine(e.ToDiagnosticLine());
            return e.ExitCode;
        }
        catch (OperationCanceledException)
        {
            output.Error.WriteLine("collapsecheck: cancelled; no report was written.");
            return CancelledExitCode;
        }
        catch (Exception e)
        {
            // Not the user's fault: say so, keep the stack for the bug report, and stay within the documented codes.
            var error = Errors.Internal(e);
            output.Error.WriteLine(error.ToDiagnosticLine());
            return error.ExitCode;
        }
    }
}

/// <summary>Where results (stdout) and diagnostics and progress (stderr) go; tests pass their own writers.</summary>
public sealed record ToolOutput(TextWriter Out, TextWriter Error);
