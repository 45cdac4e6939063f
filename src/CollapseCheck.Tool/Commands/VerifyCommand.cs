using CollapseCheck.Diagnostics;
using System.CommandLine;
using CollapseCheck.Native;
using CollapseCheck.Snapshots;

namespace CollapseCheck.Tool.Commands;

internal static class VerifyCommand
{
    public static Command Create(ToolOutput output)
    {
        var policy = CommonOptions.Policy();
        var outFolder = CommonOptions.Out();
        var command = new Command("verify", "Compare the report with the verified snapshot beside the policy; on a mismatch write *.received.* and show the diff.")
        {
            policy, outFolder,
        };
        command.SetAction(parsed => Run(output, CommonOptions.PolicyOf(parsed, policy, output), parsed.GetValue(outFolder)));
        return command;
    }

    /// <summary>A whole generation added or removed is hundreds of characters of JSON on one line: its start says enough.</summary>
    private static string Shortened(string value) =>
        value.Length <= 120 ? value : $"{value[..100]}… ({value.Length} characters)";

    private static string Describe(Numerics? numerics) => numerics is null
        ? "are not recorded (an earlier version made it)"
        : $"are {numerics.Machine} ({numerics.Fingerprint})";

    /// <summary>Shared with `run --verify`.</summary>
    public static int Run(ToolOutput output, string? policy, string? outFolder, Policy.LineagePolicyFile? ranWith = null)
    {
        var outcome = VerifyJob.Execute(policy, outFolder, ranWith);
        if (outcome.OtherNumerics is var (snapshot, received))
        {
            var differ = $"Numerics differ: the snapshot's {Describe(snapshot)}; this run's {Describe(received)}.";
            var how = outcome.Tolerance is { } t
                ? $"A lineage's measured values drift apart across numerics: they were compared within a relative {t:G3} (verify.otherMachineTolerance), everything else exactly."
                : "A lineage's measured values drift apart across numerics: they were not compared (verify.otherMachineTolerance compares them loosely), everything else was, exactly.";
            output.Out.WriteLine(differ);
            output.Out.WriteLine(how);
            GitHubActions.Notice(output, outcome.Files.VerifiedJson, "snapshot from other numerics", $"{differ} {how}");
        }

        if (outcome.Matched)
        {
            output.Out.WriteLine(outcome.OtherNumerics is null
                ? $"Verified: the report matches {outcome.Files.VerifiedJson}"
                : $"Verified: the report matches {outcome.Files.VerifiedJson} apart from measured values. This run's report is written as "
                    + $"{outcome.Files.ReceivedJson} (and .md): {Errors.Command("accept", policy)} makes it the snapshot, compared exactly on this kind of machine (a CI runner's, say).");
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

        output.Out.WriteLine($"Received: {outcome.Files.ReceivedJson}; if the change is intended, run {Errors.Command("accept", policy)}.");
        foreach (var failure in outcome.Failures)
        {
            output.Report(failure);
        }

        return 1;
    }
}
