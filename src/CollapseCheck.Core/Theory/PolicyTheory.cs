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
/// <param name="Validity">Whether the ledger holds here, and why not.</param>
public sealed record PolicyTheory(TheoryPrediction Ledger, SurrogateResult? Surrogate, ContextStatistics Statistics, LedgerValidity Validity)
{
    /// <summary>Seeded count-model runs per surrogate prediction: enough for percentiles, cheap beside one training.</summary>
    public const int SurrogateRuns = 16;

    public bool UsesSurrogate => Surrogate is not null;

    /// <summary>"surrogate" or "ledger": which of them the gate's predictions come from, as reports and predict's JSON name it.</summary>
    public string SourceName => UsesSurrogate ? "surrogate" : "ledger";

    public string Source => UsesSurrogate
        ? $"Monte Carlo surrogate ({Surrogate!.Runs} seeded runs of the bigram count model with the policy's sampler{Validity.SourceNote})"
        : $"covariance ledger (the count model's expectation for an unbiased sampler, entropy and KL to second order, which hold here: {Validity.HoldsBasis})";

    /// <summary>
    /// The ledger's long-run sentence. With a biased sampler that is the unbiased sampler's long run, whose floor, steady
    /// state or collapse horizon can be far off: an audit's accumulate at temperature 0.7 read "converges to a floor" while
    /// the surrogate's entropy was still falling at generation 5, and replace-biased's "halves every 13863 generations"
    /// stood beside a surrogate at 0.84 of its diversity by generation 5.
    /// </summary>
    public string LongRunSentence => Ledger.LongRun.Sentence + Validity.LongRunCaveat;

    /// <summary>The long run in a clause, for the verdict line and CC1020: a CI log shows those, the report the whole sentence.</summary>
    public string LongRunHeadline => Ledger.LongRun.Headline + (Validity.SamplerBiased ? " for an unbiased, uncut sampler" : "");

    /// <param name="cancellation">Checked every few hundred documents of each pass over the corpus and inside the surrogate's runs: both take seconds on a big corpus.</param>
    /// <param name="surrogateProgress">Told (done, total) as the surrogate's runs finish generations; a big policy runs it for minutes.</param>
    /// <param name="step">Told which of the ledger or the surrogate makes the prediction, once the ledger has said whether it holds.</param>
    public static PolicyTheory For(LineagePolicyFile policy, PreparedCorpus corpus, CancellationToken cancellation = default, Action<long, long>? surrogateProgress = null, Action<string>? step = null)
    {
        var statistics = ContextStatistics.FromDocuments(corpus.RealPool.CheckingEvery(cancellation), corpus.Tokenizer.EndOfDocumentId);
        var ledger = TheoryPredictor.Predict(policy.Lineage, corpus.RealPoolTokens, statistics);
        try
        {
            var validity = LedgerValidity.Of(policy.Lineage, policy.Model.Context, corpus.Tokenizer.VocabularySize, corpus.RealPool, ledger);
            step?.Invoke(validity.Holds
                ? "the covariance ledger"
                : $"{SurrogateRuns} runs of the bigram surrogate with the policy's sampler{(validity.SamplerBiased ? "" : " (the ledger's second-order terms are past where they hold)")}");
            var surrogate = !validity.Holds
                ? CountModelSurrogate.Run(policy.Lineage, corpus.RealPool, corpus.HeldOutDocuments, corpus.Tokenizer.VocabularySize,
                    corpus.Tokenizer.EndOfDocumentId, policy.Lineage.Sampling.MaxLength ?? policy.Model.Context, bigram: true, SurrogateRuns, policy.Training.Seed, cancellation, surrogateProgress)
                : null;
            return new PolicyTheory(ledger, surrogate, statistics, validity);
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
