using System.CommandLine;
using System.Globalization;
using CollapseCheck.Running;

namespace CollapseCheck.Tool.Commands;

internal static class RunCommand
{
    public static Command Create(ToolOutput output)
    {
        var policy = CommonOptions.Policy();
        var outFolder = CommonOptions.Out();
        var tolerance = new Option<double?>("--tolerance") { Description = "Overrides gate.tolerance (0 or more)." };
        var verify = new Option<bool>("--verify") { Description = "Then compare the report with the verified snapshot, as 'collapsecheck verify' does." };
        var device = CommonOptions.Device();
        var seed = new Option<int?>("--seed") { Description = "Overrides training.seed." };
        var libTorch = CommonOptions.LibTorch();
        var command = new Command("run", "Train the lineage, measure every generation and write collapsecheck-report.json.")
        {
            policy, outFolder, device, seed, libTorch, tolerance, verify,
        };

        command.SetAction((parsed, cancellation) =>
        {
            var options = new RunOptions(parsed.GetValue(policy), parsed.GetValue(outFolder), parsed.GetValue(device)!, parsed.GetValue(seed), parsed.GetValue(libTorch), parsed.GetValue(tolerance));
            if (options.Seed is < 0)
            {
                throw Diagnostics.Errors.BadArgument($"--seed must be 0 or more, but is {options.Seed}");
            }

            if (options.Tolerance is < 0 or double.NaN)
            {
                throw Diagnostics.Errors.BadArgument($"--tolerance must be 0 or more, but is {options.Tolerance}");
            }

            var clock = System.Diagnostics.Stopwatch.StartNew();
            var outcome = ConsoleProgress.Run(output, progress => RunJob.Execute(options, progress, cancellation));
            if (Native.TorchNative.Current is { PatchWrittenNow: true } native)
            {
                output.Error.WriteLine($"collapsecheck: {native.Decision!.Explanation}; the copy is cached at {native.LibTorchSharpLoaded}");
            }

            SummaryTable.Write(output.Out, outcome.Report);
            output.Out.WriteLine($"Gate: {outcome.Verdict.Summary}");
            output.Out.WriteLine($"Report:   {outcome.Files[0]} (+ .md, .svg)");
            output.Out.WriteLine($"Manifest: {outcome.Files[^1]}");
            output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Finished in {clock.Elapsed.TotalSeconds:F1} s on {outcome.Report.Device}."));
            foreach (var failure in outcome.Failures)
            {
                output.Report(failure);
            }

            GitHubActions.Annotate(output, outcome.Failures);
            GitHubActions.AppendSummary(File.ReadAllText(Path.Combine(outcome.OutputFolder, RunJob.MarkdownFile)));
            var exit = outcome.Verdict.Passed ? 0 : 1;
            if (parsed.GetValue(verify))
            {
                exit = Math.Max(exit, VerifyCommand.Run(output, options.PolicyPath, outcome.OutputFolder));
            }

            return Task.FromResult(exit);
        });
        return command;
    }
}
