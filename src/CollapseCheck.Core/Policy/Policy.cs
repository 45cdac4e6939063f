using CollapseCheck.Diagnostics;

namespace CollapseCheck.Policy;

/// <summary>
/// A validated synthetic-data policy (collapsecheck.json). Every field has a default, so
/// <c>{}</c> is a complete policy; <see cref="PolicyLoader"/> is the only way in from a file.
/// </summary>
public sealed record LineagePolicyFile(
    CorpusPolicy Corpus,
    TokenizerKind Tokenizer,
    ModelPolicy Model,
    TrainingPolicy Training,
    LineagePolicy Lineage,
    EvaluationPolicy Evaluation,
    GatePolicy Gate)
{
    /// <summary>How `verify` compares measured values: relative tolerance on CPU and on CUDA.</summary>
    public VerifyPolicy Verify { get; init; } = new(1e-5, 0.05);

    /// <summary>The policy file this came from, or null for the embedded default.</summary>
    public string? SourcePath { get; init; }

    /// <summary>Where each field was written, keyed by JSON path such as <c>lineage.mode</c>.</summary>
    public IReadOnlyDictionary<string, SourceLocation> Locations { get; init; } = new Dictionary<string, SourceLocation>();

    /// <summary>Location of a field for diagnostics: the field itself, else the nearest written parent, else the file.</summary>
    public SourceLocation? LocationOf(string jsonPath) =>
        WrittenLocationOf(jsonPath) ?? (SourcePath is null ? null : new SourceLocation(SourcePath, 1, 1));

    /// <summary>The field itself, else the nearest written parent; null when the file holds neither.</summary>
    public SourceLocation? WrittenLocationOf(string jsonPath)
    {
        for (var path = jsonPath; path.Length > 0; path = Parent(path))
        {
            if (Locations.TryGetValue(path, out var at))
            {
                return at;
            }
        }

        return null;

        // "corpus.include[2]" → "corpus.include" → "corpus".
        static string Parent(string path) =>
            path.EndsWith(']') ? path[..path.LastIndexOf('[')] : path.Contains('.') ? path[..path.LastIndexOf('.')] : "";
    }
}

public enum TokenizerKind { Byte, Cl100k, O200k }

public enum LineageMode { Replace, Mix, Accumulate, AccumulateSubsample }

/// <param name="Include">Glob patterns relative to the policy's folder, or <c>builtin:dotnet-docs</c>.</param>
/// <param name="Exclude">Glob patterns removed from the matches.</param>
/// <param name="TextField">The JSON string field holding the text in *.jsonl files.</param>
/// <param name="HeldOutFraction">Share of documents kept out of every generation's training, for evaluation.</param>
/// <param name="MaxBytes">Cap on the UTF-8 bytes of text taken from the sources (null: all of it).</param>
/// <param name="DocsMaxBytes">
/// The docs' own cap beside other sources, when corpus.maxBytes was left out (null: none). Written in the report's
/// policy only when set: "maxBytes": null alone could not say whether the docs were read whole.
/// </param>
public sealed record CorpusPolicy(
    IReadOnlyList<string> Include,
    IReadOnlyList<string> Exclude,
    string TextField,
    double HeldOutFraction,
    long? MaxBytes,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    long? DocsMaxBytes = null);

public sealed record ModelPolicy(int Layers, int Width, int Heads, int Context);

public sealed record TrainingPolicy(
    int Steps,
    int Batch,
    double LearningRate,
    double WeightDecay,
    int WarmupSteps,
    double GradientClip,
    int Seed,
    bool WarmStart)
{
    /// <summary>
    /// "bf16": matrix products and attention in bfloat16, with fp32 weights, optimizer, norms and losses (mixed
    /// precision, as autocast does); null: fp32 throughout. Omitted when null from the generation cache's key, so adding
    /// the field kept the keys of fp32 generations; the report's echo fills in "fp32".
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Precision { get; init; }
}

/// <param name="Generations">Recursive generations after generation 0 (so Generations + 1 models).</param>
/// <param name="SyntheticTokensPerGeneration">m: tokens each generation samples for its successor.</param>
/// <param name="RealFraction">λ, mix only: the real pool's share of the training set besides its fresh tokens.</param>
/// <param name="FreshRealTokensPerGeneration">f: new real tokens added to each generation g ≥ 1.</param>
/// <param name="TrainingTokens">n, accumulate-subsample only: training-set size (null: the real pool's size).</param>
public sealed record LineagePolicy(
    int Generations,
    LineageMode Mode,
    int SyntheticTokensPerGeneration,
    double RealFraction,
    int FreshRealTokensPerGeneration,
    int? TrainingTokens,
    SamplingPolicy Sampling,
    FilterPolicy Filters);

/// <param name="TopK">0 disables top-k.</param>
/// <param name="TopP">1 disables nucleus truncation.</param>
/// <param name="MaxLength">Longest sampled document in tokens (null: the model's context).</param>
public sealed record SamplingPolicy(double Temperature, int TopK, double TopP, int? MaxLength);

public sealed record FilterPolicy(bool Dedupe);

/// <param name="HeldOutTokens">Cap on held-out tokens scored for perplexity (null: all).</param>
public sealed record EvaluationPolicy(int? HeldOutTokens);

/// <param name="FailOnPredictedCollapse">Fail when the theory classifies the policy as collapsing, whatever was measured.</param>
/// <param name="Tolerance">Relative tolerance for measured values when both reports come from CPUs with the same numerics.</param>
/// <param name="OtherMachineTolerance">
/// The same when the numerics differ (another CPU, libtorch build or thread count) or either report comes from CUDA:
/// a lineage's numbers drift apart there, so null (the default) leaves measured values uncompared.
/// </param>
public sealed record VerifyPolicy(double Tolerance, double? OtherMachineTolerance);

public sealed record GatePolicy(double Tolerance, int Seeds, BudgetPolicy Budget, bool FailOnPredictedCollapse = true);

/// <param name="PerplexityIncrease">Max relative held-out perplexity increase at the last generation (0.10 = +10 %).</param>
/// <param name="EntropyRatio">Min generated-entropy ratio, last generation over generation 0.</param>
public sealed record BudgetPolicy(double? PerplexityIncrease, double? EntropyRatio);
