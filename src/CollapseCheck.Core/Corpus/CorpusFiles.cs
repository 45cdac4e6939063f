using CollapseCheck.Diagnostics;
using Microsoft.Extensions.FileSystemGlobbing;

namespace CollapseCheck.Corpus;

/// <summary>An include pattern of the policy and where it is written.</summary>
internal sealed record CorpusPattern(string Text, SourceLocation? At);

/// <summary>
/// The files a corpus section names, each once, in ordinal order of path so every OS sees the same sequence. A pattern
/// is matched from the folder it names before its first wildcard, so a folder link there leads anywhere, even to a
/// folder it is inside (`dot -> .`), where a walk from above would refuse to loop. Excludes are relative to the policy's
/// folder, and one that starts with `**/` holds at any depth under every pattern's folder, inside the policy's folder or
/// not; a file is excluded by the path a pattern reached it through and by its own path when a link led to it. A glob
/// never yields collapsecheck's own outputs (<see cref="OwnOutputs"/>): a `**/*.md` would otherwise read the last run's
/// report, and every run would see another corpus; nor a build's (<see cref="BuildOutputs"/>).
/// </summary>
internal sealed class CorpusFiles
{
    // The only wildcard FileSystemGlobbing has ('?' and '[' match themselves there).
    private const char Wildcard = '*';

    private readonly string _baseDirectory;
    private readonly string _realBase;

    // Absolute, with '/' separators: patterns walk from their own folders, not from the policy's.
    private readonly List<string> _excludes;

    // Those written as **/REST, as written: they hold under every walk's folder.
    private readonly List<string> _anywhere;
    private readonly OwnOutputs _own;
    private readonly BuildOutputs _built = new();
    private readonly Dictionary<string, Matcher> _excludersByRoot = [];
    private readonly Matcher _anywhereMatcher = new(StringComparison.Ordinal);
    private readonly Dictionary<string, string> _canonical = [];

    // Own and build outputs the globs matched and left out, for the run to say how many.
    private readonly List<string> _leftOut = [];
    private readonly List<string> _builtLeftOut = [];

    // Each glob's folder and the folders between it and each file it matched (see Match's searched).
    private readonly SortedSet<string> _searched = new(StringComparer.Ordinal);

    private CorpusFiles(string baseDirectory, List<string> excludes, List<string> anywhere, OwnOutputs own)
    {
        _baseDirectory = baseDirectory;
        _realBase = CanonicalPath.Of(baseDirectory);
        _excludes = excludes;
        _anywhere = anywhere;
        _anywhereMatcher.AddInclude("**");
        _anywhereMatcher.AddExcludePatterns(anywhere);
        _own = own;
    }

    /// <summary>
    /// Every pattern is matched before any problem is reported, so one edit can fix them all, as for policy fields:
    /// each pattern that matches nothing, names a missing file or a folder, loses every match to the excludes or is not
    /// a pattern at all is added to <paramref name="problems"/> at its item, and so is each exclude that is not one.
    /// </summary>
    /// <param name="leftOut">Receives the tool's own files that globs matched and left out, for the tool to say so.</param>
    /// <param name="builtLeftOut">Receives the files in build output folders that globs matched and left out.</param>
    /// <param name="patternOf">Receives, for each file, where the first pattern that matched it is written: a file's own problem is that item's.</param>
    /// <param name="searched">
    /// Receives each glob's folder and the folders on the way from it to a file it matched: a file added or removed
    /// there changes that folder's time, so the MSBuild task reruns the gate for a file no list of the matches holds.
    /// Not every folder the walk entered: a `**` from the project's folder walks bin/ and obj/, which change every build.
    /// </param>
    public static List<string> Match(IReadOnlyList<CorpusPattern> patterns, IReadOnlyList<string> exclude, Func<int, SourceLocation?> excludeAt,
        string baseDirectory, List<CollapseCheckException> problems, string? policyFile = null, List<string>? leftOut = null, List<string>? searched = null,
        string? alsoWritten = null, List<string>? builtLeftOut = null, Dictionary<string, SourceLocation?>? patternOf = null)
    {
        var excludes = new List<string>();
        var anywhere = new List<string>();
        var excludeProblems = new List<CollapseCheckException>();
        for (var i = 0; i < exclude.Count; i++)
        {
            try
            {
                new Matcher(StringComparison.Ordinal).AddExclude(exclude[i]);
                excludes.Add(Path.GetFullPath(exclude[i], baseDirectory).Replace('\\', '/'));
                if (exclude[i].Replace('\\', '/') is var written && (written == "**" || written.StartsWith("**/", StringComparison.Ordinal)))
                {
                    anywhere.Add(written);
                }
            }
            catch (ArgumentException e)
            {
                excludeProblems.Add(Errors.CorpusBadPattern(excludeAt(i), "corpus.exclude", exclude[i], e.Message));
            }
        }

        var files = new CorpusFiles(baseDirectory, excludes, anywhere, new OwnOutputs(policyFile, alsoWritten));
        var all = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var pattern in patterns)
        {
            try
            {
                foreach (var path in files.MatchOne(pattern))
                {
                    all.Add(path);
                    patternOf?.TryAdd(path, pattern.At);
                }
            }
            catch (CollapseCheckException e)
            {
                problems.Add(e);
            }
            catch (ArgumentException e)
            {
                problems.Add(Errors.CorpusBadPattern(pattern.At, "corpus.include", pattern.Text, e.Message));
            }
        }

        // Where the policy gives no locations to sort by, excludes come after includes, as they are written.
        problems.AddRange(excludeProblems);

        // The first path (in ordinal order) to each file, when links make several lead to it.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        leftOut?.AddRange(files._leftOut.Where(path => !all.Contains(path)).Distinct().Order(StringComparer.Ordinal));
        builtLeftOut?.AddRange(files._builtLeftOut.Where(path => !all.Contains(path)).Distinct().Order(StringComparer.Ordinal));
        searched?.AddRange(files._searched);
        return all.Where(path => seen.Add(files.CanonicalOf(path))).ToList();
    }

    private List<string> MatchOne(CorpusPattern pattern)
    {
        if (!pattern.Text.Contains(Wildcard))
        {
            var path = Path.GetFullPath(Path.Combine(_baseDirectory, pattern.Text));
            if (Directory.Exists(path))
            {
                throw Errors.CorpusFileIsAFolder(pattern.At, path, $"{pattern.Text.TrimEnd('/', '\\')}/**/*.txt");
            }

            if (!File.Exists(path))
            {
                throw RegularFile.WhyUnreachable(path) is { } why ? Errors.CorpusFileUnreadable(pattern.At, path, why) : Errors.CorpusFileNotFound(pattern.At, path);
            }

            // As for a glob whose every match is excluded: naming a file and excluding it is a contradiction.
            return IsExcluded(path, walked: false, root: null) ? throw Errors.CorpusAllExcluded(pattern.At, pattern.Text, 1) : [path];
        }

        var (root, relative) = SplitRoot(pattern.Text);
        // In the file system's own separators, as the paths found are (a rooted pattern's folder is written with '/').
        var walkRoot = Path.GetFullPath(root);
        var searchable = Directory.Exists(root);
        var pruning = ExcludesUnder(root);
        // When every exclude is inside the walk's folder, the walk has applied them all to the path it found.
        var walked = pruning.Count == _excludes.Count + _anywhere.Count;
        var found = searchable ? Glob(relative, pruning).Where(path => !IsExcluded(path, walked, walkRoot)).ToList() : [];
        var own = found.Where(path => _own.Holds(path, walkRoot, CanonicalOf(path))).ToHashSet(StringComparer.Ordinal);
        var built = found.Where(path => !own.Contains(path) && _built.Holds(path, walkRoot)).ToHashSet(StringComparer.Ordinal);
        _leftOut.AddRange(own);
        _builtLeftOut.AddRange(built);
        found.RemoveAll(path => own.Contains(path) || built.Contains(path));
        if (found.Count > 0)
        {
            // Each glob's own walk up, so a higher glob's folders are added though a deeper one's already are.
            var climbed = new HashSet<string>(StringComparer.Ordinal);
            // The glob's folder's parent, links resolved: a path that resolves as this plus its own rest has no link of its own.
            var above = Path.GetDirectoryName(walkRoot) ?? walkRoot;
            var realAbove = CanonicalPath.Of(above);
            foreach (var path in found)
            {
                for (var folder = Path.GetDirectoryName(path); folder is not null && folder.StartsWith(walkRoot, StringComparison.Ordinal) && climbed.Add(folder); folder = Path.GetDirectoryName(folder))
                {
                    _searched.Add(folder);
                    // A folder reached through a link (data/current) keeps the link's own time: its target's changes. Only
                    // a link from the glob's folder down: one above it (macOS's /tmp) would list every folder twice.
                    if (CanonicalPath.Of(folder) is var real && real != realAbove + folder[above.Length..])
                    {
                        _searched.Add(real);
                    }
                }
            }

            return found;
        }

        if (own.Count > 0 || built.Count > 0)
        {
            throw built.Count == 0 ? Errors.CorpusOnlyOwnOutputs(pattern.At, pattern.Text, own.Count)
                : Errors.CorpusOnlyBuildOutputs(pattern.At, pattern.Text, built.Count, Path.GetRelativePath(walkRoot, built.Order(StringComparer.Ordinal).First()));
        }

        var unexcluded = _excludes.Count == 0 || !searchable ? 0 : Glob(relative, []).Count;
        throw unexcluded > 0
            ? Errors.CorpusAllExcluded(pattern.At, pattern.Text, unexcluded)
            : Errors.CorpusNoFiles(pattern.At, pattern.Text, Path.IsPathRooted(pattern.Text) ? root : _baseDirectory);

        List<string> Glob(string include, IReadOnlyList<string> excluded)
        {
            var matcher = new Matcher(StringComparison.Ordinal);
            matcher.AddInclude(include);
            matcher.AddExcludePatterns(excluded);
            try
            {
                return matcher.Execute(new LoopSafeDirectory(root)).Files.Select(match => Path.GetFullPath(Path.Combine(root, match.Path))).ToList();
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                throw Errors.CorpusUnreadable(pattern.At, pattern.Text, e.Message);
            }
        }
    }

    /// <summary>
    /// By the path a pattern reached the file through, and by its own path when a link led to it, so `current -> 2024`
    /// cannot bring back what `2024/**` excluded. A question about paths' text, answered without walking to them: a walk
    /// from the policy's folder would not enter a folder link that leads back up, though the path goes through one.
    /// </summary>
    /// <param name="walked">The walk that found <paramref name="path"/> already applied every exclude to it.</param>
    /// <param name="root">The folder the pattern walked from; null for a file named without a wildcard.</param>
    private bool IsExcluded(string path, bool walked, string? root)
    {
        if (_excludes.Count == 0)
        {
            return false;
        }

        var real = CanonicalOf(path);
        var own = real.StartsWith(_realBase + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? Path.Join(_baseDirectory, real[_realBase.Length..])
            : real;
        // A link's own path is matched below the walk's folder with its links resolved, where that path now lies.
        return (!walked && Excluded(path, root)) || (own != path && Excluded(own, root is null ? null : CanonicalOf(root)));

        bool Excluded(string file, string? from)
        {
            var top = Path.GetPathRoot(file)!;
            if (!_excludersByRoot.TryGetValue(top, out var matcher))
            {
                // Matched from the file system's root, so an exclude that climbs out (`../other/**`) still holds.
                var prefix = FolderPrefix(top);
                matcher = new Matcher(StringComparison.Ordinal);
                matcher.AddInclude("**");
                matcher.AddExcludePatterns(_excludes.Where(e => e.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)).Select(e => e[prefix.Length..]));
                _excludersByRoot[top] = matcher;
            }

            return !matcher.Match(top, file).HasMatches || ExcludedAnywhere(file, from);
        }
    }

    /// <summary>
    /// A **/REST exclude, matched below the folder the file was found from (the walk's, else the policy's when the file
    /// is in it, else the file's own): never from the file system's root, where `**/build/**` would exclude every file
    /// of a checkout that happens to sit under a folder named build.
    /// </summary>
    private bool ExcludedAnywhere(string file, string? from)
    {
        if (_anywhere.Count == 0)
        {
            return false;
        }

        var folder = from is not null && IsBelow(file, from) ? from
            : IsBelow(file, _baseDirectory) ? _baseDirectory
            : Path.GetDirectoryName(file)!;
        return !_anywhereMatcher.Match(folder, file).HasMatches;
    }

    private static bool IsBelow(string file, string folder) =>
        file.StartsWith(folder.TrimEnd('/', Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>Each path's links resolved once: exclusion and the one-path-per-file rule both ask.</summary>
    private string CanonicalOf(string path)
    {
        if (!_canonical.TryGetValue(path, out var real))
        {
            _canonical[path] = real = CanonicalPath.Of(path);
        }

        return real;
    }

    /// <summary>
    /// The excludes as patterns relative to <paramref name="root"/>, for the walk to skip what they name instead of
    /// reading through it: those inside it, and those of the form ANCESTOR/**/REST (`**/f7.txt` from the policy's
    /// folder), which under root name what **/REST names there.
    /// </summary>
    private List<string> ExcludesUnder(string root)
    {
        var prefix = FolderPrefix(root);
        var under = new List<string>();
        foreach (var e in _excludes)
        {
            var deep = e.IndexOf("/**", StringComparison.Ordinal);
            if (e.StartsWith(prefix, StringComparison.Ordinal))
            {
                under.Add(e[prefix.Length..]);
            }
            else if (deep >= 0 && (deep + 3 == e.Length || e[deep + 3] == '/') && !e[..deep].Contains(Wildcard)
                && prefix.StartsWith(e[..(deep + 1)], StringComparison.Ordinal))
            {
                under.Add("**" + e[(deep + 3)..]);
            }
        }

        // Counted apart from the excludes above, which may hold one of these too (under the policy's folder).
        under.AddRange(_anywhere);
        return under;
    }

    /// <summary>A folder as the start of the absolute, '/'-separated exclude patterns inside it ("/", "C:/", "/data/").</summary>
    private static string FolderPrefix(string folder) => folder.Replace('\\', '/').TrimEnd('/') + "/";

    /// <summary>(folder to match from, pattern relative to it): the folder named before the pattern's first wildcard.</summary>
    private (string Root, string Relative) SplitRoot(string pattern)
    {
        var segments = pattern.Replace('\\', '/').Split('/');
        var fixedCount = segments.TakeWhile(part => !part.Contains(Wildcard)).Count();
        var root = string.Join('/', segments.Take(fixedCount));
        var relative = string.Join('/', segments.Skip(fixedCount));
        if (!Path.IsPathRooted(pattern))
        {
            return (fixedCount == 0 ? _baseDirectory : Path.GetFullPath(Path.Combine(_baseDirectory, root)), relative);
        }

        return (root.Length == 0 || root.EndsWith(':') ? root + "/" : root, relative);
    }
}
