using CollapseCheck.Common;
using CollapseCheck.Diagnostics;
using CollapseCheck.Lineage;
using CollapseCheck.Policy;

namespace CollapseCheck.Theory;

/// <summary>
/// The theory for one policy on its prepared corpus: the ledger always; the surrogate as well when the sampler
/// is biased, and then the gate takes the surrogate's means as the prediction (the ledger is exact only unbiased).
/// </summary>
public sealed record PolicyTheory(TheoryPrediction Ledger, SurrogateResult? Surrogate, ContextStatistics Statistics)
{
    /// <summary>Seeded count-model runs per surrogate prediction: enough for percentiles, cheap beside one training.</summary>
    public const int SurrogateRuns = 16;

    public bool UsesSurrogate => Surrogate is not null;

    public string Source => UsesSurrogate
        ? $"Monte Carlo surrogate ({Surrogate!.Runs} seeded runs of the bigram count model with the policy's sampler)"
        : "covariance ledger (exact at temperature 1 without truncation or filters)";

    /// <summary>
    /// The ledger's long-run sentence. With a biased sampler that is the unbiased sampler's long run, whose floor, steady
    /// state or collapse horizon can be far off: an audit's accumulate at temperature 0.7 read "converges to a floor" while
    /// the surrogate's entropy was still falling at generation 5, and replace-biased's "halves every 13863 generations"
    /// stood beside a surrogate at 0.84 of its diversity by generation 5.
    /// </summary>
    public string LongRunSentence => UsesSurrogate
        ? Ledger.LongRun.Sentence + " That is the unbiased sampler's long run: the ledger does not model this policy's temperature, top-k, top-p, dedupe or short maxLength, whose effect the surrogate's generations show over the lineage's length."
        : Ledger.LongRun.Sentence;

    /// <summary>
    /// Whether the sample's statistics differ from the model's in a way the ledger does not model: a reshaped
    /// distribution, dropped duplicates, or documents cut shorter than the context (which the ledger leaves out at
    /// the default length, about 1.5 % of entropy ×gen0 by generation 5 on the SDK docs, but not at 1 token).
    /// A top-k of at least the vocabulary keeps every token, as the sampler does, so it reshapes nothing.
    /// </summary>
    public static bool SamplerIsBiased(LineagePolicy lineage, int context, int vocabularySize) =>
        lineage.Sampling is not { Temperature: 1.0, TopP: 1.0 } || lineage.Sampling.TopK is > 0 and var k && k < vocabularySize
        || lineage.Filters.Dedupe || lineage.Sampling.MaxLength < context;

    /// <param name="cancellation">Checked every few hundred documents of each pass over the corpus and inside the surrogate's runs: both take seconds on a big corpus.</param>
    /// <param name="surrogateProgress">Told (done, total) as the surrogate's runs finish generations; a big policy runs it for minutes.</param>
    public static PolicyTheory For(LineagePolicyFile policy, PreparedCorpus corpus, CancellationToken cancellation = default, Action<long, long>? surrogateProgress = null)
    {
        var statistics = ContextStatistics.FromDocuments(corpus.RealPool.CheckingEvery(cancellation), corpus.Tokenizer.EndOfDocumentId);
        var ledger = TheoryPredictor.Predict(policy.Lineage, corpus.RealPoolTokens, statistics);
        try
        {
            var surrogate = SamplerIsBiased(policy.Lineage, policy.Model.Context, corpus.Tokenizer.VocabularySize)
                ? CountModelSurrogate.Run(policy.Lineage, corpus.RealPool, corpus.HeldOutDocuments, corpus.Tokenizer.VocabularySize,
                    corpus.Tokenizer.EndOfDocumentId, policy.Lineage.Sampling.MaxLength ?? policy.Model.Context, bigram: true, SurrogateRuns, policy.Training.Seed, cancellation, surrogateProgress)
                : null;
            return new PolicyTheory(ledger, surrogate, statistics);
        }
        catch (SamplingStalledException e)
        {
            throw Errors.SamplerStalled(policy, e);
        }
    }

    /// <summary>Predicted held-out perplexity relative to generation 0.</summary>
    public double PerplexityRatio(int g) => Surrogate?.Generations[g].PerplexityRatio.Mean ?? Ledger.Generations[g].PerplexityRatio;

    /// <summary>Predicted generated-text entropy relative to generation 0.</summary>
    public double EntropyRatio(int g) => Surrogate?.Generations[g].EntropyRatio.Mean ?? Ledger.Generations[g].EntropyRatio;

    /// <summary>
    /// Predicted unigram Gini–Simpson diversity relative to generation 0: what the gate measures on generated text. The
    /// surrogate's is of its runs' samples, as the gate's is; the ledger's of the models, which at temperature 1 the
    /// samples estimate without bias.
    /// </summary>
    public double DiversityRatio(int g) => Surrogate?.Generations[g].GeneratedDiversityRatio.Mean
        ?? Ledger.Generations[g].UnigramDiversityRatio / Ledger.Generations[0].UnigramDiversityRatio;
}
