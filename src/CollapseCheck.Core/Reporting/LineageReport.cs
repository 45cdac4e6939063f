using CollapseCheck.Gate;
using CollapseCheck.Metrics;
using CollapseCheck.Native;
using CollapseCheck.Policy;

namespace CollapseCheck.Reporting;

/// <summary>
/// collapsecheck-report.json, schema version 2 (2 added numerics and corpus.textSha256). Everything here is a function
/// of the policy, the corpus, the seed, the tool version and the <see cref="Numerics"/> it ran with (which decide the
/// measured values' last bits); timings, paths and the host live in <see cref="RunManifest"/>.
/// </summary>
public sealed record LineageReport(
    int SchemaVersion,
    string Tool,
    string ToolVersion,
    PolicyEcho Policy,
    int Seed,
    string Device,
    Numerics Numerics,
    CorpusSummary Corpus,
    ModelSummary Model,
    ReferenceRows Reference,
    IReadOnlyList<GenerationRow> Generations,
    GateVerdict Gate,
    IReadOnlyList<MetricDefinition> Metrics,
    IReadOnlyList<string> MeasuredFields);

/// <summary>The policy as it was applied, defaults filled in, in the policy file's own shape and spellings.</summary>
public sealed record PolicyEcho(
    string Source,
    CorpusPolicy Corpus,
    string Tokenizer,
    ModelPolicy Model,
    TrainingPolicy Training,
    LineageEcho Lineage,
    EvaluationPolicy Evaluation,
    GatePolicy Gate,
    VerifyPolicy Verify);

/// <param name="RealFraction">Mix only; null otherwise.</param>
public sealed record LineageEcho(
    int Generations,
    string Mode,
    int SyntheticTokensPerGeneration,
    double? RealFraction,
    int FreshRealTokensPerGeneration,
    int? TrainingTokens,
    SamplingPolicy Sampling,
    FilterPolicy Filters);

/// <param name="TextSha256">
/// The first 16 hex digits of a SHA-256 over every document's text, training and held-out split in order: an edit
/// that keeps the counts still changes the report, which `verify` needs where measured values are not compared.
/// </param>
public sealed record CorpusSummary(
    string Description,
    string Tokenizer,
    int VocabularySize,
    int TrainDocuments,
    int HeldOutDocuments,
    long RealPoolTokens,
    long FreshRealTokensReserved,
    long HeldOutTokensScored,
    long HeldOutBytesScored,
    string TextSha256)
{
    /// <summary>
    /// Scored held-out tokens that the training text never used (a compacted cl100k/o200k vocabulary maps them to one
    /// unknown id, which no generation learns to predict, so each costs what training left that row at). Omitted when none.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public long? HeldOutUnknownTokens { get; init; }
}

public sealed record ModelSummary(long Parameters, int Layers, int Width, int Heads, int Context, int VocabularySize);

/// <param name="UniformPerplexity">Perplexity of a model that spreads probability evenly over the vocabulary: the worst sensible value.</param>
/// <param name="UnigramPerplexity">Held-out perplexity of token frequencies alone (see <see cref="Lineage.PreparedCorpus.UnigramPerplexity"/>): generation 0 must beat it.</param>
/// <param name="RealText">The generated-text metrics measured on held-out real text of the same size as each generation's sample.</param>
public sealed record ReferenceRows(double UniformPerplexity, double UniformBitsPerToken, double UnigramPerplexity, TextMetrics RealText)
{
    /// <summary>Generation 0 learned nothing from context: its held-out perplexity is no better than token frequencies'.</summary>
    public bool Undertrained(double generation0Perplexity) => UnigramPerplexity > 0 && generation0Perplexity >= UnigramPerplexity;

    /// <summary>What the report and the console say when <see cref="Undertrained"/>.</summary>
    public string UndertrainedWarning(double generation0Perplexity) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"generation 0's held-out perplexity {generation0Perplexity:F1} is no better than token frequencies alone ({UnigramPerplexity:F1}, the unigram model): it has not learned from context, so the lineage's ratios measure training noise more than collapse; raise training.steps (or the model's size)");

    /// <summary>
    /// Null when the real text was measured at the samples' size; else what a reader must know, since distinct-n, tail
    /// coverage and KL all move with the sample's size: "all 1,557 held-out tokens (samples: 5,000; metrics move with size)".
    /// </summary>
    public string? SizeCaveat(long sampledTokens) => RealText.Tokens < sampledTokens
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"all {RealText.Tokens:N0} held-out tokens (samples: {sampledTokens:N0}; metrics move with size)")
        : null;
}

public sealed record GenerationRow(
    int Generation,
    TrainingSetRow TrainingSet,
    double TrainingLoss,
    HeldOutRow HeldOut,
    TextMetrics Generated,
    RatioRow RelativeToGeneration0,
    PredictedRow Predicted);

public sealed record TrainingSetRow(long Tokens, IReadOnlyDictionary<string, long> Sources);

public sealed record HeldOutRow(double Perplexity, double BitsPerByte, double NatsPerToken, long Tokens);

/// <summary>Degradation rather than level: what the theory predicts and the gate compares.</summary>
/// <param name="Distinct2">Null where generation 0 has none (one-token documents) and this generation has some.</param>
/// <param name="TailCoverage">Null where generation 0 covers none of the tail and this generation some.</param>
public sealed record RatioRow(double Perplexity, double UnigramEntropy, double GiniSimpson, double? Distinct2, double? TailCoverage);

/// <summary>What the theory expects of the ratios, from <see cref="Source"/>; the gate's thresholds derive from these.</summary>
public sealed record PredictedRow(string Source, double Perplexity, double UnigramEntropy, double GiniSimpson);

/// <param name="Better">"lower" or "higher": which direction is an improvement.</param>
public sealed record MetricDefinition(string Name, string Unit, string Better, string Meaning);
