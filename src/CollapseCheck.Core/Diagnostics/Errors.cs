using CollapseCheck.Policy;

namespace CollapseCheck.Diagnostics;

/// <summary>
/// Every user-facing error, one factory each, so a code never changes meaning.
/// CC00xx policy file, CC001x corpus, CC002x native/device, CC003x output, CC004x command line, CC0099 internal.
/// </summary>
public static class Errors
{
    public static CollapseCheckException PolicyNotFound(string path)
    {
        // 'ok.json/' where ok.json is a file: the separator alone makes it missing, and init of that name cannot be made.
        var withoutSeparator = Path.TrimEndingDirectorySeparator(path);
        if (withoutSeparator != path && File.Exists(withoutSeparator))
        {
            return new("CC0001", $"policy file '{path}' ends in a folder separator, but '{withoutSeparator}' is a file; name it without the separator");
        }

        // A relative path names the folder it was looked for in: advice printed by a build (whose tool ran in the project's
        // folder) and pasted elsewhere failed here with no hint why.
        // The init command writes the file named, so the same command then finds it; init makes a folder of a name
        // ending in a separator or without an extension, so such a name's advice says which name to run.
        var create = path == "collapsecheck.json" ? Command("init", null)
            : withoutSeparator != path ? $"{Command("init", path)} and run {Command("run", Path.Combine(withoutSeparator, "collapsecheck.json"))}"
            : Path.HasExtension(path) ? Command("init", path)
            : $"{Command("init", path + ".json")} and run that name";
        return new("CC0001", $"policy file '{path}' was not found{(Path.IsPathRooted(path) ? "" : $" in '{Directory.GetCurrentDirectory()}'")}; create one with {create} or omit the argument to use the embedded default");
    }

    public static CollapseCheckException PolicyIsAFolder(string path) =>
        new("CC0001", $"'{path}' is a folder, not a policy file; name the policy file in it (e.g. collapsecheck.json)");

    public static CollapseCheckException PolicySyntax(SourceLocation at, string detail) =>
        new("CC0002", $"the policy is not valid JSON: {detail}", at);

    public static CollapseCheckException UnknownField(SourceLocation at, string field, string parent, IEnumerable<string> known) =>
        new("CC0003", $"unknown field '{field}' in {parent}; {Suggestion.For(field, known)}expected one of: {string.Join(", ", known)}", at);

    public static CollapseCheckException RetiredField(SourceLocation at, string field, string replacedBy) =>
        new("CC0003", $"'{field}' is no longer read: {replacedBy}; remove it", at);

    public static CollapseCheckException WrongType(SourceLocation at, string field, string expected, string actual) =>
        new("CC0004", $"'{field}' must be {expected}, but is {actual}", at);

    public static CollapseCheckException PolicyNotAnObject(SourceLocation at, string actual) =>
        new("CC0004", $"a policy is a JSON object ({{ \"lineage\": {{ … }} }}, or {{}} for every default), but this one is {actual}", at);

    public static CollapseCheckException OutOfRange(SourceLocation at, string field, string expected, string actual) =>
        new("CC0005", $"'{field}' must be {expected}, but is {actual}", at);

    public static CollapseCheckException UnknownValue(SourceLocation at, string field, string actual, IEnumerable<string> allowed) =>
        new("CC0006", $"'{field}' is '{actual}'; {Suggestion.For(actual, allowed)}expected one of: {string.Join(", ", allowed)}", at);

    public static CollapseCheckException Inconsistent(SourceLocation? at, string message) =>
        new("CC0007", message, at);

    /// <summary>
    /// <paramref name="errors"/> in file order (those without a location last, as found), the first carrying the rest:
    /// one exception, every error reported.
    /// </summary>
    public static CollapseCheckException Together(IEnumerable<CollapseCheckException> errors) =>
        AsFound(errors.OrderBy(e => e.Location is null).ThenBy(e => e.Location?.Line).ThenBy(e => e.Location?.Column));

    /// <summary><paramref name="errors"/> in the order given, the first carrying the rest: errors in several files (corpus files, in the order read).</summary>
    public static CollapseCheckException AsFound(IEnumerable<CollapseCheckException> errors)
    {
        var ordered = errors.ToList();
        return ordered.Count == 1 ? ordered[0] : new(ordered[0].Code, ordered[0].Message, ordered[0].Location) { AlsoFound = ordered.Skip(1).ToList() };
    }

    public static CollapseCheckException CorpusNoFiles(SourceLocation? at, string pattern, string baseDirectory) =>
        new("CC0010", $"corpus pattern '{pattern}' matched no files under '{baseDirectory}'{OtherWildcards(pattern)}", at);

    public static CollapseCheckException CorpusAllExcluded(SourceLocation? at, string pattern, int matched) =>
        new("CC0010", $"corpus pattern '{pattern}' matched {matched} file(s), but corpus.exclude removed every one", at);

    public static CollapseCheckException CorpusOnlyOwnOutputs(SourceLocation? at, string pattern, int matched) =>
        new("CC0010", $"corpus pattern '{pattern}' matched only collapsecheck's own outputs ({matched} file(s): reports, snapshots, the policy file or a folder tagged as a cache), which are never read as corpus", at);

    public static CollapseCheckException CorpusOnlyBuildOutputs(SourceLocation? at, string pattern, int matched, string example) =>
        new("CC0010", $"corpus pattern '{pattern}' matched only build outputs ({matched} file(s), such as '{example}'), which a wildcard never reads: bin/ and obj/ beside a project file, artifacts/ beside a Directory.Build.props; to read such a folder, name it before the wildcard (`obj/notes/**/*.txt`)", at);

    public static CollapseCheckException CorpusBadPattern(SourceLocation? at, string field, string pattern, string reason) =>
        new("CC0010", $"{field} pattern '{pattern}' cannot be matched: {(reason.Contains("\"..\"", StringComparison.Ordinal) ? DotDotRule(field) : reason.TrimEnd('.'))}", at);

    // An include's folders before its first wildcard are a path, where '..' is fine; an exclude is matched whole.
    private static string DotDotRule(string field) =>
        field == "corpus.include" ? "'..' may only come before the first wildcard" : "'..' may only start an exclude pattern";

    public static CollapseCheckException CorpusFileNotFound(SourceLocation? at, string path) =>
        new("CC0011", $"corpus file '{path}' was not found{OtherWildcards(path)}", at);

    /// <summary>A hint for a pattern written with another glob syntax's wildcards, which match themselves here.</summary>
    private static string OtherWildcards(string pattern) =>
        pattern.IndexOfAny(['?', '[', '{']) >= 0 ? " (a corpus glob's only wildcards are * and **: ?, [ ] and { } match themselves)" : "";

    public static CollapseCheckException CorpusFileIsAFolder(SourceLocation? at, string path, string glob) =>
        new("CC0011", $"corpus file '{path}' is a folder; name its files with a pattern such as '{glob}'", at);

    public static CollapseCheckException CorpusEmpty(SourceLocation? at, string detail) =>
        new("CC0012", $"the corpus holds no text: {detail}", at);

    /// <summary>Generation 0's sample is a single token type: no entropy or diversity for the gate's ratios to start from.</summary>
    public static CollapseCheckException SamplerDegenerate(LineagePolicyFile policy) =>
        new("CC0008", "generation 0's sample holds a single token type (entropy 0 bits), so there is no entropy or diversity to measure a loss of; loosen lineage.sampling (a higher temperature, topK or topP, a longer maxLength)",
            policy.LocationOf("lineage.sampling") ?? policy.LocationOf("lineage"));

    /// <summary>A lineage's sampler (the model's or the theory's count model) that only repeats itself: see <see cref="Common.SamplingStalledException"/>.</summary>
    public static CollapseCheckException SamplerStalled(LineagePolicyFile policy, Common.SamplingStalledException e)
    {
        var lineage = policy.Lineage;
        var (advice, field) = e.OnlyEmpty
            ? ("loosen lineage.sampling (a higher temperature, topK or topP) so that a document can get past its first token", "lineage.sampling")
            : ("with dedupe, a narrow sampler (low temperature, small topK or topP, short maxLength) runs out of distinct documents; loosen lineage.sampling, lower lineage.syntheticTokensPerGeneration, or turn lineage.filters.dedupe off", "lineage.filters.dedupe");
        return new("CC0008", $"the sampler cannot produce the {lineage.SyntheticTokensPerGeneration} synthetic tokens per generation this policy asks for: {e.Message}; {advice}",
            policy.LocationOf(field) ?? policy.LocationOf("lineage"), e);
    }

    public static CollapseCheckException CorpusBadRecord(SourceLocation at, string detail) =>
        new("CC0013", detail, at);

    public static CollapseCheckException CorpusTooSmall(SourceLocation? at, string detail) =>
        new("CC0014", $"the corpus is too small for this policy: {detail}", at);

    public static CollapseCheckException DotnetDocsNotFound(string searched) =>
        new("CC0015", $"builtin:dotnet-docs needs the .NET SDK's reference packs (packs/Microsoft.NETCore.App.Ref/*/ref/net*/*.xml); none found under {searched}. Install the .NET SDK, set DOTNET_ROOT, or point 'corpus.include' at text files");

    /// <param name="marked">The encoding the file's byte-order mark names, or null for none (read as UTF-8).</param>
    public static CollapseCheckException CorpusNotText(SourceLocation at, string? marked) =>
        new("CC0017", marked is null
            ? "the corpus file is not text here: neither UTF-8 nor UTF-16/UTF-32 with a byte-order mark; save it as UTF-8, or leave it out with corpus.exclude"
            : $"the corpus file {NotAsMarked(marked)}; save it again as UTF-8, or leave it out with corpus.exclude", at);

    public static CollapseCheckException CorpusNulByte(SourceLocation at) =>
        new("CC0017", "the corpus file has a NUL byte here, which text does not: it looks like UTF-16 or UTF-32 saved without a byte-order mark, or binary data; save it as UTF-8 (or with a byte-order mark), or leave it out with corpus.exclude", at);

    /// <param name="marked">As for <see cref="CorpusNotText"/>.</param>
    public static CollapseCheckException PolicyNotText(SourceLocation at, string? marked) =>
        PolicySyntax(at, marked is null ? "the file is not UTF-8 text; save it as UTF-8" : $"the file {NotAsMarked(marked)}; save it as UTF-8");

    public static CollapseCheckException PolicyNulByte(SourceLocation at) =>
        PolicySyntax(at, "the file has a NUL byte here, which JSON text does not: it looks like UTF-16 saved without a byte-order mark, or not text at all; save it as UTF-8");

    private static string NotAsMarked(string marked) => $"is not valid {marked} here, although its byte-order mark says {marked}";

    public static CollapseCheckException CorpusFileUnreadable(SourceLocation? at, string path, string reason) =>
        new("CC0018", $"corpus file '{path}' could not be read: {reason}", at);

    public static CollapseCheckException PolicyUnreadable(string path, string reason) =>
        new("CC0001", $"policy file '{path}' could not be read: {reason}");

    public static CollapseCheckException CorpusUnreadable(SourceLocation? at, string pattern, string detail) =>
        new("CC0016", $"corpus pattern '{pattern}' could not be searched: {detail.TrimEnd('.')}; narrow it to the folders that hold the text", at);

    /// <param name="restoreFailure">Why the automatic restore of the package failed, when it was tried.</param>
    public static CollapseCheckException LibTorchNotFound(string searched, string? restoreFailure = null) =>
        new("CC0020", $"libtorch was not found (searched: {searched}){(restoreFailure is null ? "" : $"; restoring the 'libtorch-cpu-linux-x64' package failed: {restoreFailure}")}; restore the 'libtorch-cpu-linux-x64' package, or pass --libtorch DIR / set COLLAPSECHECK_LIBTORCH to a PyTorch install's torch/lib folder");

    /// <summary>No NuGet package folder to look in or restore to: a service account without a home folder.</summary>
    public static CollapseCheckException LibTorchNoPackageFolder(string searched) =>
        new("CC0020", $"libtorch was not found (searched: {searched}), and NuGet's package cache has no folder: HOME names none that exists and NUGET_PACKAGES is not set; set NUGET_PACKAGES to an absolute folder (or HOME to an existing one) and the package is restored there, or pass --libtorch DIR / set COLLAPSECHECK_LIBTORCH to a PyTorch install's torch/lib folder");

    /// <summary>--libtorch or COLLAPSECHECK_LIBTORCH given but unusable: restoring the package is not the advice then.</summary>
    public static CollapseCheckException LibTorchFolderUnusable(string source, string folder, string what) =>
        new("CC0020", $"{source} points at '{folder}', which {what}; point it at a folder that holds libtorch.so, such as a PyTorch install's torch/lib, or leave it out to use the packaged CPU build");

    public static CollapseCheckException NativeIncompatible(string detail) =>
        new("CC0021", detail);

    public static CollapseCheckException CudaUnavailable(string detail) =>
        new("CC0022", $"--device cuda was requested but CUDA is not available: {detail}. Use --device cpu, or --libtorch DIR (or COLLAPSECHECK_LIBTORCH=DIR) with a CUDA build of libtorch, such as a PyTorch install's torch/lib");

    /// <summary>libtorch could not allocate what the policy's model and batch need, on the CPU or the GPU.</summary>
    public static CollapseCheckException OutOfMemory(SourceLocation? at, string device, string detail) =>
        new("CC0023", $"the policy's model and batch do not fit in the {device}'s memory ({detail}); lower training.batch, model.context, model.width or model.layers (activations grow with batch × context × (width × layers + vocabulary), parameters with layers × width²), or use a device with more memory", at);

    public static CollapseCheckException OutputNotWritable(string path, string detail) =>
        new("CC0030", $"cannot write to '{path}': {detail}");

    /// <summary>
    /// A run's report that is not JSON (truncated, edited); a snapshot that is not is <see cref="SnapshotUnreadable"/>.
    /// The output folder is not committed, so the way back is the run that writes it.
    /// </summary>
    /// <param name="policy">The policy the report is of, for the command that makes it again (null: the embedded default's).</param>
    public static CollapseCheckException ReportUnreadable(SourceLocation at, string detail, string? policy = null) =>
        new("CC0031", $"not a valid report: {detail}; run {Command("run", policy)} again, which writes it anew", at);

    /// <summary>
    /// accept's received report that is not JSON: verify wrote it from the run's report, so verify writes it again
    /// (run alone does not touch it).
    /// </summary>
    public static CollapseCheckException ReceivedUnreadable(SourceLocation at, string detail, string? policy) =>
        new("CC0031", $"not a valid report: {detail}; run {Command("verify", policy)} again, which writes the received files anew from the run's report", at);

    /// <summary>The code of <see cref="BadArgument"/>: the CLI adds its usage hint to these.</summary>
    public const string BadArgumentCode = "CC0040";

    public static CollapseCheckException BadArgument(string detail) =>
        new(BadArgumentCode, detail);

    /// <summary>A gate check that did not hold; CC1xxx, so exit code 1.</summary>
    public static CollapseCheckException GateFailed(string code, SourceLocation? at, string message) =>
        new(code, message, at);

    /// <param name="receivedMarkdown">What to review: a build shows this line, not the tool's diff.</param>
    public static CollapseCheckException SnapshotMismatch(SourceLocation at, string detail, string receivedMarkdown, string? policy) =>
        new("CC2001", $"the report differs from the verified snapshot: {detail}; review '{receivedMarkdown}' and, if the change is intended, run {AcceptCommand(policy)}", at);

    /// <summary>At the policy, a file of the repository (a CI annotation on the received report, which is not, shows nowhere); else at the received report.</summary>
    public static CollapseCheckException SnapshotMissing(string verified, string received, string? policy) =>
        new("CC2002", $"there is no verified snapshot '{verified}'; review '{received}' and run {AcceptCommand(policy)} to make it the snapshot",
            new SourceLocation(policy ?? received, 1, 1));

    public static CollapseCheckException ReceivedIncomplete(string receivedMarkdown, string? policy) =>
        new("CC2003", $"the received Markdown '{receivedMarkdown}' is missing, and a JSON snapshot alone would sit beside a Markdown one no run wrote; run {Command("verify", policy)} again, which writes both");

    public static CollapseCheckException ReceivedTorn(string leftover, string? policy) =>
        new("CC2003", $"the received files may be torn: a verify was stopped while it wrote them (it left '{Path.GetFileName(leftover)}'), so the JSON and the Markdown may come from different runs; run {Command("verify", policy)} again, which writes both");

    public static CollapseCheckException NothingToAccept(string received, string? policy) =>
        new("CC2003", $"there is nothing to accept: '{received}' does not exist; run {Command("verify", policy)} first");

    public static CollapseCheckException ReportMissing(string path, string? policy) =>
        new("CC2004", $"there is no report at '{path}' to verify; run {Command("run", policy)} (or 'run --verify') first, or pass the --out the run wrote to");

    public static CollapseCheckException ReportTorn(string folder, string leftover, string? policy) =>
        new("CC2004", $"the report in '{folder}' may be torn: a run was stopped while it replaced the files there one by one (it left '{Path.GetFileName(leftover)}'), so some may be that run's and some an earlier one's; run {Command("run", policy)} (or 'run --verify') again, which writes the whole set and removes what it left");

    public static CollapseCheckException ReportIncomplete(string markdownPath, string? policy) =>
        new("CC2004", $"the report's Markdown '{markdownPath}' is missing or not a file (a run writes it beside the JSON); run {Command("run", policy)} (or 'run --verify') again");

    /// <summary>A committed snapshot that is not a report (a merge conflict, a bad hand edit): the received one replaces it on accept.</summary>
    public static CollapseCheckException SnapshotUnreadable(SourceLocation at, string detail, string received, string? policy) =>
        new("CC2006", $"the verified snapshot is not a report: {detail}; the current report is in '{received}': review it and run {AcceptCommand(policy)} to make it the snapshot, or restore the snapshot from version control", at);

    /// <param name="option">The command-line option that overrides <paramref name="field"/>, if any.</param>
    public static CollapseCheckException ReportStale(SourceLocation? at, string report, string field, string inReport, string inPolicy, string? policy, string? option) =>
        new("CC2005", $"the report '{report}' was made with another policy{(inReport == "(absent)" ? " or by an earlier collapsecheck that did not record it" : "")}: {field} is {inReport} there and {inPolicy} here; run {Command("run", policy)} again{(option is null ? "" : $" (if that run's {inReport} came from {option} rather than the policy, a build that always passes it verifies with {Command("run", policy, extra: $"--verify {option} {inReport}")})")}", at);

    public static CollapseCheckException ReportOfNamedPolicy(string report, string source) =>
        new("CC2005", $"the report '{report}' was made with {source}, and without a policy argument verify checks the embedded default's; pass the policy: {Command("verify", source)}");

    /// <summary>
    /// The command to type, in quotes, with the policy argument the user gave (none: the default), so advice works as
    /// typed; <paramref name="local"/> for a local tool (default: as this one was started).
    /// </summary>
    public static string Command(string verb, string? policy, bool? local = null, string? extra = null) =>
        $"'{(local ?? ToolInvocation.IsLocalTool ? "dotnet " : "")}collapsecheck {verb}{(policy is null ? "" : " " + ShellWord.Of(policy))}{(extra is null ? "" : " " + extra)}'";

    /// <summary>
    /// accept, the way out of every snapshot failure: a build runs the tool out of sight, so unless this one is known to
    /// be a local tool, both spellings.
    /// </summary>
    private static string AcceptCommand(string? policy) => ToolInvocation.IsLocalTool
        ? Command("accept", policy)
        : $"{Command("accept", policy)} ({Command("accept", policy, local: true)} for a local tool)";

    /// <summary>
    /// A command a signal stopped, for --diagnostics only (the console has its own line): a build reading the file then
    /// names the signal (<paramref name="cause"/>: "SIGTERM", "Ctrl+C (SIGINT)", or the end of the build that started
    /// the tool) rather than guessing why the tool ended without an error.
    /// </summary>
    public static CollapseCheckException Stopped(string cause, int exitCode, string message) =>
        new("CC0060", $"stopped by {cause}, exit code {exitCode}: {(message.StartsWith("collapsecheck: ", StringComparison.Ordinal) ? message["collapsecheck: ".Length..] : message)}");

    /// <summary>run would rename a report onto a folder: refused before training.</summary>
    public static CollapseCheckException ReportPathIsAFolder(string path) =>
        new("CC0030", $"'{path}' is a folder where run writes a report file; remove or rename it, or pass -o DIR for another output folder");

    /// <summary>accept would replace a folder with a file: refused before anything moves, so the snapshot stays a pair.</summary>
    public static CollapseCheckException SnapshotPathIsAFolder(string path) =>
        new("CC0030", $"'{path}' is a folder where accept writes a snapshot file; remove or rename it, then accept again");

    /// <summary>Not the user's fault: a bug. The inner exception keeps the stack for the report.</summary>
    public static CollapseCheckException Internal(Exception inner) =>
        new("CC0099", $"internal error, please report it with the output of {Command("doctor", null)}: {inner}", inner: inner);
}
