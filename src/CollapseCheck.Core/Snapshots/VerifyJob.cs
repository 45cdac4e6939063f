using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CollapseCheck.Diagnostics;
using CollapseCheck.Native;
using CollapseCheck.Policy;
using CollapseCheck.Reporting;
using CollapseCheck.Running;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;

namespace CollapseCheck.Snapshots;

/// <summary>How the two reports' measured values can be compared (see <see cref="Numerics"/>).</summary>
public enum NumericsMatch
{
    /// <summary>Both CPU with one fingerprint, or neither recording its numerics (reports from before they were): bit for bit.</summary>
    Same,

    /// <summary>Another processor, libtorch build, thread count or kernel setting, or one report without numerics.</summary>
    Other,

    /// <summary>The snapshot from CUDA, whose kernels do not repeat bit for bit even on one GPU.</summary>
    SnapshotOnCuda,

    /// <summary>This report from CUDA.</summary>
    ReceivedOnCuda,
}

/// <param name="Tolerance">The relative tolerance measured values were compared with; null: not compared.</param>
/// <param name="Snapshot">The snapshot's numerics (null when it records none).</param>
/// <param name="Received">This report's numerics.</param>
public sealed record VerifyOutcome(
    SnapshotFiles Files,
    double? Tolerance,
    IReadOnlyList<FieldDifference> Fields,
    string MarkdownDiff,
    IReadOnlyList<CollapseCheckException> Failures,
    NumericsMatch Match = NumericsMatch.Same,
    Numerics? Snapshot = null,
    Numerics? Received = null,
    SourceLocation? NumericsAt = null)
{
    public bool Matched => Failures.Count == 0;

    /// <summary>CC0030 when the received files could not be written (a read-only checkout): reported after the comparison.</summary>
    public CollapseCheckException? ReceivedNotWritten { get; init; }
}

/// <summary>
/// `verify`: the report in the output folder against the verified snapshot beside the policy. On a mismatch
/// the received files are written next to the verified ones (Verify's convention) and the differences listed;
/// on a match stale received files are removed. `accept` makes the received files the snapshot.
/// </summary>
public static class VerifyJob
{
    private const int MaxDiffLines = 60;

    /// <param name="ranWith">The policy a `run --verify` just used, overrides included; else the file's.</param>
    /// <param name="cancellation">Stops a wait for another writer of the received files' folder; nothing else.</param>
    /// <param name="waiting">Told when that wait passes a second.</param>
    public static VerifyOutcome Execute(string? policyPath, string? outputFolder, LineagePolicyFile? ranWith = null, CancellationToken cancellation = default, Action<string>? waiting = null)
    {
        // First: a policy piped in has no snapshots, whatever its report says.
        var files = SnapshotFiles.For(policyPath);
        var policy = ranWith ?? RunJob.LoadPolicy(policyPath);
        var folder = Path.GetFullPath(outputFolder ?? RunJob.DefaultOutputFolder(policyPath));
        var reportPath = Path.Combine(folder, RunJob.ReportFile);
        if (!File.Exists(reportPath))
        {
            throw Errors.ReportMissing(reportPath, policyPath);
        }

        if (AtomicFile.Interrupted(folder, [RunJob.ReportFile, RunJob.MarkdownFile, RunJob.ChartFile, RunJob.ManifestFile]) is [var leftover, ..])
        {
            throw Errors.ReportTorn(folder, leftover, policyPath);
        }

        var receivedJson = SnapshotJson.ReadJson(reportPath, (at, detail) => Errors.ReportUnreadable(at, detail, policyPath));
        // ./collapsecheck.json and the embedded default share collapsecheck-out: a bare verify of that policy's report
        // was stale, and its advice ('run collapsecheck run again') looped back to run's CC0040.
        if (policyPath is null && SnapshotJson.PolicySourceOf(receivedJson) is { } source && source != ReportBuilder.EmbeddedSource)
        {
            throw Errors.ReportOfNamedPolicy(reportPath, source);
        }

        ThrowIfStale(policy, policyPath, reportPath, receivedJson);
        var markdownPath = Path.Combine(folder, RunJob.MarkdownFile);
        if (!File.Exists(markdownPath))
        {
            // A run writes both: an empty received Markdown would become an empty snapshot on accept.
            throw Errors.ReportIncomplete(markdownPath, policyPath);
        }

        var receivedMarkdown = File.ReadAllText(markdownPath);

        // A folder in the snapshot's place is no missing snapshot: reading it says what it is.
        if (!File.Exists(files.VerifiedJson) && !Directory.Exists(files.VerifiedJson))
        {
            return new VerifyOutcome(files, 0, [], "", [Errors.SnapshotMissing(files.VerifiedJson, files.ReceivedJson, policyPath)])
            {
                ReceivedNotWritten = TryWriteReceived(files, receivedJson, receivedMarkdown, cancellation, waiting),
            };
        }

        string verifiedJson;
        try
        {
            verifiedJson = SnapshotJson.ReadJson(files.VerifiedJson, (at, detail) => Errors.SnapshotUnreadable(at, detail, files.ReceivedJson, policyPath));
        }
        catch (CollapseCheckException unreadable)
        {
            // Nothing to compare with, but what accept needs can still be written, so the way out is one command.
            return new VerifyOutcome(files, 0, [], "", [unreadable]) { ReceivedNotWritten = TryWriteReceived(files, receivedJson, receivedMarkdown, cancellation, waiting) };
        }

        var verifiedMarkdown = File.Exists(files.VerifiedMarkdown) ? WithLfLineEnds(File.ReadAllText(files.VerifiedMarkdown)) : "";
        // Measured values repeat bit for bit only under the same numerics; elsewhere a lineage's numbers drift apart
        // (see Numerics), so the headline ones are compared with otherMachineTolerance, or none at all, and every
        // other field still exactly.
        var (verifiedDevice, verifiedNumerics) = SnapshotJson.OriginOf(verifiedJson);
        var (receivedDevice, receivedNumerics) = SnapshotJson.OriginOf(receivedJson);
        var match = receivedDevice == "cuda" ? NumericsMatch.ReceivedOnCuda
            : verifiedDevice == "cuda" ? NumericsMatch.SnapshotOnCuda
            : verifiedNumerics?.Fingerprint == receivedNumerics?.Fingerprint ? NumericsMatch.Same
            : NumericsMatch.Other;
        var tolerance = match == NumericsMatch.Same ? policy.Verify.Tolerance : policy.Verify.OtherMachineTolerance;
        var compared = match == NumericsMatch.Same ? ReportBuilder.MeasuredFields : tolerance is null ? [] : ReportBuilder.ComparableAcrossMachines;
        // The verify section says how to compare, not what was measured: loosening it must not itself need an accept
        // (`verify` of the last run and `run --verify` disagreed about it), as it does not make a report stale. Device
        // and numerics say where the report was made, which decides how it is compared.
        var fields = ReportComparer.Compare(verifiedJson, receivedJson, compared, tolerance ?? 0, ["policy.verify", "numerics", "device"], uncompared: ReportBuilder.MeasuredFields);

        // The Markdown is rendered from the JSON: it must match exactly only when the JSON does, as JSON (an editor that
        // reformatted the snapshot let a deleted Markdown snapshot pass). Line ends and a final newline are not the
        // report's content (a Windows checkout without the .gitattributes line has CRLF).
        var markdownMatters = JsonNode.DeepEquals(JsonNode.Parse(verifiedJson), JsonNode.Parse(receivedJson));
        var comparedMarkdown = WithLfLineEnds(receivedMarkdown);
        var (markdownDiff, firstLine) = Diff(verifiedMarkdown, comparedMarkdown);
        var failures = new List<CollapseCheckException>();
        if (fields.Count > 0)
        {
            var first = fields[0];
            var where = match switch
            {
                NumericsMatch.ReceivedOnCuda => "this CUDA run's numbers do not repeat",
                NumericsMatch.SnapshotOnCuda => "the snapshot's CUDA numbers do not repeat",
                _ => "the snapshot has other numerics",
            };
            var rule = (match, tolerance) switch
            {
                (NumericsMatch.Same, { } t) => $"measured numbers may differ by a relative {Numbers.Plain(t, 3)}, other fields not at all",
                (_, null) => $"{where}, so measured numbers were not compared; other fields must match",
                (_, { } t) => $"{where}: headline measured numbers may differ by a relative {Numbers.Plain(t, 3)} (verify.otherMachineTolerance), the rest were not compared, other fields must match",
            };
            // A changed policy field is pointed at in the policy, which the pull request changed; anything else at its
            // line in the snapshot.
            var policyField = first.Path.StartsWith("policy.", StringComparison.Ordinal) ? LoaderField(first.Path["policy.".Length..]) : null;
            var at = policyField is not null && policy.Locations.TryGetValue(policyField, out var fieldAt) ? fieldAt : SnapshotJson.LocationOf(first.Path, verifiedJson, files.VerifiedJson);
            failures.Add(Errors.SnapshotMismatch(at,
                $"{fields.Count} field(s) differ ({rule}); first: {first.Where} is {first.Verified} in the snapshot and {first.Received} now", files.ReceivedMarkdown, policyPath));
        }
        else if (!File.Exists(files.VerifiedMarkdown))
        {
            // A snapshot is the pair accept writes, whatever the JSON's comparison allowed. At the policy, as CC2002: a CI
            // annotation on a file the repository no longer has shows nowhere.
            var what = Directory.Exists(files.VerifiedMarkdown) ? "is a folder, not a file" : "is missing";
            failures.Add(Errors.SnapshotMismatch(new SourceLocation(policyPath ?? files.VerifiedMarkdown, 1, 1), $"the Markdown snapshot '{files.VerifiedMarkdown}' {what} (the JSON one matches)", files.ReceivedMarkdown, policyPath));
        }
        else if (markdownMatters && verifiedMarkdown != comparedMarkdown)
        {
            failures.Add(Errors.SnapshotMismatch(new SourceLocation(files.VerifiedMarkdown, firstLine, 1), "the Markdown report differs from its snapshot", files.ReceivedMarkdown, policyPath));
        }

        // Every schema-2 report records its numerics; a snapshot of that schema without them (a hand merge dropped the
        // field, or mangled it) would compare no measured value and still pass, so it fails, and accept mends it.
        if (verifiedNumerics is null && SnapshotJson.SchemaOf(verifiedJson) >= ReportBuilder.SchemaVersion)
        {
            failures.Add(Errors.SnapshotMismatch(SnapshotJson.LocationOf("numerics", verifiedJson, files.VerifiedJson),
                $"its numerics (numerics.machine and numerics.fingerprint, strings that decide how measured values compare) are missing or not in shape, though every schema-{ReportBuilder.SchemaVersion} report records them, so the snapshot was edited and its measured values were not compared",
                files.ReceivedMarkdown, policyPath));
        }

        // Also on a match against another machine's snapshot when this report repeats (CPU): then the received files
        // are this machine's numbers, for `accept` where the snapshot should come from (a CI runner's, in its artifacts).
        CollapseCheckException? notWritten = null;
        if (failures.Count > 0 || match is NumericsMatch.Other or NumericsMatch.SnapshotOnCuda)
        {
            notWritten = TryWriteReceived(files, receivedJson, receivedMarkdown, cancellation, waiting);
        }
        else
        {
            RemoveStaleReceived(files);
        }

        // A loose comparison's notice points at what made it loose in the snapshot, its fingerprint or its CUDA device;
        // this run on CUDA is nothing in the snapshot, which it then names whole.
        SourceLocation? numericsAt = match switch
        {
            NumericsMatch.Other => SnapshotJson.LocationOf("numerics.fingerprint", verifiedJson, files.VerifiedJson),
            NumericsMatch.SnapshotOnCuda => SnapshotJson.LocationOf("device", verifiedJson, files.VerifiedJson),
            _ => null,
        };
        return new VerifyOutcome(files, tolerance, fields,
            failures.Count > 0 ? markdownDiff : "", failures, match, verifiedNumerics, receivedNumerics, numericsAt)
        {
            ReceivedNotWritten = notWritten,
        };
    }

    /// <summary>Writes the received pair; the CC0030 it gives in a folder it cannot write, which the comparison does not wait on.</summary>
    private static CollapseCheckException? TryWriteReceived(SnapshotFiles files, string json, string markdown, CancellationToken cancellation, Action<string>? waiting)
    {
        try
        {
            AtomicFile.WriteAll(Path.GetDirectoryName(files.ReceivedJson)!,
                [(Path.GetFileName(files.ReceivedJson), json), (Path.GetFileName(files.ReceivedMarkdown), markdown)], cancellation, waiting);
            return null;
        }
        catch (CollapseCheckException e) when (e.Code == "CC0030")
        {
            return e;
        }
    }

    private static void RemoveStaleReceived(SnapshotFiles files)
    {
        try
        {
            File.Delete(files.ReceivedJson);
            File.Delete(files.ReceivedMarkdown);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only checkout keeps an old mismatch's received files: the match stands, and accept could not write there either.
        }
    }

    /// <summary>
    /// CC2005 when the report echoes another policy than the one it is verified for: an edit since the last run, or
    /// a run that failed and left the previous report, would otherwise be compared as if it were current.
    /// </summary>
    /// <param name="allowed">Policy fields that may differ (accept: those an option overrides).</param>
    /// <returns>The differences in <paramref name="allowed"/> fields.</returns>
    internal static IReadOnlyList<FieldDifference> ThrowIfStale(LineagePolicyFile policy, string? policyPath, string reportPath, string reportJson, IReadOnlyCollection<string>? allowed = null)
    {
        // The verify section only says how to compare, which a report does not depend on.
        var inReport = JsonNode.Parse(reportJson)!["policy"]!.ToJsonString();
        var differences = ReportComparer.Compare(inReport, ReportJson.Serialize(ReportBuilder.Echo(policy)), [], 0, ["verify"]);
        if (differences.FirstOrDefault(d => allowed?.Contains(d.Path) != true) is { } first)
        {
            // An item the policy no longer has is located at its list.
            var field = LoaderField(first.Path);
            var parent = field.Split('[')[0];
            SourceLocation? at = policy.Locations.TryGetValue(field, out var location) ? location
                : policy.Locations.TryGetValue(parent, out var parentLocation) ? parentLocation
                : policy.SourcePath is { } file ? new SourceLocation(file, 1, 1)
                : null;
            var option = AcceptJob.Overrides.FirstOrDefault(o => o.Field == field).Option;
            throw Errors.ReportStale(at, reportPath, field, first.Verified, first.Received, policyPath, option);
        }

        return differences;
    }

    /// <summary>The comparer's path of a policy field ("corpus.include.0") as the loader names it ("corpus.include[0]").</summary>
    private static string LoaderField(string path) => Regex.Replace(path, @"\.(\d+)(?=\.|$)", "[$1]");

    /// <summary>CRLF and lone CR as LF, and exactly one newline at the end.</summary>
    private static string WithLfLineEnds(string text) =>
        text.Length == 0 ? text : text.Replace("\r\n", "\n").Replace('\r', '\n').TrimEnd('\n') + "\n";

    /// <summary>Changed lines of the Markdown, "-" from the snapshot and "+" now, with the first one's line number.</summary>
    private static (string Text, int FirstLine) Diff(string verified, string received)
    {
        var model = InlineDiffBuilder.Diff(verified, received, ignoreWhiteSpace: false);
        var text = new StringBuilder();
        var first = 0;
        var shown = 0;
        foreach (var line in model.Lines)
        {
            if (line.Type is ChangeType.Unchanged or ChangeType.Imaginary)
            {
                continue;
            }

            first = first == 0 ? line.Position ?? 1 : first;
            if (shown++ < MaxDiffLines)
            {
                text.Append(line.Type == ChangeType.Deleted ? "- " : "+ ").Append(line.Text).Append('\n');
            }
        }

        if (shown > MaxDiffLines)
        {
            text.Append($"… {shown - MaxDiffLines} more changed line(s)\n");
        }

        return (text.ToString(), Math.Max(1, first));
    }
}
