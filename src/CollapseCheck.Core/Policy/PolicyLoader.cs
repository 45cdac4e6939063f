using System.Globalization;
using CollapseCheck.Common;
using CollapseCheck.Corpus;
using CollapseCheck.Diagnostics;
using CollapseCheck.Lineage;

namespace CollapseCheck.Policy;

/// <summary>
/// collapsecheck.json → <see cref="LineagePolicyFile"/>. Every field is optional (<c>{}</c> is the default
/// policy); every error names the file, line and column and says what was expected.
/// </summary>
public static class PolicyLoader
{
    /// <summary>The builtin corpus is ~10 MB of text; without a cap the default would train on a thin slice of a huge pool.</summary>
    public const long DotnetDocsDefaultMaxBytes = 400_000;

    /// <summary>Far above any policy (the starter is 6 kB); a file past it is a device or a mistake, refused as unreadable.</summary>
    public const long MaxPolicyBytes = 1 << 20;

    public static LineagePolicyFile Default { get; } = Parse("{}", "(embedded default)") with { SourcePath = null, Locations = new Dictionary<string, SourceLocation>() };

    /// <summary>What `collapsecheck init` writes: the default policy with every field explained.</summary>
    public static string StarterPolicyText { get; } = ReadStarter();

    public static LineagePolicyFile Load(string path)
    {
        EnsureExists(path);
        return Parse(TextFile.Read(path, Errors.PolicyNotText, reason => Errors.PolicyUnreadable(path, reason), Errors.PolicyNulByte, MaxPolicyBytes), path);
    }

    /// <summary>CC0001 unless <paramref name="path"/> is a plain file: missing, out of reach, a folder, or a pipe or device.</summary>
    public static void EnsureExists(string path)
    {
        if (Directory.Exists(path))
        {
            throw Errors.PolicyIsAFolder(path);
        }

        // File.Exists says yes to a link that leads nowhere, whose read then failed with the system's "Could not find file".
        // Not under /dev or /proc, whose links (/dev/stdin → /proc/self/fd/0 → pipe:[…]) name no path but still read.
        var full = Path.GetFullPath(path);
        var special = full.StartsWith("/dev/", StringComparison.Ordinal) || full.StartsWith("/proc/", StringComparison.Ordinal);
        if (!special && RegularFile.BrokenLink(path) is { } broken)
        {
            throw Errors.PolicyUnreadable(path, $"{broken}; fix the link or name the policy file itself");
        }

        if (!File.Exists(path))
        {
            throw RegularFile.WhyUnreachable(path) is { } why ? Errors.PolicyUnreadable(path, why) : Errors.PolicyNotFound(path);
        }

        // Reading a named pipe waits for a writer, past any Ctrl+C. One the shell made (/dev/stdin, <(jq …) as
        // /dev/fd/63) has its writer already.
        if (!RegularFile.Is(path) && !special)
        {
            throw Errors.PolicyUnreadable(path, "it is not a plain file but a pipe, socket or device; to pipe a policy in, name /dev/stdin");
        }
    }

    public static LineagePolicyFile Parse(string json, string sourcePath)
    {
        var locations = new Dictionary<string, SourceLocation>();
        var problems = new PolicyProblems();
        var root = new PolicyObject(PositionedJson.Parse(json, sourcePath), "", locations, problems);

        var corpus = ReadCorpus(root, locations);
        var tokenizer = root.Enum("tokenizer", TokenizerKind.Byte, PolicyNames.Tokenizers);
        var model = ReadModel(root.Child("model"));
        var trainingObject = root.Child("training");
        var training = ReadTraining(trainingObject);
        var lineage = ReadLineage(root.Child("lineage"), model);
        var evaluationObject = root.Child("evaluation");
        var evaluation = new EvaluationPolicy((int?)evaluationObject.LimitOrNull("heldOutTokens", MinHeldOutTokens, int.MaxValue, whenAbsent: 20_000));
        evaluationObject.RejectUnknown();
        var gate = ReadGate(root.Child("gate"));
        root.Require(training.Seed + (long)gate.Seeds - 1 <= int.MaxValue, ["training.seed", "gate.seeds"],
            () => Errors.Inconsistent(trainingObject.LocationOf("seed"),
                $"'training.seed' ({training.Seed}) + 'gate.seeds' ({gate.Seeds}) − 1 must be at most {int.MaxValue}: the lineages train with seeds training.seed, training.seed + 1, …"));
        var v = root.Child("verify");
        var verify = new VerifyPolicy(
            v.Double("tolerance", 1e-5, x => x is >= 0 and < 1, "from 0 to less than 1"),
            v.DoubleOrNull("otherMachineTolerance", x => x is >= 0 and < 1, "from 0 to less than 1, or null"));
        v.Retired("cudaTolerance", "'verify.otherMachineTolerance' replaced it, and covers CUDA and other machines alike (null, the default: their measured values are not compared)");
        v.RejectUnknown();
        root.RejectUnknown();
        problems.ThrowIfAny();

        return new LineagePolicyFile(corpus, tokenizer, model, training, lineage, evaluation, gate)
        {
            SourcePath = sourcePath,
            Locations = locations,
            Verify = verify,
        };
    }

    /// <summary>
    /// No cap, but for the docs corpus alone, whose whole text (megabytes) would make the default lineage slow: beside
    /// your own files the docs take their first <see cref="DotnetDocsDefaultMaxBytes"/> on their own (see
    /// <see cref="Corpus.CorpusLoader"/>), since a cap on the whole, the docs read first, left those files no byte.
    /// </summary>
    private static long? DefaultMaxBytes(IReadOnlyList<string> include) =>
        include.All(i => i == PolicyNames.DotnetDocs) ? DotnetDocsDefaultMaxBytes : null;

    /// <summary>The docs' own share beside your files when corpus.maxBytes is left out; "maxBytes": null reads them whole.</summary>
    private static long? DocsOwnMaxBytes(IReadOnlyList<string> include) =>
        include.Contains(PolicyNames.DotnetDocs) && DefaultMaxBytes(include) is null ? DotnetDocsDefaultMaxBytes : null;

    private static CorpusPolicy ReadCorpus(PolicyObject root, Dictionary<string, SourceLocation> locations)
    {
        var value = root.Find("corpus");
        if (value is { Kind: JsonKind.String })
        {
            // "corpus": "data/*.txt" is short for { "include": ["data/*.txt"] }.
            locations["corpus.include"] = value.Location;
            var single = root.Strings("corpus", allowEmpty: false) ?? [PolicyNames.DotnetDocs];
            RequireKnownBuiltins(root, single, locations);
            return new CorpusPolicy(single, [], "text", 0.1, DefaultMaxBytes(single), DocsOwnMaxBytes(single));
        }

        var c = root.Child("corpus");
        var include = c.Strings("include", allowEmpty: false) ?? [PolicyNames.DotnetDocs];
        var corpus = new CorpusPolicy(
            include,
            c.Strings("exclude", allowEmpty: true) ?? [],
            c.String("textField") ?? "text",
            c.Double("heldOutFraction", 0.1, x => x > 0 && x < 0.5, "greater than 0 and less than 0.5"),
            c.LimitOrNull("maxBytes", 1000, long.MaxValue, whenAbsent: DefaultMaxBytes(include)),
            c.Find("maxBytes") is null ? DocsOwnMaxBytes(include) : null);
        c.RejectUnknown();
        RequireKnownBuiltins(c, include, locations);
        for (var i = 0; i < corpus.Exclude.Count; i++)
        {
            // The globbing library matches excludes against paths under the policy's folder: an absolute one would
            // silently exclude nothing.
            var pattern = corpus.Exclude[i];
            c.Require(!Path.IsPathRooted(pattern), ["corpus.exclude"],
                () => Errors.OutOfRange(locations[$"corpus.exclude[{i}]"], "corpus.exclude", "patterns relative to the policy file's folder", $"'{pattern}'"));
        }

        return corpus;
    }

    /// <summary>
    /// An unknown builtin: source among the policy's other problems, not found on its own by the corpus loader after
    /// they are fixed: one edit fixes every line of the report.
    /// </summary>
    private static void RequireKnownBuiltins(PolicyObject o, IReadOnlyList<string> include, Dictionary<string, SourceLocation> locations)
    {
        for (var i = 0; i < include.Count; i++)
        {
            var item = include[i];
            var at = locations.TryGetValue($"corpus.include[{i}]", out var itemAt) ? itemAt
                : locations.TryGetValue("corpus.include", out var listAt) ? listAt
                : new SourceLocation("(policy)", 1, 1);
            o.Require(!item.StartsWith("builtin:", StringComparison.Ordinal) || item == PolicyNames.DotnetDocs, ["corpus.include"],
                () => Errors.UnknownValue(at, "corpus.include", item, [PolicyNames.DotnetDocs, "a glob pattern such as data/**/*.txt"]));
        }
    }

    private static ModelPolicy ReadModel(PolicyObject m)
    {
        var model = new ModelPolicy(
            m.Int("layers", 2, 1, 48),
            m.Int("width", 64, 8, 4096),
            m.Int("heads", 4, 1, 64),
            m.Int("context", 64, 8, 4096));
        m.RejectUnknown();
        m.Require(model.Width % model.Heads == 0, ["model.heads", "model.width"], () => Errors.Inconsistent(m.LocationOf("heads") ?? m.LocationOf("width"),
            $"'model.width' ({model.Width}) must be divisible by 'model.heads' ({model.Heads})"));

        return model;
    }

    private static readonly Dictionary<string, string?> s_precisions = new() { ["fp32"] = null, ["bf16"] = "bf16" };

    private static TrainingPolicy ReadTraining(PolicyObject t)
    {
        var steps = t.Int("steps", 300, 1, 1_000_000);
        var training = new TrainingPolicy(
            steps,
            t.Int("batch", 16, 1, 4096),
            t.Double("learningRate", 0.003, x => x > 0 && x <= 1, "greater than 0 and at most 1"),
            t.Double("weightDecay", 0.1, x => x is >= 0 and <= 1, "from 0 to 1"),
            // A tenth of a short run, not all of it: 30 of 30 steps left the model at the peak rate, never decayed.
            t.Int("warmupSteps", Math.Clamp(steps / 10, 1, 30), 0, 1_000_000),
            t.Double("gradientClip", 1.0, x => x > 0, "greater than 0"),
            t.Int("seed", 1, 0, int.MaxValue),
            t.Bool("warmStart", false))
        {
            Precision = t.Enum("precision", (string?)null, s_precisions),
        };
        t.RejectUnknown();
        t.Require(training.WarmupSteps <= training.Steps, ["training.warmupSteps", "training.steps"],
            () => Errors.Inconsistent(t.LocationOf("warmupSteps"), $"'training.warmupSteps' ({training.WarmupSteps}) must not exceed 'training.steps' ({training.Steps})"));

        return training;
    }

    /// <summary>
    /// The smallest λ, rounded up to three significant digits, that gives mix one real token beside m synthetic ones
    /// (m·λ/(1 − λ) rounds to 1), checked with the composer's own rounding: at m = 7,812 the exact bound rounds to 0.
    /// </summary>
    private static double MinimumMixFraction(LineagePolicy lineage)
    {
        var exact = 0.5 / (lineage.SyntheticTokensPerGeneration + 0.5);
        var step = Math.Pow(10, Math.Floor(Math.Log10(exact)) - 2);
        var fraction = Math.Ceiling(exact / step) * step;
        while (CorpusComposer.MixRealTokens(lineage with { RealFraction = fraction }) == 0)
        {
            fraction += step;
        }

        return fraction;
    }

    /// <summary>A fraction as a policy file would hold it: 0.000064, not 6.4E-05.</summary>
    private static string Decimal(double value) => ((decimal)value).ToString(CultureInfo.InvariantCulture);

    private static LineagePolicy ReadLineage(PolicyObject l, ModelPolicy model)
    {
        var mode = l.Enum("mode", LineageMode.AccumulateSubsample, PolicyNames.Modes);
        var realFraction = l.DoubleOrNull("realFraction", x => x > 0 && x < 1, "greater than 0 and less than 1");
        l.Require(realFraction is null || mode == LineageMode.Mix, ["lineage.realFraction", "lineage.mode"],
            () => Errors.Inconsistent(l.LocationOf("realFraction"), $"'lineage.realFraction' applies to mode 'mix' only; this policy's mode is '{PolicyNames.Of(mode)}'"));

        var trainingTokens = l.LongOrNull("trainingTokens", 100, int.MaxValue);
        l.Require(trainingTokens is null || mode == LineageMode.AccumulateSubsample, ["lineage.trainingTokens", "lineage.mode"],
            () => Errors.Inconsistent(l.LocationOf("trainingTokens"), $"'lineage.trainingTokens' applies to mode 'accumulate-subsample' only; this policy's mode is '{PolicyNames.Of(mode)}'"));

        var s = l.Child("sampling");
        var maxLength = s.LongOrNull("maxLength", 1, 4096);
        s.Require(!(maxLength > model.Context), ["lineage.sampling.maxLength", "model.context"],
            () => Errors.Inconsistent(s.LocationOf("maxLength"), $"'lineage.sampling.maxLength' ({maxLength}) must not exceed 'model.context' ({model.Context})"));

        var sampling = new SamplingPolicy(
            // Below 0.01 float32 logits divided by the temperature overflow (1e-40 failed inside multinomial); topK 1 is greedy.
            s.Double("temperature", 1.0, x => x >= 0.01 && x <= 10, "from 0.01 to 10 (for greedy sampling set topK to 1)"),
            s.Int("topK", 0, 0, int.MaxValue),
            s.Double("topP", 1.0, x => x > 0 && x <= 1, "greater than 0 and at most 1"),
            (int?)maxLength);
        s.RejectUnknown();
        var f = l.Child("filters");
        var filters = new FilterPolicy(f.Bool("dedupe", false));
        f.RejectUnknown();

        var lineage = new LineagePolicy(
            l.Int("generations", 5, 1, 50),
            mode,
            l.Int("syntheticTokensPerGeneration", 20_000, 100, 100_000_000),
            realFraction ?? 0.5,
            l.Int("freshRealTokensPerGeneration", 0, 0, int.MaxValue),
            (int?)trainingTokens,
            sampling,
            filters);
        l.RejectUnknown();
        // Rounding can leave mix no real token at all: that trains on samples alone, as replace does, while the theory
        // would classify it by its real share and call it bounded.
        l.Require(lineage.Mode != LineageMode.Mix || CorpusComposer.MixRealTokens(lineage) > 0, ["lineage.realFraction", "lineage.syntheticTokensPerGeneration"],
            () => Errors.Inconsistent(l.LocationOf("realFraction"), string.Create(CultureInfo.InvariantCulture,
                $"'lineage.realFraction' {Decimal(lineage.RealFraction)} with {lineage.SyntheticTokensPerGeneration} synthetic tokens per generation gives round(m·λ/(1 − λ)) = 0 tokens from the real pool, so mix would train on its samples{(lineage.FreshRealTokensPerGeneration > 0 ? " and fresh tokens alone" : " alone")}; use a realFraction of at least {Decimal(MinimumMixFraction(lineage))}, or mode 'replace'")));

        // A generation trained on less than one window never sees the later positions that evaluation scores: its
        // perplexity would measure the policy's arithmetic, not collapse. (accumulate trains on the whole pool, which the
        // corpus check already holds to a window.)
        var (smallest, field, what) = lineage.Mode switch
        {
            LineageMode.Replace => ((long?)lineage.SyntheticTokensPerGeneration + lineage.FreshRealTokensPerGeneration, "syntheticTokensPerGeneration", "replace trains each generation after the first on its predecessor's samples"),
            LineageMode.Mix => (lineage.SyntheticTokensPerGeneration + CorpusComposer.MixRealTokens(lineage) + lineage.FreshRealTokensPerGeneration, "syntheticTokensPerGeneration", "mix trains each generation after the first on the samples and their real share"),
            LineageMode.AccumulateSubsample => (lineage.TrainingTokens, "trainingTokens", "accumulate-subsample trains each generation on this many tokens"),
            _ => (null, "", ""),
        };
        l.Require(!(smallest < model.Context + 1L), [$"lineage.{field}", "model.context"],
            () => Errors.Inconsistent(l.LocationOf(field), $"{what}: {smallest} tokens, fewer than one window of 'model.context' + 1 ({model.Context + 1}); raise 'lineage.{field}' or lower 'model.context'"));
        return lineage;
    }

    /// <summary>The fewest held-out tokens whose perplexity means anything: the cap's floor, and the split's.</summary>
    public const int MinHeldOutTokens = 100;

    /// <summary>
    /// gate.tolerance's ceiling: 1 already lets a ratio reach twice the prediction and floors fall to half of it. Above
    /// that, 25 meant as 25 % made the ceilings ×26 and the floors 0.04: a gate nothing fails.
    /// </summary>
    public const double MaxGateTolerance = 1;

    public const string ToleranceRange = "from 0 to 1, a fraction (0.25: 25 % beyond the prediction)";

    private static GatePolicy ReadGate(PolicyObject g)
    {
        var b = g.Child("budget");
        var budget = new BudgetPolicy(
            // Fractions, capped at 1: a percentage typed as such (10 for 10 %) made a gate no lineage could fail.
            b.DoubleOrNull("perplexityIncrease", x => x is >= 0 and <= 1, "from 0 to 1, a fraction (0.1: 10 % above generation 0's)"),
            b.DoubleOrNull("entropyRatio", x => x is >= 0 and <= 1, "from 0 to 1"));
        b.RejectUnknown();
        var gate = new GatePolicy(
            g.Double("tolerance", 0.25, x => x is >= 0 and <= MaxGateTolerance, ToleranceRange),
            g.Int("seeds", 1, 1, 16),
            budget,
            g.Bool("failOnPredictedCollapse", true));
        g.RejectUnknown();
        return gate;
    }

    private static string ReadStarter()
    {
        using var stream = typeof(PolicyLoader).Assembly.GetManifestResourceStream("CollapseCheck.StarterPolicy.jsonc")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
