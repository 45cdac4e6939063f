using System.Globalization;
using CollapseCheck.Lineage;
using CollapseCheck.Policy;
using CollapseCheck.Reporting;

namespace CollapseCheck.Theory;

/// <summary>
/// Whether THEORY.md's ledger holds for a policy on its corpus, and if not why: "ledger where exact, surrogate otherwise".
/// It does not where the sampler draws other than the model (a reshaped distribution, dropped duplicates, documents
/// cut short) or where its second-order entropy loss and KL are past where they hold.
/// </summary>
/// <param name="Biases">What reshapes the policy's sampler ("temperature 0.8", "dedupe"), empty for none.</param>
/// <param name="CutLength">Where the sampler ends a document: maxLength, or the context.</param>
/// <param name="CutShare">The share of the real documents' tokens that lie past <paramref name="CutLength"/>, which no sample holds.</param>
/// <param name="SyntheticShare">Synthetic text's share of the last generation's training set.</param>
/// <param name="SecondOrderTerm">
/// How far the lineage moves c·(K − 1), the size of the ledger's second-order terms (π-weighted over bigram contexts for
/// KL, the unigram's for the entropy loss), above generation 0's: the largest increase over the generations.
/// </param>
public sealed record LedgerValidity(IReadOnlyList<string> Biases, int CutLength, double CutShare, double SyntheticShare, double SecondOrderTerm)
{
    /// <summary>
    /// THEORY.md: the entropy loss and KL are both ≈ c·(K − 1)/2, accurate while c·(K − 1) is small. Past this the
    /// ledger's perplexity ratio was ×1.2 where the count model's own was ×1.6 (cl100k, mix at λ 0.5), and ×13,000,000
    /// against ×21 at m = 100, so the gate's threshold could neither pass an honest lineage nor fail any.
    /// </summary>
    public const double SecondOrderLimit = 0.1;

    /// <summary>
    /// How much of the last training set the sampler's cut can reshape (cut share × synthetic share) before the
    /// surrogate models it. The default policy's 0.35 × 0.22 = 0.076 moves its predictions by 0.3 % (surrogate against
    /// ledger); a reviewer's accumulate at 0.55 × 0.37 = 0.20 by 2.6 %, replace at 0.55 by 5 %.
    /// </summary>
    public const double CutLimit = 0.1;

    public double CutWeight => CutShare * SyntheticShare;

    /// <summary>The samples' statistics differ from the model's in a way the ledger does not model, so its rows and long run are another sampler's.</summary>
    public bool SamplerBiased => Biases.Count > 0 || CutMatters;

    public bool Holds => !SamplerBiased && !PastSecondOrder;

    public static LedgerValidity Of(LineagePolicy lineage, int context, int vocabularySize, IReadOnlyList<int[]> realPool, TheoryPrediction ledger)
    {
        var s = lineage.Sampling;
        var biases = new List<string>();
        if (s.Temperature != 1.0)
        {
            biases.Add($"temperature {Numbers.Plain(s.Temperature)}");
        }

        // A top-k of at least the vocabulary keeps every token, as the sampler does, so it reshapes nothing.
        if (s.TopK > 0 && s.TopK < vocabularySize)
        {
            biases.Add(F($"top-k {s.TopK}"));
        }

        if (s.TopP < 1.0)
        {
            biases.Add($"top-p {Numbers.Plain(s.TopP)}");
        }

        if (lineage.Filters.Dedupe)
        {
            biases.Add("dedupe");
        }

        // A maxLength below the context is a choice to shorten documents, modelled whatever it cuts (at 1 token it is
        // everything); the cut at the context is only where it matters (CutLimit).
        if (s.MaxLength < context)
        {
            biases.Add(F($"maxLength {s.MaxLength} below the context {context}"));
        }

        var cutLength = s.MaxLength ?? context;
        var (tokens, past) = (0L, 0L);
        foreach (var document in realPool)
        {
            tokens += document.Length;
            past += Math.Max(0, document.Length - cutLength);
        }

        // Generation 0's own term is the real pool's noise, in both sides of every ratio: a cl100k pool alone reaches 0.2.
        // What the ratios rest on is how far the lineage moves it.
        static double Term(GenerationPrediction g) => 2 * Math.Max(g.KlNats, g.EntropyLossNats);
        return new LedgerValidity(biases, cutLength, tokens == 0 ? 0 : (double)past / tokens, LastSyntheticShare(lineage, ledger.Counts),
            ledger.Generations.Max(Term) - Term(ledger.Generations[0]));
    }

    /// <summary>Synthetic text's share of generation G's training set (a subsample keeps the shares of what it draws from).</summary>
    private static double LastSyntheticShare(LineagePolicy lineage, LedgerCounts n)
    {
        var g = lineage.Generations;
        return lineage.Mode switch
        {
            LineageMode.Replace => n.SyntheticTokens / (n.SyntheticTokens + n.FreshRealTokens),
            LineageMode.Mix => n.SyntheticTokens / (n.SyntheticTokens + n.MixRealTokens + n.FreshRealTokens),
            LineageMode.Accumulate or LineageMode.AccumulateSubsample => g * n.SyntheticTokens / (n.RealTokens + g * (n.SyntheticTokens + n.FreshRealTokens)),
            _ => throw new ArgumentOutOfRangeException(nameof(lineage), lineage.Mode, null),
        };
    }

    /// <summary>The sampler's cut at the context weighs enough that the ledger does not hold.</summary>
    public bool CutMatters => CutWeight > CutLimit;

    /// <summary>The lineage moves the ledger's second-order terms past where they hold, whatever the sampler.</summary>
    public bool PastSecondOrder => SecondOrderTerm > SecondOrderLimit;

    /// <summary>The sampler's cut in numbers: "the sampler's cut at 64 tokens leaves out 35 % of the real documents' tokens, and synthetic text is 22 % of the last generation's training set (product 0.076".</summary>
    private string Cut => F($"the sampler's cut at {CutLength} tokens leaves out {CutShare:P0} of the real documents' tokens, and synthetic text is {SyntheticShare:P0} of the last generation's training set (product {CutWeight:0.###}");

    private string SecondOrder => F($"the ledger's entropy loss and KL are second order, which holds while c·(K − 1) is small, and the lineage moves c·(K − 1) by up to {Numbers.Plain(SecondOrderTerm, 3)} over generation 0's");

    /// <summary>What predict says of the ledger's rows.</summary>
    public string Explanation
    {
        get
        {
            if (Holds)
            {
                return F($"ledger: temperature 1, no truncation, no filters (its entropy loss and KL are second order, and the lineage moves c·(K − 1) by up to {Numbers.Plain(SecondOrderTerm, 3)} over generation 0's, below the {SecondOrderLimit} where they hold; {Cut}, below the {CutLimit} past which the surrogate models the cut))");
            }

            var reasons = new List<string>();
            if (SamplerBiased)
            {
                reasons.Add(F($"the sampler draws other than the model ({string.Join(", ", CutMatters ? [.. Biases, Cut + F($", more than {CutLimit})")] : Biases)}), which the ledger does not model"));
            }

            if (PastSecondOrder)
            {
                reasons.Add(F($"{SecondOrder}, more than {SecondOrderLimit}"));
            }

            return string.Join("; ", reasons) + (!SamplerBiased
                ? ": the ledger's c stands, its entropy and perplexity rows do not, and the gate checks the surrogate's ratios"
                : PastSecondOrder
                    ? ": the ledger rows are the unbiased, uncut sampler's, the surrogate's are this policy's and the gate checks them"
                    : ": the ledger rows are the unbiased, uncut sampler's, the surrogate's are this policy's; the gate checks the surrogate's entropy and diversity, and the ledger's perplexity × the sampler's effect on the surrogate's (its ratio with this sampler over its ratio with the sampler the ledger models)");
        }
    }

    /// <summary>Why the gate's prediction source is the surrogate, for the report and the run's console: every reason predict gives.</summary>
    public string SourceNote =>
        string.Concat(Reasons(F($"{Cut}, more than {CutLimit})"), F($"{SecondOrder}, more than {SecondOrderLimit}")).Select(r => "; " + r));

    /// <summary>Which theory the gate checks against and why, in one short line for predict's head.</summary>
    public string Summary => Holds
        ? $"the ledger ({HoldsBasis})"
        : F($"the surrogate ({string.Join("; ", Reasons(F($"cut {CutShare:P0} × synthetic {SyntheticShare:P0} = {CutWeight:0.###} > {CutLimit}"), F($"second order moved {Numbers.Plain(SecondOrderTerm, 2)} > {SecondOrderLimit}")))})");

    /// <summary>Why the ledger holds, in numbers: "second order moved 0.0031, cut 35 % × synthetic 22 % = 0.076; both within 0.1".</summary>
    public string HoldsBasis => F($"second order moved {Numbers.Plain(SecondOrderTerm, 2)}, cut {CutShare:P0} × synthetic {SyntheticShare:P0} = {CutWeight:0.###}; both within 0.1");

    /// <summary>Every reason the ledger does not hold: the sampler's settings, then the cut and the second order, each as the caller words it.</summary>
    private IEnumerable<string> Reasons(string cut, string secondOrder) =>
        Biases.Concat(CutMatters ? [cut] : []).Concat(PastSecondOrder ? [secondOrder] : []);

    /// <summary>
    /// The ledger's long-run <paramref name="sentence"/>, led by what it is about when the sampler is not the one it models:
    /// behind it, "mix converges to a floor … instead of collapsing" stood first beside a lineage that measured tail
    /// coverage 0 and entropy ×0.49 at temperature 0.8, and read as the verdict on that policy (from a review).
    /// </summary>
    public string LongRunOf(string sentence) => SamplerBiased
        ? F($"For the unbiased, uncut sampler the ledger models, not this policy's {string.Join(", ", CutMatters ? [.. Biases, F($"cut at {CutLength} tokens")] : Biases)}: {sentence} So this long run, and CC1020 with it, does not judge this policy's sampler, whose effect shows only in the surrogate's generations over the lineage's length, which the gate's checks use.")
        : sentence;

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
