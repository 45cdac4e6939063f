using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CollapseCheck.Common;
using CollapseCheck.Diagnostics;
using CollapseCheck.Policy;

namespace CollapseCheck.Corpus;

/// <summary>
/// The policy's corpus section → documents in a deterministic order → byte budget → held-out split.
/// Text files become one document per paragraph (blank-line separated); *.jsonl and *.ndjson one per line.
/// </summary>
public static partial class CorpusLoader
{
    /// <param name="cancellation">Checked before each file, so a big corpus stops within one file's read.</param>
    /// <param name="alsoWritten">A file the command writes besides its reports (--diagnostics), left out as they are.</param>
    public static LoadedCorpus Load(CorpusPolicy policy, string baseDirectory, LineagePolicyFile? policyForLocations = null, CancellationToken cancellation = default, string? alsoWritten = null)
    {
        var at = policyForLocations?.LocationOf("corpus.include");
        var documents = new List<Document>();
        // The docs come first only when listed before every glob; otherwise after the files, which are read as one group
        // in path order: a cap (corpus.maxBytes) takes text in this order, and docs always first gave the files none.
        var docsFirst = policy.Include.TakeWhile(i => i.StartsWith("builtin:", StringComparison.Ordinal)).Any();
        var docsAfter = new List<Document>();
        string? docsAfterDescription = null;
        var files = new List<string>();
        var descriptions = new List<string>();
        var patterns = new List<CorpusPattern>();
        var problems = new List<CollapseCheckException>();
        for (var i = 0; i < policy.Include.Count; i++)
        {
            var include = policy.Include[i];
            var itemAt = policyForLocations?.LocationOf($"corpus.include[{i}]") ?? at;
            if (include.StartsWith("builtin:", StringComparison.Ordinal))
            {
                if (include != PolicyNames.DotnetDocs)
                {
                    problems.Add(Errors.UnknownValue(itemAt ?? new SourceLocation("(policy)", 1, 1), "corpus.include", include, [PolicyNames.DotnetDocs, "a glob pattern such as data/**/*.txt"]));
                    continue;
                }

                var docs = DotnetDocsCorpus.Load();
                // Beside other sources, with corpus.maxBytes left out, the docs take their default share on their own;
                // "maxBytes": null reads them whole.
                var alone = policy.DocsMaxBytes is { } own ? Budget(docs.Documents, own) : docs.Documents;
                (docsFirst ? documents : docsAfter).AddRange(alone);
                files.AddRange(docs.Files);
                var described = $"{PolicyNames.DotnetDocs} ({docs.Pack}){Cut(docs.Documents, alone, "its first", _ => true)}";
                if (docsFirst)
                {
                    descriptions.Add(described);
                }
                else
                {
                    docsAfterDescription = described;
                }
            }
            else
            {
                patterns.Add(new CorpusPattern(include, itemAt));
            }
        }

        var (leftOut, builtLeftOut, searched) = (new List<string>(), new List<string>(), new List<string>());
        var patternOf = new Dictionary<string, SourceLocation?>(StringComparer.Ordinal);
        var matched = CorpusFiles.Match(patterns, policy.Exclude, i => policyForLocations?.LocationOf($"corpus.exclude[{i}]"), baseDirectory, problems,
            policyForLocations?.SourcePath, leftOut, searched, alsoWritten, builtLeftOut, patternOf);
        if (problems.Count > 0)
        {
            throw Errors.Together(problems);
        }

        // Every bad file is reported at once, as every bad pattern is; each one's first problem (a JSONL file's first few).
        // Up to MaxBadFiles of them: a data/** over a folder of binaries would be thousands of lines, each a build error.
        var badFiles = 0;
        // Each file's documents, to say which files a cap left wholly unread.
        var fileOf = new Dictionary<Document, string>(ReferenceEqualityComparer.Instance);
        var fileNames = new List<string>();
        for (var i = 0; i < matched.Count; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            var file = matched[i];
            try
            {
                var relative = Path.GetRelativePath(baseDirectory, file).Replace('\\', '/');
                foreach (var document in Read(file, relative, policy.TextField, patternOf.GetValueOrDefault(file) ?? at))
                {
                    documents.Add(document);
                    fileOf[document] = relative;
                }

                files.Add(file);
                fileNames.Add(relative);
            }
            catch (CollapseCheckException e)
            {
                problems.AddRange(e.All);
                if (++badFiles == MaxBadFiles && i + 1 < matched.Count)
                {
                    var last = problems[^1];
                    problems[^1] = new CollapseCheckException(last.Code, $"{last.Message}; reading stopped after {MaxBadFiles} files with problems, {matched.Count - i - 1} more were not read", last.Location);
                    break;
                }
            }
        }

        if (problems.Count > 0)
        {
            throw Errors.AsFound(problems);
        }

        documents.AddRange(docsAfter);
        if (patterns.Count > 0)
        {
            descriptions.Add($"{files.Count(f => !f.EndsWith(".xml", StringComparison.Ordinal))} file(s) matching {string.Join(", ", patterns.Select(p => p.Text))}");
        }

        if (docsAfterDescription is not null)
        {
            descriptions.Add(docsAfterDescription);
        }

        if (documents.Count == 0)
        {
            throw Errors.CorpusEmpty(at, $"{string.Join(", ", policy.Include)} gave no non-blank document");
        }

        var budgeted = Budget(documents, policy.MaxBytes);
        if (Cut(documents, budgeted, "corpus.maxBytes kept", d => !fileOf.ContainsKey(d)) is { Length: > 0 } cut)
        {
            var read = budgeted.Select(d => fileOf.GetValueOrDefault(d)).ToHashSet();
            var unread = fileNames.Where(f => !read.Contains(f)).ToList();
            descriptions.Add(cut.TrimStart(',', ' ') + unread.Count switch
            {
                0 => "",
                1 => $"; nothing of '{unread[0]}' was read",
                _ => string.Create(CultureInfo.InvariantCulture, $"; nothing of {unread.Count} of the files was read, '{unread[0]}' the first"),
            });
        }

        return Split(budgeted, policy.HeldOutFraction, string.Join("; ", descriptions), files, at, documents.Count) with
        {
            LeftOut = leftOut,
            BuildOutputsLeftOut = builtLeftOut,
            SearchedFolders = searched,
            // A wildcard may match nothing yet on purpose (**/*.bak); a plain name that names nothing is likely a slip,
            // which lets in the file it meant to keep out.
            // '*' is the only wildcard; '?', '[' and '{' are characters of a name.
            ExcludesNamingNothing = [.. policy.Exclude.Where(e => !e.Contains('*', StringComparison.Ordinal) && !Path.Exists(Path.Combine(baseDirectory, e)))],
        };
    }

    /// <summary>
    /// Paragraphs are separated by blank lines, and a line of only whitespace is blank too: editors leave them, and
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

    /// <summary>
    /// What a byte cap left out, for the corpus description that the console, the report and the Markdown show: a cap
    /// that cut a user's files without a word made a lineage of half the text look like one of all of it. Empty when
    /// nothing was cut.
    /// </summary>
    /// <param name="isDocs">Whether a document is the builtin docs', which come in a fixed order by text hash, not by file.</param>
    private static string Cut(IReadOnlyList<Document> all, IReadOnlyList<Document> kept, string lead, Func<Document, bool> isDocs)
    {
        if (kept.Count == all.Count)
        {
            return "";
        }

        long Bytes(IEnumerable<Document> documents) => documents.Sum(d => (long)Encoding.UTF8.GetByteCount(d.Text));
        static string SourceOf(Document d) => d.Id.Contains('#') ? d.Id[..d.Id.LastIndexOf('#')] : d.Id;
        int Files(IEnumerable<Document> documents) => documents.Where(isDocs).Select(SourceOf).Distinct(StringComparer.Ordinal).Count();
        // "From X on" named a file the docs' hash order had sampled before and after the cut.
        var where = isDocs(all[kept.Count])
            ? string.Create(CultureInfo.InvariantCulture, $"of {PolicyNames.DotnetDocs} a fixed sample by text hash, from {Files(kept):N0} of its {Files(all):N0} files")
            : $"left out from '{SourceOf(all[kept.Count])}' on";
        return string.Create(CultureInfo.InvariantCulture,
            $", {lead} {Bytes(kept):N0} of {Bytes(all):N0} bytes ({kept.Count:N0} of {all.Count:N0} documents; {where})");
    }

    /// <summary>Documents in order while the total stays within the budget; at least one.</summary>
    private static List<Document> Budget(IReadOnlyList<Document> documents, long? maxBytes)
    {
        if (maxBytes is null)
        {
            return [.. documents];
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
    /// <param name="beforeBudget">How many documents there were before corpus.maxBytes cut them, for the advice when too few are left.</param>
    public static LoadedCorpus Split(IReadOnlyList<Document> documents, double fraction, string description, IReadOnlyList<string> files, SourceLocation? at, int? beforeBudget = null)
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
            var more = beforeBudget > documents.Count
                ? $"raise corpus.maxBytes, which keeps {documents.Count} of the {beforeBudget} documents"
                : "add text (a *.txt file is one document per blank-line separated paragraph, a *.jsonl file one per line)" + JsonAsText(files);
            var remedy = documents.Count < 3
                ? more
                : string.Create(CultureInfo.InvariantCulture, $"raise heldOutFraction to at least {Math.Ceiling(10_000.0 / documents.Count) / 10_000}, or {more}");
            throw Errors.CorpusTooSmall(at,
                $"{documents.Count} document(s) with heldOutFraction {Reporting.Numbers.Plain(fraction)} leave {train.Count} for training and {heldOut.Count} held out; both need at least one: {remedy}");
        }

        return new LoadedCorpus(train, heldOut, description, files);
    }

    /// <summary>Corpus files with problems reported before the rest are left unread.</summary>
    public const int MaxBadFiles = 20;

    private static IEnumerable<Document> Read(string file, string relative, string textField, SourceLocation? at)
    {
        if (RegularFile.BrokenLink(file) is { } broken)
        {
            throw Errors.CorpusFileUnreadable(at, file, $"{broken}; fix or remove the link, or leave it out with corpus.exclude");
        }

        if (!RegularFile.Is(file))
        {
            throw Errors.CorpusFileUnreadable(at, file, "it is not a plain file but a pipe, socket or device, whose reading may never end; exclude it with corpus.exclude");
        }

        var text = TextFile.Read(file, Errors.CorpusNotText, reason => Errors.CorpusFileUnreadable(at, file, reason), Errors.CorpusNulByte);
        return IsJsonLines(file) ? JsonLines.Read(text, file, relative, textField) : Paragraphs(text, relative);
    }

    /// <summary>One JSON record per line: *.jsonl, and *.ndjson, the same format under its other name.</summary>
    public static bool IsJsonLines(string file) =>
        file.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase);

    /// <summary>Files read as plain text although their name says JSON: records, braces and keys become training text.</summary>
    public static bool IsJsonReadAsText(string file) => file.EndsWith(".json", StringComparison.OrdinalIgnoreCase);

    /// <summary>Records saved as *.json read as one paragraph of text: the likely cause of too few documents.</summary>
    private static string JsonAsText(IReadOnlyList<string> files) =>
        files.FirstOrDefault(IsJsonReadAsText) is { } json
            ? $"; '{Path.GetFileName(json)}' is read as plain text, so for one JSON record per line name it *.jsonl"
            : "";
}
