using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CollapseCheck.Common;
using CollapseCheck.Diagnostics;
using CollapseCheck.Policy;
using Microsoft.Extensions.FileSystemGlobbing;

namespace CollapseCheck.Corpus;

/// <summary>
/// The policy's corpus section → documents in a deterministic order → byte budget → held-out split.
/// Text files become one document per paragraph (blank-line separated); *.jsonl one per line.
/// </summary>
public static partial class CorpusLoader
{
    /// <param name="cancellation">Checked before each file, so a big corpus stops within one file's read.</param>
    public static LoadedCorpus Load(CorpusPolicy policy, string baseDirectory, LineagePolicyFile? policyForLocations = null, CancellationToken cancellation = default)
    {
        var at = policyForLocations?.LocationOf("corpus.include");
        var documents = new List<Document>();
        var files = new List<string>();
        var descriptions = new List<string>();
        var patterns = new List<string>();
        var patternAt = new Dictionary<string, SourceLocation?>();
        for (var i = 0; i < policy.Include.Count; i++)
        {
            var include = policy.Include[i];
            var itemAt = policyForLocations?.LocationOf($"corpus.include[{i}]");
            if (include.StartsWith("builtin:", StringComparison.Ordinal))
            {
                if (include != PolicyNames.DotnetDocs)
                {
                    throw Errors.UnknownValue(itemAt ?? new SourceLocation("(policy)", 1, 1), "corpus.include", include, [PolicyNames.DotnetDocs, "a glob pattern such as data/**/*.txt"]);
                }

                var docs = DotnetDocsCorpus.Load();
                documents.AddRange(docs.Documents);
                files.AddRange(docs.Files);
                descriptions.Add($"{PolicyNames.DotnetDocs} ({docs.Pack})");
            }
            else
            {
                patterns.Add(include);
                patternAt[include] = itemAt;
            }
        }

        foreach (var file in Match(patterns, policy.Exclude, baseDirectory, p => patternAt.GetValueOrDefault(p) ?? at))
        {
            cancellation.ThrowIfCancellationRequested();
            var relative = Path.GetRelativePath(baseDirectory, file).Replace('\\', '/');
            if (!RegularFile.Is(file))
            {
                throw Errors.CorpusFileUnreadable(at, file, "it is not a plain file but a pipe, socket or device, whose reading may never end; exclude it with corpus.exclude");
            }

            var text = TextFile.Read(file, Errors.CorpusNotText, reason => Errors.CorpusFileUnreadable(at, file, reason));
            documents.AddRange(file.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase)
                ? JsonLines.Read(text, file, relative, policy.TextField)
                : Paragraphs(text, relative));
            files.Add(file);
        }

        if (patterns.Count > 0)
        {
            descriptions.Add($"{files.Count(f => !f.EndsWith(".xml", StringComparison.Ordinal))} file(s) matching {string.Join(", ", patterns)}");
        }

        if (documents.Count == 0)
        {
            throw Errors.CorpusEmpty(at, $"{string.Join(", ", policy.Include)} gave no non-blank document");
        }

        return Split(Budget(documents, policy.MaxBytes), policy.HeldOutFraction, string.Join("; ", descriptions), files, at);
    }

    /// <summary>Ordinal order of relative paths, so every OS and file system sees the same sequence.</summary>
    private static List<string> Match(IReadOnlyList<string> patterns, IReadOnlyList<string> exclude, string baseDirectory, Func<string, SourceLocation?> locate)
    {
        var all = new SortedSet<string>(StringComparer.Ordinal);
        // Absolute, with '/' separators: excludes are relative to the policy's folder, and patterns walk from elsewhere.
        var excludes = exclude.Select(e => Path.GetFullPath(e, baseDirectory).Replace('\\', '/')).ToList();
        // Every pattern is matched before any problem is reported, so one edit can fix them all, as for policy fields.
        var problems = new List<CollapseCheckException>();
        foreach (var pattern in patterns)
        {
            try
            {
                all.UnionWith(MatchOne(pattern));
            }
            catch (CollapseCheckException e)
            {
                problems.Add(e);
            }
        }

        if (problems.Count > 0)
        {
            throw Errors.Together(problems);
        }

        // The first path (in ordinal order) to each file, when links make several lead to it; and a file reached through
        // a link is excluded when its own path is, so `current -> 2024` cannot bring back what `2024/**` excluded.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var realBase = CanonicalPath.Of(baseDirectory);
        return all.Where(path =>
        {
            var real = CanonicalPath.Of(path);
            var own = real.StartsWith(realBase + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                ? Path.Join(baseDirectory, real[realBase.Length..])
                : real;
            return (own == path || !IsExcluded(own)) && seen.Add(real);
        }).ToList();

        List<string> MatchOne(string pattern)
        {
            var isGlob = pattern.IndexOfAny(['*', '?', '[']) >= 0;
            if (!isGlob)
            {
                var path = Path.GetFullPath(Path.Combine(baseDirectory, pattern));
                if (Directory.Exists(path))
                {
                    throw Errors.CorpusFileIsAFolder(locate(pattern), path, $"{pattern.TrimEnd('/', '\\')}/**/*.txt");
                }

                if (!File.Exists(path))
                {
                    throw Errors.CorpusFileNotFound(locate(pattern), path);
                }

                // As for a glob whose every match is excluded: naming a file and excluding it is a contradiction.
                if (IsExcluded(path))
                {
                    throw Errors.CorpusAllExcluded(locate(pattern), pattern, 1);
                }

                return [path];
            }

            // The globbing library takes patterns relative to a root: a pattern is matched from the folder before its
            // first wildcard, and the excludes (relative to the policy's folder) then file by file. Starting there, not
            // at the policy's folder, lets a named folder link lead anywhere, even to a folder it is inside (`dot -> .`),
            // where a walk from above would refuse to loop. Excludes inside that folder also go to the walk, which then
            // skips an excluded folder instead of reading through it.
            var (root, relative) = SplitRoot(pattern, baseDirectory);
            var matched = !Directory.Exists(root) ? [] : Glob(relative, ExcludesUnder(root));
            var found = matched.Where(path => !IsExcluded(path)).ToList();
            if (found.Count == 0)
            {
                var unexcluded = exclude.Count == 0 || !Directory.Exists(root) ? 0 : Glob(relative, []).Count;
                throw unexcluded > 0
                    ? Errors.CorpusAllExcluded(locate(pattern), pattern, unexcluded)
                    : Errors.CorpusNoFiles(locate(pattern), pattern, Path.IsPathRooted(pattern) ? root : baseDirectory);
            }

            return found;

            List<string> Glob(string include, IReadOnlyList<string> excluded)
            {
                var matcher = new Matcher(StringComparison.Ordinal);
                matcher.AddInclude(include);
                matcher.AddExcludePatterns(excluded);
                try
                {
                    return Execute(matcher, root).ToList();
                }
                catch (Exception e) when (e is UnauthorizedAccessException or IOException)
                {
                    throw Errors.CorpusUnreadable(locate(pattern), pattern, e.Message);
                }
            }
        }

        // A question about the path's text, answered without the file system: a walk to it from the policy's folder
        // would not enter a folder link that leads back up (`dot -> .`), though the path goes through one. Paths and
        // excludes are matched from the file system's root, so an exclude that climbs out (`../other/**`) still holds.
        bool IsExcluded(string path)
        {
            if (exclude.Count == 0)
            {
                return false;
            }

            var top = Path.GetPathRoot(path)!;
            var matcher = new Matcher(StringComparison.Ordinal);
            matcher.AddInclude("**");
            matcher.AddExcludePatterns(excludes.Select(e => e[top.Length..]));
            return !matcher.Match(top, path).HasMatches;
        }

        List<string> ExcludesUnder(string root)
        {
            var prefix = root.Replace('\\', '/').TrimEnd('/') + "/";
            return excludes.Where(e => e.StartsWith(prefix, StringComparison.Ordinal)).Select(e => e[prefix.Length..]).ToList();
        }
    }

    private static IEnumerable<string> Execute(Matcher matcher, string root) =>
        matcher.Execute(new LoopSafeDirectory(root)).Files.Select(match => Path.GetFullPath(Path.Combine(root, match.Path)));

    /// <summary>(folder to match from, pattern relative to it): the folder named before the pattern's first wildcard.</summary>
    private static (string Root, string Relative) SplitRoot(string pattern, string baseDirectory)
    {
        var segments = pattern.Replace('\\', '/').Split('/');
        var fixedCount = segments.TakeWhile(part => part.IndexOfAny(['*', '?', '[']) < 0).Count();
        var root = string.Join('/', segments.Take(fixedCount));
        var relative = string.Join('/', segments.Skip(fixedCount));
        if (!Path.IsPathRooted(pattern))
        {
            return (fixedCount == 0 ? baseDirectory : Path.GetFullPath(Path.Combine(baseDirectory, root)), relative);
        }

        return (root.Length == 0 || root.EndsWith(':') ? root + "/" : root, relative);
    }

    /// <summary>
    /// Paragraphs are separated by blank lines, and a line of only spaces or tabs is blank too: editors leave them, and
    /// a file read as one document per paragraph must not run two together because of an invisible space. Line ends
    /// are CRLF, LF or a lone CR (classic Mac), as TextReader.ReadLine has them for *.jsonl.
    /// </summary>
    public static IEnumerable<Document> Paragraphs(string text, string id)
    {
        var index = 0;
        foreach (var paragraph in BlankLine().Split(text.Replace("\r\n", "\n").Replace('\r', '\n')))
        {
            var trimmed = paragraph.Trim();
            if (trimmed.Length > 0)
            {
                yield return new Document($"{id}#{index++}", trimmed);
            }
        }
    }

    [GeneratedRegex(@"\n[^\S\n]*\n")]
    private static partial Regex BlankLine();

    /// <summary>Documents in order while the total stays within the budget; at least one.</summary>
    private static List<Document> Budget(List<Document> documents, long? maxBytes)
    {
        if (maxBytes is null)
        {
            return documents;
        }

        var taken = new List<Document>();
        long total = 0;
        foreach (var doc in documents)
        {
            var bytes = Encoding.UTF8.GetByteCount(doc.Text);
            if (taken.Count > 0 && total + bytes > maxBytes)
            {
                break;
            }

            taken.Add(doc);
            total += bytes;
        }

        return taken;
    }

    /// <summary>
    /// Document i is held out when ⌊(i+1)·f⌋ > ⌊i·f⌋: exactly ⌊N·f⌋ documents, spread evenly through the
    /// order rather than taken from one end, and independent of anything but N and f.
    /// </summary>
    public static LoadedCorpus Split(IReadOnlyList<Document> documents, double fraction, string description, IReadOnlyList<string> files, SourceLocation? at)
    {
        // In decimal: 0.29 * 100 is 28.999... in double, which would hold out one document too few.
        var f = (decimal)fraction;
        var train = new List<Document>();
        var heldOut = new List<Document>();
        for (var i = 0; i < documents.Count; i++)
        {
            (decimal.Floor((i + 1) * f) > decimal.Floor(i * f) ? heldOut : train).Add(documents[i]);
        }

        if (train.Count == 0 || heldOut.Count == 0)
        {
            // heldOutFraction stays below 0.5, so with fewer than three documents only more text helps.
            var remedy = documents.Count < 3
                ? "add text (a *.txt file is one document per blank-line separated paragraph, a *.jsonl file one per line)"
                : string.Create(CultureInfo.InvariantCulture, $"raise heldOutFraction to at least {Math.Ceiling(10_000.0 / documents.Count) / 10_000} or add text");
            throw Errors.CorpusTooSmall(at,
                $"{documents.Count} document(s) with heldOutFraction {fraction.ToString(CultureInfo.InvariantCulture)} leave {train.Count} for training and {heldOut.Count} held out; both need at least one: {remedy}");
        }

        return new LoadedCorpus(train, heldOut, description, files);
    }
}
