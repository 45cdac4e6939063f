namespace CollapseCheck.Theory;

/// <summary>
/// How much more a context's next-token distribution varies over a subsample of whole documents than over one of as
/// many independent tokens: the survey-sampling design effect, ≈ 1 + (L_w − 1)·ρ for documents of size-weighted mean
/// length L_w whose tokens correlate by ρ. <see cref="Lineage.CorpusComposer.Subsample"/> draws whole documents, so
/// mix's real share and accumulate-subsample's training set vary by this much more than the ledger's token draws: on the
/// default corpus 1.58 for the unigram diversity and 1.22 for the bigram KL, on one document per .NET type 6–11.
/// </summary>
/// <param name="Diversity">For the Gini–Simpson diversity: the covariance's trace.</param>
/// <param name="Divergence">For the entropy loss and KL, which weight each token's variance by 1/p.</param>
/// <param name="DocumentLength">The documents' size-weighted mean number of the context's tokens, Σv²/Σv.</param>
public sealed record DesignEffect(double Diversity, double Divergence, double DocumentLength)
{
    /// <summary>Independent tokens: what a pool of one-token documents gives, and the ledger's rules alone.</summary>
    public static DesignEffect None { get; } = new(1, 1, 1);

    /// <summary>
    /// <paramref name="effect"/> (<see cref="Diversity"/> or <see cref="Divergence"/>) for a subsample of
    /// <paramref name="drawnTokens"/> of the context's tokens. The effect grows with the length of what is drawn whole,
    /// and the composer cuts the last document it takes, so a subsample shorter than the documents draws a piece of
    /// one, no longer than itself: 1 + (effect − 1)·min(1, n/L_w). Without the cap, one document per .NET type (L_w 4,820
    /// against n 2,000) read 903 where the composer's draws vary by 176 (capped: 181).
    /// </summary>
    public static double For(double effect, double documentLength, double drawnTokens) =>
        documentLength <= drawnTokens ? effect : 1 + (effect - 1) * drawnTokens / documentLength;
}

/// <summary>
/// One context's per-document sums for <see cref="DesignEffect"/>, in one pass: with x_i the document's next-token
/// counts, v_i its visits and p the pool's distribution, Σ‖x_i − p·v_i‖² = Σ x_ik² − 2 Σ p_k x_ik v_i + Σ p_k² v_i²
/// needs only Σ x_ik², Σ x_ik v_i and Σ v_i², none of which needs p in advance.
/// </summary>
internal sealed class DesignEffectCounter
{
    private readonly Dictionary<int, double> _squares = [];
    private readonly Dictionary<int, double> _timesVisits = [];
    private double _visitSquares;

    public void AddDocument(IReadOnlyDictionary<int, long> counts)
    {
        double visits = counts.Values.Sum();
        foreach (var (token, n) in counts)
        {
            _squares[token] = _squares.GetValueOrDefault(token) + (double)n * n;
            _timesVisits[token] = _timesVisits.GetValueOrDefault(token) + n * visits;
        }

        _visitSquares += visits * visits;
    }

    /// <summary>
    /// The finite-population ratio: between-document variance S²_e = Σ‖e_i‖²/(D − 1) over what D documents of the mean
    /// length T/D would give with independent tokens, (T/D)·T·w/(T − 1), with w = 1 − Σp² (trace) or K − 1 (1/p-weighted).
    /// Its finite-population factor (1 − d/D) is the ledger's (T − n)/(T − 1) to order 1/T, so the ledger multiplies its
    /// draw noise by this and keeps its own factor. It is the limit of many documents per subsample: the composer cuts the
    /// last document it takes, which makes the true effect smaller where documents are long beside the subsample (its
    /// Monte Carlo: 0.76 and 0.92 of this for the unigram and bigram terms at a size-weighted length a quarter of the
    /// subsample's, within 1–3 % on the default corpus, under a hundredth). It is the variance given that the draw visits the
    /// context: where the draw holds fewer than about one of the documents that do, what varies is whether it holds the
    /// context at all, which neither this nor the token ledger models (cl100k on the default corpus: effects of 0.4–0.8
    /// there, on 0.2 % of the KL's π·(K − 1) weight but, their c being large, enough to lower mix's KL 0.7 %; that ledger
    /// is past its second order anyway, and the gate takes the surrogate).
    /// </summary>
    /// <param name="totals">The pool's counts for the context (its p).</param>
    /// <param name="documents">All of the pool's documents, those that never visit the context included: the composer draws documents, not visits.</param>
    public DesignEffect Of(IReadOnlyDictionary<int, long> totals, long documents)
    {
        double tokens = totals.Values.Sum();
        // One document, one token or one token type: nothing varies between documents, or nothing varies at all.
        if (documents < 2 || tokens < 2 || totals.Count < 2)
        {
            return DesignEffect.None;
        }

        double squares = 0, cross = 0, squaresOverP = 0, sumP2 = 0;
        foreach (var (token, n) in totals)
        {
            var p = n / tokens;
            squares += _squares[token];
            cross += p * _timesVisits[token];
            squaresOverP += _squares[token] / p;
            sumP2 += p * p;
        }

        var iid = tokens / documents * tokens / (tokens - 1) * (documents - 1);
        // Each ‖e_i‖² is ≥ 0; the sums cancel to a rounding error only where every document has the pool's proportions.
        var trace = Math.Max(0, squares - 2 * cross + sumP2 * _visitSquares) / (iid * (1 - sumP2));
        var weighted = Math.Max(0, squaresOverP - _visitSquares) / (iid * (totals.Count - 1));
        return new DesignEffect(trace, weighted, _visitSquares / tokens);
    }
}
