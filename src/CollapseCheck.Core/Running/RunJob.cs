using System.Diagnostics;
using CollapseCheck.Corpus;
using CollapseCheck.Diagnostics;
using CollapseCheck.Gate;
using CollapseCheck.Lineage;
using CollapseCheck.Native;
using CollapseCheck.Policy;
using CollapseCheck.Reporting;
using CollapseCheck.Theory;
using CollapseCheck.Training;

namespace CollapseCheck.Running;

/// <param name="PolicyPath">collapsecheck.json, or null for the embedded default.</param>
/// <param name="OutputFolder">Where reports go; null: <see cref="RunJob.DefaultOutputFolder"/>.</param>
/// <param name="Tolerance">Overrides gate.tolerance (the MSBuild property CollapseCheckTolerance).</param>
/// <param name="CacheFolder">Where finished generations are kept between CPU runs; null: none (every generation is computed).</param>
public sealed record RunOptions(string? PolicyPath, string? OutputFolder, string Device = "auto", int? Seed = null, string? LibTorch = null, double? Tolerance = null, string? CacheFolder = null)
{
    /// <summary>A file the command writes besides the reports (its --diagnostics), which the corpus must not read.</summary>
    public string? AlsoWritten { get; init; }
}

/// <param name="CacheNotWritten">Why finished generations could not be cached (a read-only --cache folder), or null.</param>
/// <param name="ToleranceOverridden">gate.tolerance came from --tolerance (CollapseCheckTolerance), not the file.</param>
/// <param name="ReplacedReportsOf">Another policy file whose reports the output folder held before this run replaced them, or null.</param>
public sealed record RunOutcome(LineagePolicyFile Policy, LineageReport Report, RunManifest Manifest, string OutputFolder, IReadOnlyList<string> Files,
    string? CacheNotWritten = null, bool ToleranceOverridden = false, string? ReplacedReportsOf = null)
{
    public GateVerdict Verdict => Report.Gate;

    /// <summary>
    /// Each gate failure as a diagnostic at the policy field it concerns (exit code 1). A threshold from a gate section
    /// the file leaves out (the default tolerance) is reported at the lineage that degraded instead of the file's start.
    /// </summary>
    public IReadOnlyList<CollapseCheckException> Failures =>
        Verdict.Failures.Select(f => Errors.GateFailed(f.Code, LocationOf(Policy, f), ToleranceOverridden && f.PolicyField == "gate.tolerance"
            // Located at the file's gate.tolerance, which holds another value: say where the one used came from.
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{f.Message} (tolerance {Policy.Gate.Tolerance} from --tolerance, not this line's)")
            : f.Message)).ToList();

    public static SourceLocation? LocationOf(LineagePolicyFile policy, GateFailure failure) =>
        policy.WrittenLocationOf(failure.PolicyField) ?? policy.LocationOf("lineage.mode");
}

/// <summary>`collapsecheck run`: policy → corpus → lineage → reports. Nothing is written unless everything before succeeded.</summary>
public static partial class RunJob
{
    public const string ReportFile = "collapsecheck-report.json";
    public const string MarkdownFile = "collapsecheck-report.md";
    public const string ChartFile = "collapsecheck-report.svg";
    public const string ManifestFile = "collapsecheck-run.json";

    public static LineagePolicyFile LoadPolicy(string? path) => path is null ? PolicyLoader.Default : PolicyLoader.Load(path);

    /// <summary>
    /// Relative corpus patterns, snapshots and the default output all live beside the policy (or in the current folder,
    /// for the embedded default and a policy piped in, whose /dev/fd is no folder of the user's).
    /// </summary>
    public static string PolicyFolder(string? policyPath) =>
        policyPath is null || IsPiped(policyPath) ? Directory.GetCurrentDirectory() : Path.GetDirectoryName(Path.GetFullPath(policyPath))!;

    /// <summary>
    /// A policy read from a stream the shell made (/dev/stdin, &lt;(jq …) as /dev/fd/63, /proc/self/fd/0): it has no folder
    /// of its own for reports or snapshots. Known by its path: `&lt; policy.json` makes /dev/stdin a link to a plain file
    /// (whose folder is still not the one the user meant), and macOS has no /proc to ask. Only the streams' own paths: a
    /// policy kept in /dev/shm, a RAM disk CI jobs use, is a file in a folder like any other.
    /// </summary>
    public static bool IsPiped(string? policyPath) =>
        policyPath is not null && !OperatingSystem.IsWindows() && StreamPath().IsMatch(Path.GetFullPath(policyPath));

    /// <summary>A piped policy as the user knows it: '-' and /dev/stdin are both standard input; a shell's &lt;(…) is its path.</summary>
    public static string PipeName(string policyPath) => policyPath == "/dev/stdin" ? "standard input" : $"'{policyPath}'";

    [System.Text.RegularExpressions.GeneratedRegex(@"^(?:/dev/(?:stdin|fd/\d+)|/proc/(?:self|thread-self|\d+)/fd/\d+)$")]
    private static partial System.Text.RegularExpressions.Regex StreamPath();

    /// <summary>collapsecheck-out beside the policy (a.collapsecheck-out for a.json): see <see cref="OwnName"/>.</summary>
    public static string DefaultOutputFolder(string? policyPath) => Path.Combine(PolicyFolder(policyPath), OwnName(policyPath, "collapsecheck-out"));

    /// <summary>
    /// <paramref name="name"/> for collapsecheck.json (or the embedded default), NAME.<paramref name="name"/> for a policy
    /// NAME.json: the outputs and snapshots of policies that share a folder stay apart.
    /// </summary>
    public static string OwnName(string? policyPath, string name)
    {
        var stem = policyPath is null ? "collapsecheck" : Path.GetFileNameWithoutExtension(policyPath);
        return stem == "collapsecheck" ? name : $"{stem}.{name}";
    }

    /// <summary>
    /// CC0040 for a.jsonc beside a.json: outputs and snapshots are named after the name without its extension, so one's
    /// run would replace the other's reports and its accept the other's snapshot, without a word.
    /// </summary>
    private static void ThrowIfNamesShared(string? policyPath)
    {
        if (policyPath is null || IsPiped(policyPath))
        {
            return;
        }

        var stem = Path.GetFileNameWithoutExtension(policyPath);
        var itself = CanonicalPath.Of(Path.GetFullPath(policyPath));
        // Any case of .json or .jsonc (a.JSON beside a.json on Linux too); not the policy itself, under another case
        // where the file system ignores it, or reached through a link.
        string[] siblings;
        try
        {
            siblings = Directory.GetFiles(PolicyFolder(policyPath), stem + ".*");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A folder that can be read through but not listed: its other names are not the tool's to find.
            return;
        }

        if (siblings.Where(f => Path.GetFileNameWithoutExtension(f) == stem && Path.GetExtension(f).ToLowerInvariant() is ".json" or ".jsonc")
            .FirstOrDefault(f => !string.Equals(CanonicalPath.Of(f), itself, CanonicalPath.Comparison)) is { } other)
        {
            throw Errors.BadArgument($"{Path.GetFileName(other)} beside {Path.GetFileName(policyPath)} shares its report and snapshot names ({OwnName(policyPath, "collapsecheck-report")}.*), so each would replace the other's; rename one of the two");
        }
    }

    /// <summary>
    /// The policy file whose reports <paramref name="folder"/> holds, when it is another one that still exists: two
    /// projects or two commands given one -o, which replace each other's reports, so each verify may read the other's
    /// (CC2005). Null when the folder holds this policy's reports, none, or those of a file since moved or piped in.
    /// Read while this run holds the folder's lock, so a build that ran beside it, and wrote first, is the one named.
    /// </summary>
    private static string? OtherPolicyReportedIn(string folder, string? policyPath)
    {
        try
        {
            var manifest = Path.Combine(folder, ManifestFile);
            if (!File.Exists(manifest))
            {
                return null;
            }

            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(manifest));
            if (!json.RootElement.TryGetProperty("policyPath", out var recorded) || recorded.ValueKind != System.Text.Json.JsonValueKind.String
                || recorded.GetString() is not { } other || IsPiped(other) || !File.Exists(other))
            {
                return null;
            }

            // The same file by another spelling of its folder is this policy; one shared policy linked into two projects
            // is two, since each project's reports belong beside its own link.
            static string Spelled(string path) => Path.Combine(CanonicalPath.Of(Path.GetDirectoryName(Path.GetFullPath(path))!), Path.GetFileName(path));
            return policyPath is not null && string.Equals(Spelled(other), Spelled(policyPath), CanonicalPath.Comparison)
                ? null
                : other;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            // An unreadable or torn manifest says nothing about whose reports these are; the run replaces it either way.
            return null;
        }
    }

    /// <summary>The policy.source of the report in <paramref name="folder"/>, if there is a readable one.</summary>
    private static string? PolicyOfReportIn(string folder)
    {
        try
        {
            var report = Path.Combine(folder, ReportFile);
            return File.Exists(report) ? Snapshots.SnapshotJson.PolicySourceOf(File.ReadAllText(report)) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>The policy with training.seed set to --seed, when given; refused when the last lineage's seed would overflow.</summary>
    public static LineagePolicyFile WithSeed(LineagePolicyFile policy, int? seed)
    {
        if (seed is not { } first)
        {
            return policy;
        }

        if (first < 0)
        {
            throw Errors.BadArgument($"--seed must be 0 or more, but is {first}");
        }

        if (first + (long)policy.Gate.Seeds - 1 > int.MaxValue)
        {
            throw Errors.BadArgument($"--seed {first} with gate.seeds {policy.Gate.Seeds}: the lineages train with seeds --seed, --seed + 1, …, and the last would be above {int.MaxValue}");
        }

        return policy with { Training = policy.Training with { Seed = first } };
    }

    private static void ThrowIfTooBigToTrain(LineagePolicyFile policy, PreparedCorpus corpus, TorchSharp.torch.Device device)
    {
        var m = policy.Model;
        var model = new Modeling.GptConfig(corpus.Tokenizer.VocabularySize, m.Layers, m.Width, m.Heads, m.Context);
        var activations = Training.TrainingMemory.ActivationBytes(model, policy.Training.Batch, policy.Training.Precision == "bf16");
        var state = Training.TrainingMemory.ParameterStateBytes(model);
        var available = Training.TrainingMemory.AvailableBytes();
        // The GPU's memory is not known here; CUDA's own out-of-memory error is raised in time and caught as CC0023.
        if (device.type == TorchSharp.DeviceType.CPU && activations + state > available)
        {
            // At what holds the most: a batch too big, or a model too big whatever the batch.
            throw Errors.OutOfMemory(policy.LocationOf(state > activations ? "model.width" : "training.batch"), "CPU", string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"one training step holds at least {(activations + state) / (1L << 30):N1} GiB: {activations / (1L << 30):N1} GiB of activations for batch {policy.Training.Batch}, context {m.Context}, width {m.Width}, layers {m.Layers} and {corpus.Tokenizer.VocabularySize} token ids, and {state / (1L << 30):N1} GiB of weights, gradients and AdamW state for {state / 16:N0} or more parameters; this machine (or its container) has {available / (double)(1L << 30):N1} GiB of memory"));
        }
    }

    /// <summary>libtorch's allocation failure (CPU: "can't allocate memory: you tried to allocate N bytes"; CUDA: "out of memory"), as its first line.</summary>
    internal static string? OutOfMemory(Exception e)
    {
        if (e is OutOfMemoryException)
        {
            return e.Message;
        }

        if (e is not System.Runtime.InteropServices.ExternalException)
        {
            return null;
        }

        var first = e.Message.Split('\n')[0].Trim();
        var at = first.IndexOf("can't allocate memory", StringComparison.Ordinal) is >= 0 and var i ? i : first.IndexOf("out of memory", StringComparison.OrdinalIgnoreCase);
        return at < 0 ? null : first[at..].Trim().TrimEnd('.');
    }

    /// <param name="alsoWritten">A file the command writes besides the reports (its --diagnostics): left out like them.</param>
    public static PreparedCorpus PrepareCorpus(LineagePolicyFile policy, string? policyPath, ILineageProgress? progress = null, CancellationToken cancellation = default, string? alsoWritten = null)
    {
        progress?.Preparing("reading the corpus");
        var loaded = CorpusLoader.Load(policy.Corpus, PolicyFolder(policyPath), policy, cancellation, alsoWritten);
        if (loaded.LeftOut.Count > 0)
        {
            progress?.Preparing($"left out {loaded.LeftOut.Count} of collapsecheck's own files that the corpus patterns matched (reports, snapshots, the policy, a tagged cache), e.g. '{Path.GetRelativePath(PolicyFolder(policyPath), loaded.LeftOut[0])}'");
        }

        if (loaded.BuildOutputsLeftOut.Count > 0)
        {
            progress?.Preparing($"left out {loaded.BuildOutputsLeftOut.Count} file(s) in build output folders that the corpus patterns matched (bin/ and obj/ beside a project file, artifacts/ beside a Directory.Build.props), e.g. '{Path.GetRelativePath(PolicyFolder(policyPath), loaded.BuildOutputsLeftOut[0])}'");
        }

        foreach (var exclude in loaded.ExcludesNamingNothing)
        {
            progress?.Preparing($"corpus.exclude '{exclude}' names no file or folder in '{PolicyFolder(policyPath)}', so it leaves nothing out (a slip of a name?)");
        }

        // Read as text on purpose (a .json file is one document, not records), but said: the model then learns braces
        // and keys, and nothing else in the run shows it.
        if (loaded.Files.Where(CorpusLoader.IsJsonReadAsText).ToList() is [var json, ..] jsonFiles)
        {
            progress?.Preparing($"read {jsonFiles.Count} *.json file(s) as plain text, braces and keys included, e.g. '{Path.GetRelativePath(PolicyFolder(policyPath), json)}'; for one JSON record per line name them *.jsonl");
        }

        progress?.Preparing($"tokenizing {loaded.Train.Count + loaded.HeldOut.Count} documents");
        return PreparedCorpus.Prepare(policy, loaded, cancellation, progress is null ? null : (done, total) => progress.PreparingAdvanced(done, total, "document passes"));
    }

    public static PolicyTheory PredictTheory(LineagePolicyFile policy, PreparedCorpus corpus, ILineageProgress? progress = null, CancellationToken cancellation = default)
    {
        return PolicyTheory.For(policy, corpus, cancellation, progress is null ? null : (done, total) => progress.PreparingAdvanced(done, total, "surrogate generations"),
            progress is null ? null : what => progress.Preparing("the theory: " + what));
    }

    public static RunOutcome Execute(RunOptions options, ILineageProgress? progress = null, CancellationToken cancellation = default)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var policy = LoadPolicy(options.PolicyPath);
        if (IsPiped(options.PolicyPath) && options.OutputFolder is null)
        {
            // Beside it would be /dev: refused up front, not found unwritable (or, as root, written there) after training.
            throw Errors.BadArgument($"the policy comes from {PipeName(options.PolicyPath!)}, a pipe, which has no folder for its reports beside it: pass -o DIR");
        }

        // Overrides become part of the policy the report echoes, so `verify` sees a report made with them as another
        // policy's (CC2005) instead of comparing it with a snapshot made without them.
        if (options.Tolerance is { } tolerance)
        {
            policy = policy with { Gate = policy.Gate with { Tolerance = tolerance } };
        }

        policy = WithSeed(policy, options.Seed);

        // Before the corpus: a read-only output folder, a wrong --libtorch or a missing GPU is found in a second, not
        // after minutes of reading and training; and the checks that need no libtorch before the one that may restore
        // it (600 MB on a fresh machine, which a typo in -o used to cost).
        var folder = Path.GetFullPath(options.OutputFolder ?? DefaultOutputFolder(options.PolicyPath));
        AtomicFile.ThrowIfNotWritable(folder);
        if (new[] { ReportFile, MarkdownFile, ChartFile, ManifestFile }.Select(name => Path.Combine(folder, name)).FirstOrDefault(Directory.Exists) is { } inTheWay)
        {
            // It passes the writability probe, and the rename into its place failed only after training.
            throw Errors.ReportPathIsAFolder(inTheWay);
        }
        if (options.PolicyPath is null && options.OutputFolder is null && PolicyOfReportIn(folder) is { } other && other != ReportBuilder.EmbeddedSource)
        {
            // The embedded default and ./collapsecheck.json share collapsecheck-out: a bare `run` beside a policy (a slip,
            // which the tool already names) would replace that policy's reports, and its verify would then fail.
            throw Errors.BadArgument($"'{folder}' holds the reports of {other}, which the embedded default would replace; pass {other} to run that policy, or -o DIR for the default's reports");
        }

        ThrowIfNamesShared(options.PolicyPath);
        var device = ComputeDevice.Resolve(options.Device, options.LibTorch);

        // Tagged before the corpus is read, so a glob over a checkout that holds the cache leaves it out (OwnOutputs).
        var cache = options.CacheFolder is null || device.type != TorchSharp.DeviceType.CPU ? null : new GenerationCache(options.CacheFolder);
        cache?.TagIfPresent();

        // Loading, tokenizing and the theory's Monte Carlo take seconds on big corpora: each stops partway on Ctrl+C.
        var corpus = PrepareCorpus(policy, options.PolicyPath, progress, cancellation, options.AlsoWritten);
        // Every held-out token but the first is scored. A cap above that is no error (the split is what it is), but it
        // should not pass unseen; a split below the cap's own floor is: a dozen paragraphs held out 9 tokens, whose
        // perplexity failed the gate on noise.
        if (corpus.HeldOut.Length - 1 < PolicyLoader.MinHeldOutTokens)
        {
            throw Errors.CorpusTooSmall(policy.LocationOf("corpus.heldOutFraction"),
                $"the held-out split has {Math.Max(0, corpus.HeldOut.Length - 1)} tokens to score, fewer than {PolicyLoader.MinHeldOutTokens} (evaluation.heldOutTokens' floor), whose perplexity would be noise; add text or raise corpus.heldOutFraction");
        }

        if (policy.Evaluation.HeldOutTokens is { } asked && corpus.HeldOut.Length - 1 < asked)
        {
            progress?.Preparing($"evaluation.heldOutTokens asks for {asked} tokens; the held-out split has {corpus.HeldOut.Length - 1} to score, so all of them are scored");
        }

        ThrowIfTooBigToTrain(policy, corpus, device);
        var theory = PredictTheory(policy, corpus, progress, cancellation);
        var seed = policy.Training.Seed;
        var results = new List<LineageResult>();
        var finished = new FinishedGenerations(progress);
        var runners = new List<LineageRunner>();
        try
        {
            for (var i = 0; i < policy.Gate.Seeds; i++)
            {
                finished.LineageStarted(seed + i, i, policy.Gate.Seeds);
                runners.Add(new LineageRunner(policy, corpus, device, finished, cache));
                results.Add(runners[^1].Run(seed + i, cancellation));
            }

            // A signal during the last generation: it is cached, so say so, as for any other.
            cancellation.ThrowIfCancellationRequested();
        }
        // A rerun resumes after the generations the cache holds; one it could not write says so, as the user who stops a
        // long run to fix something expects to resume it.
        catch (OperationCanceledException e) when (cache is not null && finished.Count > 0)
        {
            throw new LineageCancelledException(runners.Sum(r => r.CachedPrefix), NotCached(cache), e);
        }
        catch (Exception e) when (OutOfMemory(e) is { } detail)
        {
            // Allowed sizes can still ask for more than the machine has (width 4096, context 4096, batch 4096: 128 GiB of
            // attention); a libtorch stack trace as an internal error said none of what to change.
            throw Errors.OutOfMemory(policy.LocationOf("training.batch"), device.type == TorchSharp.DeviceType.CPU ? "CPU" : "GPU", detail);
        }

        var verdict = CollapseGate.Evaluate(policy, theory, results);
        var report = ReportBuilder.Build(policy, results[0], theory, verdict);
        var manifest = RunManifest.Create(started, clock.Elapsed.TotalSeconds, options.PolicyPath, results, TorchNative.Current, TorchSharp.torch.get_num_threads(), folder);
        string? replacesReportsOf = null;
        (string Name, string Content)[] files =
        [
            (ReportFile, ReportJson.Serialize(report)),
            (MarkdownFile, MarkdownReport.Render(report)),
            (ChartFile, SvgChart.Render(report)),
            (ManifestFile, ReportJson.Serialize(manifest)),
        ];
        try
        {
            AtomicFile.WriteAll(folder, files, cancellation, progress is null ? null : progress.Preparing,
                locked: () => replacesReportsOf = OtherPolicyReportedIn(folder, options.PolicyPath));
        }
        // Stopped waiting for another run writing this folder: the lineage is done, and cached for the rerun.
        catch (OperationCanceledException e) when (cache is not null)
        {
            throw new LineageCancelledException(runners.Sum(r => r.CachedPrefix), NotCached(cache), e);
        }

        return new RunOutcome(policy, report, manifest, folder, files.Select(f => Path.Combine(folder, f.Name)).ToList(),
            NotCached(cache), ToleranceOverridden: options.Tolerance is not null, ReplacedReportsOf: replacesReportsOf);
    }

    private static string? NotCached(GenerationCache? cache) => cache?.WriteFailure is { } why
        ? $"the generation cache '{cache.Folder}' could not be written ({why.TrimEnd('.')}); the next run recomputes what it could not keep"
        : null;
}

/// <summary>A run with the generation cache on stopped after some generations were finished.</summary>
public sealed class LineageCancelledException(int generationsInCache, string? cacheNotWritten, OperationCanceledException inner)
    : OperationCanceledException(inner.Message, inner, inner.CancellationToken)
{
    /// <summary>How many generations a rerun takes from the cache: each lineage's from generation 0 up to the first it could not store.</summary>
    public int GenerationsInCache { get; } = generationsInCache;

    /// <summary>Why the cache could not be written (as CC0032 says after a whole run), or null.</summary>
    public string? CacheNotWritten { get; } = cacheNotWritten;
}

/// <summary>Passes progress on and counts finished generations (computed or loaded), for what a cancelled run kept.</summary>
internal sealed class FinishedGenerations(ILineageProgress? inner) : ILineageProgress
{
    public int Count { get; private set; }

    public void LineageStarted(int seed, int index, int count) => inner?.LineageStarted(seed, index, count);

    public void Preparing(string step) => inner?.Preparing(step);

    public void PreparingAdvanced(long done, long total, string units) => inner?.PreparingAdvanced(done, total, units);

    public void PhaseStarted(int generation, LineagePhase phase, long total) => inner?.PhaseStarted(generation, phase, total);

    public void Advanced(int generation, LineagePhase phase, long done) => inner?.Advanced(generation, phase, done);

    public void GenerationFinished(GenerationResult result, PhaseTimings timings)
    {
        Count++;
        inner?.GenerationFinished(result, timings);
    }
}
