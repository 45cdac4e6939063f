using System.Text.RegularExpressions;

namespace CollapseCheck.Corpus;

/// <summary>
/// The files collapsecheck writes beside a policy, which a glob such as `**/*.md` or `**/*.json` would otherwise read as
/// corpus: every run would then train on the last run's report, and no snapshot could ever verify. These are the
/// policy file, the reports and manifest (`[NAME.]collapsecheck-report.json|md|svg`, `[NAME.]collapsecheck-run.json`),
/// their snapshots (`….verified.*`, `….received.*`), the temporary copies a killed run can leave of any of them, and whatever is inside a default output folder
/// (`[NAME.]collapsecheck-out`) or a folder tagged with a CACHEDIR.TAG (the generation cache) below the pattern's own folder.
/// </summary>
/// <param name="alsoWritten">A file the command writes besides them (its --diagnostics), wherever it is named.</param>
public sealed partial class OwnOutputs(string? policyFile, string? alsoWritten = null)
{
    /// <summary>Whether a file of this name is one collapsecheck writes: a report, the run manifest, a snapshot, or a temporary copy of one.</summary>
    public static bool IsOutputName(string fileName) => OutputNames.IsOwn(fileName);

    private readonly string? _policy = policyFile is null ? null : CanonicalPath.Of(Path.GetFullPath(policyFile));

    private readonly string? _alsoWritten = alsoWritten is null ? null : CanonicalPath.Of(Path.GetFullPath(alsoWritten));

    // Whether each folder looked at holds a cache tag: every file under a folder asks about it again.
    private readonly Dictionary<string, bool> _tagged = [];

    /// <param name="root">The folder the pattern walked from: a project that itself lives in a folder named like an output folder is still read.</param>
    /// <param name="canonical">The file's path with links resolved.</param>
    public bool Holds(string path, string root, string canonical)
    {
        var comparison = CanonicalPath.Comparison;
        if (string.Equals(canonical, _policy, comparison) || string.Equals(canonical, _alsoWritten, comparison))
        {
            return true;
        }

        // Its staged copies too (.NAME.PID.tmp/.old, AtomicFile's), which a killed writer leaves beside it.
        if (_alsoWritten is not null && string.Equals(Path.GetDirectoryName(canonical), Path.GetDirectoryName(_alsoWritten), comparison)
            && Regex.IsMatch(Path.GetFileName(canonical), $@"^\.{Regex.Escape(Path.GetFileName(_alsoWritten))}{OutputNames.StagedSuffixPattern}$",
                comparison == StringComparison.Ordinal ? RegexOptions.None : RegexOptions.IgnoreCase))
        {
            return true;
        }

        if (OutputNames.IsOwn(Path.GetFileName(path)))
        {
            return true;
        }

        var folders = Path.GetRelativePath(root, Path.GetDirectoryName(path)!).Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        return folders.Any(folder => OutputFolder().IsMatch(folder)) || InTaggedCache(Path.GetDirectoryName(path)!, root);
    }

    /// <summary>
    /// Whether a folder from <paramref name="folder"/> up to <paramref name="root"/> holds a CACHEDIR.TAG that begins as the
    /// specification says (a generation cache, or another tool's cache: neither is text to train on).
    /// </summary>
    private bool InTaggedCache(string folder, string root)
    {
        var stop = Path.TrimEndingDirectorySeparator(root);
        for (var at = folder; at.Length >= stop.Length && at.StartsWith(stop, StringComparison.Ordinal); at = Path.GetDirectoryName(at) ?? "")
        {
            if (!_tagged.TryGetValue(at, out var tagged))
            {
                _tagged[at] = tagged = Lineage.GenerationCache.IsTag(Path.Combine(at, Lineage.GenerationCache.TagFile));
            }

            if (tagged)
            {
                return true;
            }
        }

        return false;
    }

    [GeneratedRegex(@"^(?:.+\.)?collapsecheck-out$", RegexOptions.IgnoreCase)]
    private static partial Regex OutputFolder();
}
