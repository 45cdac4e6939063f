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

    /// <summary>
    /// The same surrogate runs (same seeds) with the sampler the ledger models (temperature 1, no filters, cut at the
    /// context unless the cut is one of the reasons), present when the sampler is biased but the ledger's second-order
    /// terms hold. The count model's held-out cross-entropy also charges every (context, token)
    /// pair a generation's training set happens to lose at the add-δ price, log((n + δV)/δ): a term of the same size as
    /// the ledger's whole second-order KL at corpus scale (mix at λ 0.75, byte tokens: ×1.025 against the ledger's ×1.017
    /// at temperature 1), set by δ rather than by anything the neural evaluator computes. Taking the perplexity as the
    /// ledger's times the sampler's effect (biased over unbiased surrogate) keeps that term out of the gate and makes a
    /// temperature of 0.999 predict what 1 does.
    /// </summary>
    public SurrogateResult? UnbiasedSurrogate { get; init; }

    public bool UsesSurrogate => Surrogate is not null;

    /// <summary>"surrogate" or "ledger": which of them the gate's predictions come from, as reports and predict's JSON name it.</summary>
    public string SourceName => UsesSurrogate ? "surrogate" : "ledger";

    /// <summary>Where the gate's perplexity comes from, which differs from <see cref="SourceName"/> where only the sampler is biased.</summary>
    public string PerplexitySourceName => UnbiasedSurrogate is null ? SourceName : "ledger × sampler effect";

    public string Source => UsesSurrogate
        ? $"Monte Carlo surrogate ({Surrogate!.Runs} seeded runs of the bigram count model with the policy's sampler{Validity.SourceNote})"
            + (UnbiasedSurrogate is null ? "" : "; perplexity: the covariance ledger's × the sampler's effect (the surrogate's ratio with this sampler over its ratio with the sampler the ledger models, so the count model's price for tokens a generation loses cancels)")
        : $"covariance ledger (the count model's expectation for an unbiased sampler, entropy and KL to second order, which hold here: {Validity.HoldsBasis})";

    /// <summary>
    /// The ledger's long-run sentence. With a biased sampler that is the unbiased sampler's long run, whose floor, steady
    /// state or collapse horizon can be far off: an audit's accumulate at temperature 0.7 read "converges to a floor" while
    /// the surrogate's entropy was still falling at generation 5, and replace-biased's "halves every 13863 generations"
    /// stood beside a surrogate at 0.84 of its diversity by generation 5.
    /// </summary>
    public string LongRunSentence => Validity.LongRunOf(Ledger.LongRun.Sentence);

    /// <summary>The long run in a clause, for the verdict line and CC1020: a CI log shows those, the report the whole sentence.</summary>
    public string LongRunHeadline => Validity.SamplerBiased ? Qualified(Ledger.LongRun.Headline, " for an unbiased, uncut sampler") : Ledger.LongRun.Headline;

    /// <summary>"replace … collapses for an unbiased, uncut sampler (the expected diversity …)": the words before the clause's figures.</summary>
    private static string Qualified(string headline, string words) =>
        headline.IndexOf(" (", StringComparison.Ordinal) is var at and >= 0 ? headline[..at] + words + headline[at..] : headline + words;

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
            // Only the sampler keeps the ledger from holding: its perplexity stands, scaled by the sampler's effect.
            var scaled = validity.SamplerBiased && !validity.PastSecondOrder;
            step?.Invoke(validity.Holds
                ? "the covariance ledger"
                : $"{SurrogateRuns} runs of the bigram surrogate with the policy's sampler{(scaled ? $" and {SurrogateRuns} with the sampler the ledger models" : validity.SamplerBiased ? "" : " (the ledger's second-order terms are past where they hold)")}");
            var passes = scaled ? 2 : 1;
            SurrogateResult Surrogate(LineagePolicy lineage, int maxLength, int pass) => CountModelSurrogate.Run(lineage, corpus.RealPool, corpus.HeldOutDocuments, corpus.Tokenizer.VocabularySize,
                corpus.Tokenizer.EndOfDocumentId, maxLength, bigram: true, SurrogateRuns, policy.Training.Seed, cancellation,
                surrogateProgress is null ? null : (done, total) => surrogateProgress(pass * total + done, passes * total));
            var surrogate = !validity.Holds ? Surrogate(policy.Lineage, policy.Lineage.Sampling.MaxLength ?? policy.Model.Context, 0) : null;
            // The reference keeps the policy's own cut unless the cut is one of the reasons: a cut below the limit is in the
            // ledger's rows too (temperature 0.999 at context 64 read ×1.016–1.018 against temperature 1's ×1.014–1.015
            // with an uncut reference), and one past it, or a maxLength, is part of the sampler's effect.
            var cutIsAReason = validity.CutMatters || policy.Lineage.Sampling.MaxLength < policy.Model.Context;
            var unbiased = scaled
                ? Surrogate(policy.Lineage with { Sampling = new SamplingPolicy(1.0, 0, 1.0, null), Filters = new FilterPolicy(false) },
                    cutIsAReason ? UncutLength : policy.Lineage.Sampling.MaxLength ?? policy.Model.Context, 1)
                : null;
            return new PolicyTheory(ledger, surrogate, statistics, validity) { UnbiasedSurrogate = unbiased };
        }
        catch (SamplingStalledException e)
        {
            throw Errors.SamplerStalled(policy, e);
        }
    }

    /// <summary>A cap on the unbiased surrogate's documents that no real one reaches: they end where the count model ends them.</summary>
    private const int UncutLength = 1 << 20;

    /// <summary>Predicted held-out perplexity relative to generation 0.</summary>
    public double PerplexityRatio(int g) => (Surrogate, UnbiasedSurrogate) switch
    {
        (null, _) => Ledger.Generations[g].PerplexityRatio,
        ({ } biased, { } unbiased) => Ledger.Generations[g].PerplexityRatio * biased.Generations[g].PerplexityRatio.Mean / unbiased.Generations[g].PerplexityRatio.Mean,
        ({ } biased, null) => biased.Generations[g].PerplexityRatio.Mean,
    };

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
