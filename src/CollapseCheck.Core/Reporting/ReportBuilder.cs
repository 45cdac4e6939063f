using CollapseCheck.Gate;
using CollapseCheck.Lineage;
using CollapseCheck.Metrics;
using CollapseCheck.Policy;
using CollapseCheck.Theory;

namespace CollapseCheck.Reporting;

/// <summary>Turns a lineage result into the report: fixed order, units stated once in <see cref="Definitions"/>; <see cref="ReportJson"/> rounds.</summary>
public static class ReportBuilder
{
    public const int SchemaVersion = 2;

    /// <summary>policy.source of a report the embedded default made.</summary>
    public const string EmbeddedSource = "embedded default";

    /// <summary>
    /// policy.source of a report made from a policy piped in: the stream's name is the shell's file descriptor (63 for
    /// &lt;(jq …), 0 for stdin), which says nothing of the policy and would make equal policies' reports differ.
    /// </summary>
    public const string PipedSource = "piped";

    public static LineageReport Build(LineagePolicyFile policy, LineageResult result, PolicyTheory theory, GateVerdict verdict)
    {
        // Each row's source, perplexity's named apart where it is the ledger's × the sampler's effect (predict's gatePerplexity).
        var source = theory.PerplexitySourceName == theory.SourceName ? theory.SourceName : $"{theory.SourceName}; perplexity: {theory.PerplexitySourceName}";
        var corpus = result.Corpus;
        var baseline = result.Generations[0];
        var vocabulary = corpus.Tokenizer.VocabularySize;
        return new LineageReport(
            SchemaVersion,
            "collapsecheck",
            ToolInfo.Version,
            Echo(policy),
            result.Seed,
            result.Device,
            result.Numerics,
            new CorpusSummary(
                corpus.Source.Description,
                corpus.Tokenizer.Name,
                vocabulary,
                corpus.Source.Train.Count,
                corpus.Source.HeldOut.Count,
                corpus.RealPoolTokens,
                corpus.Fresh.Sum(d => d.Sum(x => (long)x.Length)),
                result.Generations[0].HeldOut.Tokens,
                result.Generations[0].HeldOut.Bytes,
                corpus.Source.TextSha256())
            {
                HeldOutUnknownTokens = corpus.HeldOutUnknownTokens is > 0 and var unknown ? unknown : null,
            },
            new ModelSummary(result.Parameters, result.Model.Layers, result.Model.Width, result.Model.Heads, result.Model.Context, vocabulary),
            new ReferenceRows(vocabulary, Math.Log2(vocabulary), corpus.UnigramPerplexity(), result.RealSample),
            result.Generations.Select(g => new GenerationRow(
                g.Generation,
                new TrainingSetRow(g.TrainingTokens, g.TrainingTokensBySource.ToDictionary(kv => kv.Key, kv => kv.Value)),
                g.Training.FinalLoss,
                new HeldOutRow(g.HeldOut.Perplexity, g.HeldOut.BitsPerByte, g.HeldOut.NatsPerToken, g.HeldOut.Tokens),
                g.Generated,
                new RatioRow(
                    g.HeldOut.Perplexity / baseline.HeldOut.Perplexity,
                    g.Generated.UnigramEntropyBits / baseline.Generated.UnigramEntropyBits,
                    g.Generated.GiniSimpson / baseline.Generated.GiniSimpson,
                    Ratio(g.Generated.Distinct2, baseline.Generated.Distinct2),
                    Ratio(g.Generated.TailCoverage, baseline.Generated.TailCoverage)),
                new PredictedRow(source, theory.PerplexityRatio(g.Generation), theory.EntropyRatio(g.Generation), theory.DiversityRatio(g.Generation)))).ToList(),
            verdict,
            Definitions,
            MeasuredFields);
    }

    /// <summary>
    /// The fields whose values come from training and sampling and so vary with the <see cref="Native.Numerics"/> (`*`
    /// matches one path segment or array index); `verify` compares these with the policy's tolerance and all others exactly.
    /// Text under these paths quotes measured numbers and is compared only when no tolerance is in play.
    /// </summary>
    public static readonly IReadOnlyList<string> MeasuredFields =
    [
        // Later generations train on sampled text, whose amount per source comes out of sampling too.
        "generations.*.trainingSet.tokens",
        "generations.*.trainingSet.sources.*",
        "generations.*.trainingLoss",
        "generations.*.heldOut.*",
        "generations.*.generated.*",
        "generations.*.relativeToGeneration0.*",
        "gate.summary",
        "gate.checks.*.measured",
        "gate.checks.*.perSeed.*",
        "gate.checks.*.threshold",
        "gate.checks.*.margin",
        "gate.checks.*.reason",
        "gate.failures.*.message",
    ];

    /// <summary>
    /// The measured values `verify` compares with verify.otherMachineTolerance when the numerics differ: the headline
    /// numbers, which move by a few percent across machines (on one Xeon, AVX2 against AVX-512 kernels: perplexity up to
    /// 2.6 %, entropy 4 %, training loss 1.5 %). Sample-size-bound counts (distinct-n, tail coverage, KL, documents, the
    /// training set's synthetic share: up to 17 % and 48 %) and the seeds' spread (a margin can move 84 %) are left out.
    /// </summary>
    public static readonly IReadOnlyList<string> ComparableAcrossMachines =
    [
        "generations.*.trainingLoss",
        "generations.*.heldOut.perplexity",
        "generations.*.heldOut.bitsPerByte",
        "generations.*.heldOut.natsPerToken",
        "generations.*.generated.unigramEntropyBits",
        "generations.*.generated.entropyBitsPerByte",
        "generations.*.generated.giniSimpson",
        "generations.*.relativeToGeneration0.perplexity",
        "generations.*.relativeToGeneration0.unigramEntropy",
        "generations.*.relativeToGeneration0.giniSimpson",
        "gate.checks.*.measured",
        "gate.checks.*.perSeed.*",
    ];

    public static readonly IReadOnlyList<MetricDefinition> Definitions =
    [
        new("heldOut.perplexity", "per token", "lower", "exp of the mean negative log-likelihood of held-out real text, which no generation trains on"),
        new("heldOut.bitsPerByte", "bits per UTF-8 byte", "lower", "the same loss spread over the bytes of the text, comparable across tokenizers"),
        new("heldOut.natsPerToken", "nats per token", "lower", "the same loss per token: the log of the perplexity"),
        new("trainingLoss", "nats per token", "lower", "mean training cross-entropy over the last tenth of the steps"),
        new("generated.unigramEntropyBits", "bits per token", "higher", "Shannon entropy of the token distribution of the generation's sample"),
        new("generated.entropyBitsPerByte", "bits per byte", "higher", "that entropy times tokens over bytes, comparable across tokenizers"),
        new("generated.giniSimpson", "probability 0..1", "higher", "1 − Σ q² over the sample's token distribution: the diversity the covariance ledger of `collapsecheck predict` forecasts exactly"),
        new("generated.distinct1/2/3", "ratio 0..1", "higher", "unique n-grams over all n-grams in the sample, within documents"),
        new("generated.tailCoverage", "ratio 0..1", "higher", FormattableString.Invariant($"share of the real pool's rarest token types (together {RealReference.TailMass:P0} of its tokens) that the sample still uses")),
        new("generated.klRealToGeneratedBits", "bits", "lower", FormattableString.Invariant($"KL(real unigram ‖ sample unigram) with {RealReference.KlSmoothing} added to every count")),
        new("reference.uniformPerplexity / uniformBitsPerToken", "per token / bits per token", "n/a: a reference", "the vocabulary size and its log2: what a model that learnt nothing scores"),
        new("reference.unigramPerplexity", "per token", "n/a: a reference", "held-out perplexity of the real pool's token frequencies alone (add-½ smoothed, no context): generation 0 must beat it, or CC1030 warns"),
        new("relativeToGeneration0", "ratio", "perplexity: lower; others: higher", "each metric over generation 0's value: degradation with capacity effects cancelled"),
    ];

    public static PolicyEcho Echo(LineagePolicyFile p) => new(
        p.SourcePath is null ? EmbeddedSource : Running.RunJob.IsPiped(p.SourcePath) ? PipedSource : Path.GetFileName(p.SourcePath),
        p.Corpus,
        PolicyNames.Of(p.Tokenizer),
        p.Model,
        // Filled in like every other default: a report that left fp32 out did not say how it trained. The policy keeps
        // null, which the generation cache's key omits, so fp32 generations cached before stay valid.
        p.Training with { Precision = p.Training.Precision ?? "fp32" },
        new LineageEcho(
            p.Lineage.Generations,
            PolicyNames.Of(p.Lineage.Mode),
            p.Lineage.SyntheticTokensPerGeneration,
            p.Lineage.Mode == LineageMode.Mix ? p.Lineage.RealFraction : null,
            p.Lineage.FreshRealTokensPerGeneration,
            p.Lineage.TrainingTokens,
            p.Lineage.Sampling,
            p.Lineage.Filters),
        p.Evaluation,
        p.Gate,
        p.Verify);

    /// <summary>
    /// value / baseline. From a baseline of 0: 1 when the value is 0 too (nothing to lose, nothing lost, as the theory
    /// counts it), null when it is not (no finite ratio). Perplexity is at least 1, and the lineage refuses a generation 0
    /// whose entropy or diversity is 0, so those divide as they are.
    /// </summary>
    private static double? Ratio(double value, double baseline) => baseline != 0 ? value / baseline : value == 0 ? 1 : null;
}
