using System.Text.RegularExpressions;

namespace CollapseCheck;

/// <summary>
/// The names of the files collapsecheck writes beside a policy: the reports and manifest
/// (`[NAME.]collapsecheck-report.json|md|svg`, `[NAME.]collapsecheck-run.json`), their snapshots (`….verified.*`,
/// `….received.*`), the staged copies a killed writer leaves of any of them, the writability probe and the folder lock.
/// Compiled into the tool, whose globs never read them as corpus, and the task, for which the tool writing them in a
/// corpus folder (verify's received files beside the policy) is no change to the corpus.
/// </summary>
internal static partial class OutputNames
{
    /// <summary>What follows ".NAME" in an atomic write's staged copy or backup (.NAME.PID.tmp, .NAME.PID.old), as a pattern.</summary>
    public const string StagedSuffixPattern = @"\.\d+\.(?:tmp|old)";

    private const string Report = @"(?:.+\.)?collapsecheck-(?:report(?:\.(?:verified|received))?\.(?:json|md|svg)|run\.json)";

    public static bool IsOwn(string fileName) => OutputName().IsMatch(fileName);

    [GeneratedRegex(@"^(?:" + Report + @"|\." + Report + StagedSuffixPattern + @"|\.collapsecheck-probe\.\d+\.tmp|\.collapsecheck-writing\.lock)$", RegexOptions.IgnoreCase)]
    private static partial Regex OutputName();
}
