using System.CommandLine;
using CollapseCheck.Diagnostics;
using CollapseCheck.Tool.Commands;

namespace CollapseCheck.Tool;

/// <summary>Exit codes: 0 ok, 1 gate failed, 2 bad input or environment (including bad arguments).</summary>
public static class Cli
{
    public static int Invoke(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var output = new ToolOutput(stdout ?? Console.Out, stderr ?? Console.Error);
        var root = new RootCommand("CollapseCheck: gate changes to a synthetic-data policy on a measured model-collapse lineage.")
        {
            RunCommand.Create(output),
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
    }
}

/// <summary>Where results (stdout) and diagnostics and progress (stderr) go; tests pass their own writers.</summary>
public sealed record ToolOutput(TextWriter Out, TextWriter Error);
