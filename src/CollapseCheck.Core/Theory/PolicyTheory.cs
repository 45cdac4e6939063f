using CollapseCheck.Common;
using CollapseCheck.Diagnostics;
using CollapseCheck.Lineage;
using CollapseCheck.Policy;

namespace CollapseCheck.Theory;

/// <summary>
/// The theory for one policy on its prepared corpus: the ledger always; the surrogate as well when the sampler
/// is biased or the ledger's second-order terms are past where they hold, and then the gate takes the surrogate's
/// means as the prediction.
/// </summary>
/// <param name="SamplerBiased">The sampler reshapes what it draws (<see cref="SamplerIsBiased"/>), so the ledger's rows and long run are the unbiased sampler's.</param>
public sealed record PolicyTheory(TheoryPrediction Ledger, SurrogateResult? Surrogate, ContextStatistics Statistics, bool SamplerBiased)
{
    /// <summary>
    /// THEORY.md: the entropy loss and KL are both ≈ c·(K − 1)/2, accurate while c·(K − 1) is small. Past this the
    /// ledger's perplexity ratio was ×1.2 where the count model's own was ×1.6 (cl100k, mix at λ 0.5), and ×13,000,000
    /// against ×21 at m = 100, so the gate's threshold could neither pass an honest lineage nor fail any.
    /// </summary>
    public const double SecondOrderLimit = 0.1;

    /// <summary>The largest c·(K − 1) of the ledger's second-order terms over the lineage: π-weighted over bigram contexts (KL), or the unigram's (entropy loss).</summary>
    public static double SecondOrderTerm(TheoryPrediction ledger) => ledger.Generations.Max(g => 2 * Math.Max(g.KlNats, g.EntropyLossNats));

    /// <summary>Why the gate takes the surrogate's means, for predict's header; null when it takes the ledger's.</summary>
    public string? SurrogateReason => !UsesSurrogate ? null : SamplerBiased
        ? "the sampler is biased (temperature, top-k, top-p, dedupe or a maxLength below the context), which the ledger does not model: the ledger rows are the unbiased sampler's, the surrogate's are this policy's"
        : string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"the ledger's entropy loss and KL are second-order terms, which hold while c·(K − 1) is small, and here it reaches {SecondOrderTerm(Ledger):G3} (more than {SecondOrderLimit}): the ledger's c and diversity stand, its entropy and perplexity rows do not, and the gate checks the surrogate's");

    /// <summary>Seeded count-model runs per surrogate prediction: enough for percentiles, cheap beside one training.</summary>
    public const int SurrogateRuns = 16;

    public bool UsesSurrogate => Surrogate is not null;

    public string Source => UsesSurrogate
        ? $"Monte Carlo surrogate ({Surrogate!.Runs} seeded runs of the bigram count model with the policy's sampler{(SamplerBiased ? "" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"; the ledger's second-order terms reach c·(K − 1) = {SecondOrderTerm(Ledger):G3}, past the {SecondOrderLimit} where they hold"))})"
        : "covariance ledger (exact at temperature 1 without truncation or filters)";

    /// <summary>
    /// The ledger's long-run sentence. With a biased sampler that is the unbiased sampler's long run, whose floor, steady
    /// state or collapse horizon can be far off: an audit's accumulate at temperature 0.7 read "converges to a floor" while
    /// the surrogate's entropy was still falling at generation 5, and replace-biased's "halves every 13863 generations"
    /// stood beside a surrogate at 0.84 of its diversity by generation 5.
    /// </summary>
    public string LongRunSentence => SamplerBiased
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
    /// <param name="step">Told which of the ledger or the surrogate makes the prediction, once the ledger has said whether it holds.</param>
    public static PolicyTheory For(LineagePolicyFile policy, PreparedCorpus corpus, CancellationToken cancellation = default, Action<long, long>? surrogateProgress = null, Action<string>? step = null)
    {
        var statistics = ContextStatistics.FromDocuments(corpus.RealPool.CheckingEvery(cancellation), corpus.Tokenizer.EndOfDocumentId);
        var ledger = TheoryPredictor.Predict(policy.Lineage, corpus.RealPoolTokens, statistics);
        try
        {
            var biased = SamplerIsBiased(policy.Lineage, policy.Model.Context, corpus.Tokenizer.VocabularySize);
            var useSurrogate = biased || SecondOrderTerm(ledger) > SecondOrderLimit;
            step?.Invoke(useSurrogate
                ? $"{SurrogateRuns} runs of the bigram surrogate with the policy's sampler{(biased ? "" : " (the ledger's second-order terms are past where they hold)")}"
                : "the covariance ledger");
            var surrogate = useSurrogate
                ? CountModelSurrogate.Run(policy.Lineage, corpus.RealPool, corpus.HeldOutDocuments, corpus.Tokenizer.VocabularySize,
                    corpus.Tokenizer.EndOfDocumentId, policy.Lineage.Sampling.MaxLength ?? policy.Model.Context, bigram: true, SurrogateRuns, policy.Training.Seed, cancellation, surrogateProgress)
                : null;
            return new PolicyTheory(ledger, surrogate, statistics, biased);
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
