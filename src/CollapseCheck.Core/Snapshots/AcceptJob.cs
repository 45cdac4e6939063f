using CollapseCheck.Diagnostics;
using CollapseCheck.Policy;
using CollapseCheck.Reporting;
using CollapseCheck.Running;

namespace CollapseCheck.Snapshots;

/// <summary>`accept`: the received report becomes the verified snapshot, if the policy file (with options) makes it.</summary>
public static class AcceptJob
{
    /// <returns>The files, the command-line overrides (--seed, --tolerance) the accepted report was made with, and whether its gate passed.</returns>
    public static (SnapshotFiles Files, IReadOnlyList<string> Overrides, bool GatePassed) Execute(string? policyPath, CancellationToken cancellation = default, Action<string>? waiting = null)
    {
        if (policyPath is not null)
        {
            PolicyLoader.EnsureExists(policyPath);
        }

        var files = SnapshotFiles.For(policyPath);
        if (!File.Exists(files.ReceivedJson))
        {
            throw Errors.NothingToAccept(files.ReceivedJson, policyPath);
        }

        // A verify stopped while it wrote the received pair may have left one file new and one old.
        if (AtomicFile.Interrupted(Path.GetDirectoryName(Path.GetFullPath(files.ReceivedJson))!,
                [Path.GetFileName(files.ReceivedJson), Path.GetFileName(files.ReceivedMarkdown)]) is [var leftover, ..])
        {
            throw Errors.ReceivedTorn(leftover, policyPath);
        }

        // A report of the policy as it was before an edit would make a snapshot no run reproduces: refused as verify
        // refuses it (CC2005). --seed and --tolerance are the exception: a build that always passes the same one
        // (CollapseCheckTolerance) verifies with it too, so they are only named, for the caller to say. A bare `accept`
        // takes the received files named collapsecheck-report.*, which ./collapsecheck.json shares with the embedded
        // default: the report's own policy.source says which of them it was made from.
        var receivedJson = SnapshotJson.ReadJson(files.ReceivedJson, (at, detail) => Errors.ReceivedUnreadable(at, detail, policyPath));
        var madeWith = policyPath ?? SourceBeside(files.ReceivedJson, receivedJson);
        var policy = RunJob.LoadPolicy(madeWith);
        var optionFields = VerifyJob.ThrowIfStale(policy, madeWith, files.ReceivedJson, receivedJson, [.. Overrides.Select(o => o.Field)]);

        // Nothing records whether the run was given the option, but a file edited after the received report was
        // written is not the file it ran: a tolerance loosened to accept a failing report, say, which used to be
        // accepted as if --tolerance had made it. Refused as any other edit.
        if (optionFields.Count > 0 && madeWith is not null
            && File.GetLastWriteTimeUtc(madeWith) > File.GetLastWriteTimeUtc(files.ReceivedJson))
        {
            VerifyJob.ThrowIfStale(policy, madeWith, files.ReceivedJson, receivedJson);
        }

        var overrides = optionFields.Select(d => $"{Overrides.First(o => o.Field == d.Path).Option} {d.Verified}").ToList();

        // Checked before either move: a JSON snapshot accepted beside the old Markdown one is a pair no run wrote.
        if (new[] { files.VerifiedJson, files.VerifiedMarkdown }.FirstOrDefault(Directory.Exists) is { } folder)
        {
            throw Errors.SnapshotPathIsAFolder(folder);
        }

        if (!File.Exists(files.ReceivedMarkdown))
        {
            throw Errors.ReceivedIncomplete(files.ReceivedMarkdown, policyPath);
        }

        string markdown;
        try
        {
            markdown = File.ReadAllText(files.ReceivedMarkdown);
        }
        catch (FileNotFoundException)
        {
            // Another accept took the received files between the check above and here (two build steps, two shells).
            throw Errors.NothingToAccept(files.ReceivedJson, policyPath);
        }

        // Both snapshots or neither, as a run writes its reports: two moves, the second refused (a read-only folder),
        // left the new JSON beside the old Markdown and said so only as an internal error. A folder that refuses is CC0030.
        AtomicFile.WriteAll(Path.GetDirectoryName(files.VerifiedJson)!,
            [(Path.GetFileName(files.VerifiedJson), receivedJson), (Path.GetFileName(files.VerifiedMarkdown), markdown)], cancellation, waiting);
        try
        {
            File.Delete(files.ReceivedJson);
            File.Delete(files.ReceivedMarkdown);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Accepted: a received file left behind is the verified one again, which the next verify replaces.
        }

        return (files, overrides, SnapshotJson.GatePassedOf(receivedJson));
    }

    /// <summary>The policy file the report names as its policy.source, when it is beside the report; else null (the embedded default).</summary>
    private static string? SourceBeside(string reportPath, string reportJson)
    {
        if (SnapshotJson.PolicySourceOf(reportJson) is not { } source)
        {
            return null;
        }

        var path = Path.Combine(Path.GetDirectoryName(reportPath)!, source);
        return File.Exists(path) ? path : null;
    }

    /// <summary>The policy fields a command-line option overrides; the report echoes the value used.</summary>
    public static readonly IReadOnlyList<(string Field, string Option)> Overrides = [("gate.tolerance", "--tolerance"), ("training.seed", "--seed")];
}
