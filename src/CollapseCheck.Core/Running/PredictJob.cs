using CollapseCheck.Corpus;
using CollapseCheck.Lineage;
using CollapseCheck.Policy;
using CollapseCheck.Reporting;
using CollapseCheck.Theory;

namespace CollapseCheck.Running;

/// <summary>`collapsecheck predict`: the theory at the policy's own token counts and corpus statistics; no training.</summary>
public static class PredictJob
{
    /// <param name="seed">--seed: the Monte Carlo surrogate draws from training.seed, so `run --seed N`'s prediction needs the same N.</param>
    public static PredictionReport Execute(string? policyPath, ILineageProgress? progress = null, CancellationToken cancellation = default, int? seed = null, string? alsoWritten = null)
    {
        var policy = RunJob.WithSeed(RunJob.LoadPolicy(policyPath), seed);
        var corpus = RunJob.PrepareCorpus(policy, policyPath, progress, cancellation, alsoWritten);
        var theory = RunJob.PredictTheory(policy, corpus, progress, cancellation);
        // The ledger alone checks nothing: a Ctrl+C it ran through still stops the command before it prints.
        cancellation.ThrowIfCancellationRequested();
        return PredictionReport.Create(policy, corpus, theory);
    }
}

/// <summary>What `predict --json` prints (schema version 1): the single-context ledger first, then the corpus-level predictions.</summary>
public sealed record PredictionReport(
    int SchemaVersion,
    string Mode,
    LedgerSection Ledger,
    PredictionCorpus Corpus,
    IReadOnlyList<GenerationPrediction> Generations,
    LongRunSection LongRun,
    string Exactness,
    SurrogateResult? Surrogate,
    IReadOnlyList<GatePrediction> Gate)
{
    /// <summary>"ledger" or "surrogate": which of them the gate's rows come from.</summary>
    public string GateSource { get; init; } = "";

    /// <summary>Which theory the gate checks against and why, in one line.</summary>
    public string GateBasis { get; init; } = "";

    /// <summary>
    /// Where the gate's perplexity rows come from: "ledger", "surrogate", or "ledger × sampler effect" (the ledger's
    /// ratio × the surrogate's with this sampler over its ratio with an unbiased one, where only the sampler is biased).
    /// </summary>
    public string GatePerplexity { get; init; } = "";

    /// <summary>The long run alone fails run's gate (CC1020), whatever is measured: it collapses and gate.failOnPredictedCollapse is on.</summary>
    public bool FailsOnLongRun { get; init; }

    /// <summary>training.seed, or --seed in its place: the surrogate draws from it, so a saved prediction names it.</summary>
    public int Seed { get; init; }

    public static PredictionReport Create(LineagePolicyFile policy, PreparedCorpus corpus, PolicyTheory theory)
    {
        var prediction = theory.Ledger;
        var statistics = theory.Statistics;
        var n = prediction.Counts;
        return new PredictionReport(
            ReportBuilder.SchemaVersion,
            PolicyNames.Of(policy.Lineage.Mode),
            // n is the subsample's size, an input of accumulate-subsample only.
            new LedgerSection(n.RealTokens, n.SyntheticTokens, policy.Lineage.Mode == LineageMode.AccumulateSubsample ? n.TrainingTokens : null, n.FreshRealTokens,
                prediction.Generations.Select(g => new LedgerRow(g.Generation, g.C, g.UnigramDiversityRatio)).ToList(),
                policy.Lineage.Mode == LineageMode.Mix ? policy.Lineage.RealFraction : null)
            {
                MixRealTokensPerGeneration = policy.Lineage.Mode == LineageMode.Mix ? n.MixRealTokens : null,
            },
            new PredictionCorpus(corpus.Source.Description, corpus.Tokenizer.Name, statistics.Tokens, statistics.Unigram.Support, statistics.Bigram.Count, statistics.UnigramEntropyNats / Math.Log(2)),
            prediction.Generations,
            new LongRunSection(Names[prediction.LongRun.Behaviour], prediction.LongRun.FloorDiversityRatio, prediction.LongRun.HorizonGenerations, theory.LongRunSentence),
            theory.Validity.Explanation,
            theory.Surrogate,
            prediction.Generations.Select(g => new GatePrediction(g.Generation, theory.PerplexityRatio(g.Generation), theory.EntropyRatio(g.Generation), theory.DiversityRatio(g.Generation))).ToList())
        {
            GateSource = theory.SourceName,
            GateBasis = theory.Validity.Summary,
            GatePerplexity = theory.PerplexitySourceName,
            FailsOnLongRun = prediction.LongRun.Behaviour == LongRunBehaviour.Collapses && policy.Gate.FailOnPredictedCollapse,
            Seed = policy.Training.Seed,
        };
    }

    public static readonly IReadOnlyDictionary<LongRunBehaviour, string> Names = new Dictionary<LongRunBehaviour, string>
    {
        [LongRunBehaviour.Collapses] = "collapses",
        [LongRunBehaviour.ConvergesToFloor] = "converges-to-floor",
        [LongRunBehaviour.Stationary] = "stationary",
    };
}

/// <summary>
/// Per generation, the predicted ratios to generation 0 that `run`'s gate checks (from the surrogate when the sampler is
/// biased, else from the ledger): held-out perplexity, generated entropy and generated Gini–Simpson diversity.
/// </summary>
public sealed record GatePrediction(int Generation, double PerplexityRatio, double EntropyRatio, double DiversityRatio);

/// <param name="TrainingTokens">n, the subsample's size under accumulate-subsample; null in the modes that do not subsample.</param>
/// <param name="RealFraction">λ, the real pool's share under mix; null in the other modes.</param>
public sealed record LedgerSection(double RealTokens, double SyntheticTokensPerGeneration, double? TrainingTokens, double FreshRealTokensPerGeneration, IReadOnlyList<LedgerRow> Generations,
    double? RealFraction)
{
    /// <summary>mix only: r = round(m·λ/(1 − λ)), the real-pool tokens beside the m synthetic ones each generation.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public double? MixRealTokensPerGeneration { get; init; }
}

/// <param name="DiversityRatio">1 − c: expected Gini–Simpson diversity of model g over the truth's.</param>
public sealed record LedgerRow(int Generation, double C, double DiversityRatio);

public sealed record PredictionCorpus(string Description, string Tokenizer, long RealPoolTokens, int UnigramSupport, int BigramContexts, double UnigramEntropyBits);

public sealed record LongRunSection(string Behaviour, double FloorDiversityRatio, int HorizonGenerations, string Sentence);
