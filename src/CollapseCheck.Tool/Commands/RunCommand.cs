using System.CommandLine;
using System.Globalization;
using CollapseCheck.Lineage;
using CollapseCheck.Reporting;
using CollapseCheck.Running;

namespace CollapseCheck.Tool.Commands;

internal static class RunCommand
{
    public static Command Create(ToolOutput output)
    {
        var policy = CommonOptions.Policy();
        var outFolder = CommonOptions.Out();
        var tolerance = CommonOptions.Number("--tolerance", "Overrides gate.tolerance (a fraction from 0 to 1: 0.25 is 25 %).");
        var verify = new Option<bool>("--verify") { Description = "Then compare the report with the verified snapshot, as 'collapsecheck verify' does." };
        var device = CommonOptions.Device();
        var seed = CommonOptions.WholeNumber("--seed", "Overrides training.seed.");
        var libTorch = CommonOptions.LibTorch();
        var cache = new Option<string?>("--cache")
        {
            Description = "Where finished generations are kept, so an unchanged policy does not retrain (default: the user cache's generations folder, ~/.cache/collapsecheck/generations or under COLLAPSECHECK_CACHE or XDG_CACHE_HOME; also 'on', 'true', 'yes', '1'); 'off' (or 'false', 'no', 'none', '0') computes everything; any other word is a folder.",
        };
        CommonOptions.RejectOptionAsValue(cache);
        var command = new Command("run", "Train the lineage, measure every generation and write collapsecheck-report.json.")
        {
            policy, outFolder, device, seed, libTorch, tolerance, verify, cache,
        };

        command.SetAction(parsed =>
        {
            var cacheFolder = GenerationCache.FolderFor(parsed.GetValue(cache), out var offBecause);
            if (offBecause is not null)
            {
                // No home folder (a container's HOME=/nonexistent): the run goes on uncached, and says so.
                output.Warn("CC0032", null, $"the generation cache is off for this run: {offBecause}");
            }
            var options = new RunOptions(CommonOptions.PolicyOf(parsed, policy, output), parsed.GetValue(outFolder), parsed.GetValue(device)!, parsed.GetValue(seed), parsed.GetValue(libTorch), parsed.GetValue(tolerance), cacheFolder)
            {
                AlsoWritten = output.DiagnosticsFile,
            };
            if (options.Seed is < 0)
            {
                throw Diagnostics.Errors.BadArgument($"--seed must be 0 or more, but is {options.Seed}");
            }

            if (options.Tolerance is < 0 or > Policy.PolicyLoader.MaxGateTolerance or double.NaN)
            {
                throw Diagnostics.Errors.BadArgument($"--tolerance must be {Policy.PolicyLoader.ToleranceRange}, but is {Numbers.Plain(options.Tolerance.Value)}");
            }

            if (parsed.GetValue(verify))
            {
                // Before training: a policy piped in has no snapshots to verify against.
                _ = Snapshots.SnapshotFiles.For(options.PolicyPath);
            }

            var clock = System.Diagnostics.Stopwatch.StartNew();
            var outcome = SignalCancellation.Run(output.Error,
                cancellation => ConsoleProgress.Run(output, progress => RunJob.Execute(options, progress, cancellation)), Cli.Cancelled);

            if (Native.TorchNative.Current is { PatchWrittenNow: true } native)
            {
                output.Error.WriteLine(native.NotCachedBecause is { } why
                    ? $"collapsecheck: {native.Decision!.Explanation}; the copy was made for this run only, in a private temporary folder, since {why}"
                    : $"collapsecheck: {native.Decision!.Explanation}; the copy is cached at {native.LibTorchSharpLoaded}");
            }

            if (outcome.ReplacedReportsOf is { } other)
            {
                // Not refused: a run may mean to take the folder over. Two gates sharing it each verify the other's report.
                output.Warn("CC0034", null,
                    $"'{outcome.OutputFolder}' held the reports of {other}, which this run replaced; give each policy its own output folder (-o DIR, or CollapseCheckOutput in a project), or the verify of one reads the other's report (CC2005)");
            }

            if (outcome.CacheNotWritten is { } warning)
            {
                // A warning, not a line at normal verbosity: a build with a mistyped cache folder retrained every time unseen.
                output.Warn("CC0032", null, warning);
            }

            var generation0 = outcome.Report.Generations[0].HeldOut.Perplexity;
            if (outcome.Report.Reference.Undertrained(generation0))
            {
                // At training.steps, what the warning says to raise; an MSBuild warning through --diagnostics.
                output.Warn("CC1030", outcome.Policy.LocationOf("training.steps"), outcome.Report.Reference.UndertrainedWarning(generation0));
            }

            SummaryTable.Write(output.Out, outcome.Report);
            output.Out.WriteLine($"Gate: {outcome.Verdict.Summary}");
            output.Out.WriteLine($"Report:   {outcome.Files[0]} (+ .md, .svg)");
            output.Out.WriteLine($"Manifest: {outcome.Files[^1]}");
            var cached = outcome.Manifest.Generations.Count(g => g.Cached);
            var reused = cached == 0 ? "" : $" ({cached} of {outcome.Manifest.Generations.Count} generations from the cache; --cache off recomputes them)";
            output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Finished in {clock.Elapsed.TotalSeconds:F1} s on {outcome.Report.Device}{reused}."));
            foreach (var failure in outcome.Failures)
            {
                output.Report(failure);
            }

            // Verify first, so the job summary opens with the snapshot's state (a mismatch fails the job) and then the report.
            var exit = outcome.Verdict.Passed ? 0 : 1;
            if (parsed.GetValue(verify))
            {
                exit = Math.Max(exit, VerifyCommand.Run(output, options.PolicyPath, outcome.OutputFolder, outcome.Policy));
            }

            GitHubActions.AppendSummary(File.ReadAllText(Path.Combine(outcome.OutputFolder, RunJob.MarkdownFile)), output);
            return exit;
        });
        return command;
    }
}
