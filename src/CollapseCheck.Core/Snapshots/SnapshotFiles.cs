using CollapseCheck.Diagnostics;

namespace CollapseCheck.Snapshots;

/// <summary>
/// Where a policy's snapshots live: beside the policy, named as Verify names them so its diff tools work:
/// collapsecheck-report.verified.json / .received.json (and .md). A policy not named collapsecheck.json puts its
/// file name first, so several policies can share a folder.
/// </summary>
public sealed record SnapshotFiles(string VerifiedJson, string VerifiedMarkdown, string ReceivedJson, string ReceivedMarkdown)
{
    public static SnapshotFiles For(string? policyPath)
    {
        if (Running.RunJob.IsPiped(policyPath))
        {
            throw Errors.BadArgument($"snapshots live beside their policy file, and the policy comes from {Running.RunJob.PipeName(policyPath!)}, a pipe; name the policy file to verify or accept");
        }

        var folder = Running.RunJob.PolicyFolder(policyPath);
        var name = Running.RunJob.OwnName(policyPath, "collapsecheck-report");
        string At(string kind, string extension) => Path.Combine(folder, $"{name}.{kind}.{extension}");
        // Said before a run trains or verify compares: after them, verify asked to review a received file it could not
        // write. Only of a policy that is there: a missing one is told so where it is read.
        if (File.Exists(policyPath))
        {
            var policy = Path.GetFileName(policyPath);
            Reporting.AtomicFile.ThrowIfTooLong(folder, Path.GetFileName(At("received", "json")), over =>
                $"; the snapshots are named after the policy file '{policy}', so give it a name of at most {Reporting.AtomicFile.NameLength(policy) - over} {Reporting.AtomicFile.NameUnits}");
        }

        return new SnapshotFiles(At("verified", "json"), At("verified", "md"), At("received", "json"), At("received", "md"));
    }
}
