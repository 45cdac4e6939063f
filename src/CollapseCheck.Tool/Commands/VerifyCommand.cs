using CollapseCheck.Diagnostics;
using System.CommandLine;
using CollapseCheck.Native;
using CollapseCheck.Reporting;
using CollapseCheck.Snapshots;

namespace CollapseCheck.Tool.Commands;

internal static class VerifyCommand
{
    public static Command Create(ToolOutput output)
    {
        var policy = CommonOptions.Policy(fromStandardInput: false);
        var outFolder = CommonOptions.Out();
        var command = new Command("verify", "Compare the report with the verified snapshot beside the policy; on a mismatch write *.received.* and show the diff. A snapshot from another machine is compared without its measured values, or loosely with verify.otherMachineTolerance.")
        {
            policy, outFolder,
        };
        command.SetAction(parsed => Run(output, CommonOptions.PolicyOf(parsed, policy, output), parsed.GetValue(outFolder)));
        return command;
    }

    /// <summary>A whole generation added or removed is hundreds of characters of JSON on one line: its start says enough.</summary>
    private static string Shortened(string value) =>
        value.Length <= 120 ? value : $"{value[..100]}… ({value.Length} characters)";

    /// <summary>
    /// Shared with `run --verify`. A signal while it writes (the received files) waits for the write to land whole; one
    /// while another writer holds their folder stops the wait.
    /// </summary>
    public static int Run(ToolOutput output, string? policy, string? outFolder, Policy.LineagePolicyFile? ranWith = null) =>
        SignalCancellation.Run(output.Error, cancellation => Compare(output, policy, outFolder, ranWith, cancellation),
            _ => "collapsecheck: cancelled while another writer held the folder; no received file was written.");

    private static int Compare(ToolOutput output, string? policy, string? outFolder, Policy.LineagePolicyFile? ranWith, CancellationToken cancellation)
    {
        var outcome = VerifyJob.Execute(policy, outFolder, ranWith, cancellation, output.Waiting);
        var compared = outcome.Tolerance is { } t
            ? $"the headline measured values (perplexity, bits per byte, training loss, entropy, Gini–Simpson, the gate's measured ratios) were compared within a relative {Numbers.Plain(t, 3)} (verify.otherMachineTolerance), the others not at all; every other field exactly"
            : "measured values were not compared (verify.otherMachineTolerance compares the headline ones loosely); every other field was, exactly";
        var notice = outcome.Match switch
        {
            NumericsMatch.Other => $"Numerics differ: {Numerics.Difference(outcome.Snapshot, outcome.Received)}. A lineage's numbers drift apart across numerics, so {compared}.",
            NumericsMatch.SnapshotOnCuda => $"The snapshot comes from CUDA, whose numbers do not repeat bit for bit, so {compared}.",
            NumericsMatch.ReceivedOnCuda => $"This run is on CUDA, whose numbers do not repeat bit for bit, so {compared}.",
            _ => null,
        };
        if (notice is not null)
        {
            output.Note("CC2007", outcome.NumericsAt ?? new(outcome.Files.VerifiedJson, 0, 0), notice);
        }

        if (outcome.Matched)
        {
            var how = outcome.Match == NumericsMatch.Same ? "" : outcome.Tolerance is null ? " apart from its measured values" : " within those bounds";
            output.Out.WriteLine($"Verified: the report matches {outcome.Files.VerifiedJson}{how}.");
            GitHubActions.AppendSummary($"**Snapshot: verified**{how} against `{Path.GetFileName(outcome.Files.VerifiedJson)}`.{(notice is null ? "" : $" {notice}")}\n", output);
            if (outcome.ReceivedNotWritten is { } notWritten)
            {
                // The match stands (exit 0, as CC2007 promises); what could not be written is only this machine's report,
                // offered for accept.
                output.Warn(notWritten.Code, notWritten.Location, $"{notWritten.Message}; this machine's report was not written as {outcome.Files.ReceivedJson}");
                return 0;
            }

            if (outcome.Match is NumericsMatch.Other or NumericsMatch.SnapshotOnCuda)
            {
                output.Out.WriteLine($"This run's report is written as {outcome.Files.ReceivedJson} (and .md): where the snapshot should come from "
                    + $"(the kind of machine CI runs on), {Errors.Command("accept", policy)} makes it the snapshot, compared exactly there.");
            }

            return 0;
        }

        foreach (var field in outcome.Fields.Take(40))
        {
            output.Out.WriteLine($"  {field.Where}: {Shortened(field.Verified)} (verified) → {Shortened(field.Received)} (received)");
        }

        if (outcome.Fields.Count > 40)
        {
            output.Out.WriteLine($"  … {outcome.Fields.Count - 40} more field(s)");
        }

        if (outcome.MarkdownDiff.Length > 0)
        {
            output.Out.WriteLine($"--- {outcome.Files.VerifiedMarkdown}");
            output.Out.WriteLine($"+++ {outcome.Files.ReceivedMarkdown}");
            output.Out.Write(outcome.MarkdownDiff);
        }

        if (outcome.ReceivedNotWritten is null)
        {
            output.Out.WriteLine($"Received: {outcome.Files.ReceivedJson}; if the change is intended, run {Errors.Command("accept", policy)}.");
        }

        var state = outcome.Failures[0].Code switch { "CC2002" => "missing", "CC2006" => "unreadable", _ => "differs" };
        GitHubActions.AppendSummary($"**Snapshot: {state}** (`{Path.GetFileName(outcome.Files.VerifiedJson)}`): {outcome.Failures[0].Message}\n", output);
        foreach (var failure in outcome.Failures)
        {
            output.Report(failure);
        }

        if (outcome.ReceivedNotWritten is { } error)
        {
            // After the mismatch, which it does not change: the folder is what stops accept, so exit as for bad environment.
            output.Report(error);
            return 2;
        }

        return 1;
    }
}
