using CollapseCheck.Policy;

namespace CollapseCheck.Theory;

/// <summary>Token counts of one context: N₀ real pool, m synthetic per generation, n training set, f fresh real per generation.</summary>
public sealed record LedgerCounts(double RealTokens, double SyntheticTokens, double TrainingTokens, double FreshRealTokens, double MixRealTokens);

/// <summary>
/// THEORY.md's covariance ledger for the policies <see cref="Lineage.CorpusComposer"/> builds, in the same terms:
/// model₀ = real pool R; synthetic@g = m tokens drawn from model g−1; fresh@g = f new real tokens; then
/// replace: synthetic@g (+ fresh@g); mix: r tokens subsampled from R without replacement + synthetic@g (+ fresh@g);
/// accumulate: R + fresh@1..g + synthetic@1..g; accumulate-subsample: n tokens drawn without replacement from that.
/// The two subsamples and the fresh draws take whole documents, so their noise is the token draw's times a design effect.
/// Returns c_g = c(model_g, model_g) for g = 0..G; the expected diversity ratio is 1 − c_g.
/// </summary>
public static class CovarianceLedger
{
    /// <param name="givenRealPool">
    /// Condition on the real pool instead of averaging over it: the pool is the "truth" and carries no noise.
    /// That is the Monte Carlo surrogate's setting, which starts from the pool itself.
    /// </param>
    /// <param name="realDesignEffect">
    /// The real documents' <see cref="DesignEffect"/> for this context and metric: mix's real share and the fresh draws
    /// are drawn from them (the real pool itself keeps 1/N₀: a given pool carries no noise, which is the setting the
    /// surrogate is checked in, and the pool's own term stands on both sides of every ratio).
    /// accumulate-subsample draws from real and synthetic documents together, each kind by its share of the tokens:
    /// between-document variance adds up document by document. Synthetic documents count 1: the count model's own
    /// samples draw each next token afresh at every visit of a context, so their documents add no between-document
    /// variance beyond the tokens' (measured on the default corpus's bigram model: 0.998).
    /// </param>
    /// <param name="realDocumentLength">The real documents' <see cref="DesignEffect.DocumentLength"/>, which caps the effect for a short subsample.</param>
    public static double[] Run(LineageMode mode, LedgerCounts n, int generations, bool givenRealPool = false, double realDesignEffect = 1, double realDocumentLength = 1)
    {
        var c = new CovarianceMatrix();
        var real = c.Independent(givenRealPool ? double.PositiveInfinity : n.RealTokens);
        var models = new List<int> { real };
        var accumulated = new List<(int, double)> { (real, n.RealTokens) };
        var realTokens = n.RealTokens;

        for (var g = 1; g <= generations; g++)
        {
            var synthetic = c.Draw([(models[g - 1], 1)], n.SyntheticTokens);
            var current = new List<(int, double)> { (synthetic, n.SyntheticTokens) };
            if (n.FreshRealTokens > 0)
            {
                var fresh = c.Independent(n.FreshRealTokens, DesignEffect.For(realDesignEffect, realDocumentLength, n.FreshRealTokens));
                current.Add((fresh, n.FreshRealTokens));
                accumulated.Add((fresh, n.FreshRealTokens));
                realTokens += n.FreshRealTokens;
            }

            accumulated.Add((synthetic, n.SyntheticTokens));
            var pool = accumulated.Sum(a => a.Item2);
            var drawn = Math.Min(n.TrainingTokens, pool);
            var realEffect = DesignEffect.For(realDesignEffect, realDocumentLength, drawn * realTokens / pool);
            var pooledDesignEffect = (realTokens * realEffect + (pool - realTokens)) / pool;
            models.Add(mode switch
            {
                LineageMode.Replace => c.Mixture(current),
                LineageMode.Mix => c.Mixture([(c.Draw([(real, 1)], n.MixRealTokens, n.RealTokens, DesignEffect.For(realDesignEffect, realDocumentLength, n.MixRealTokens)), n.MixRealTokens), .. current]),
                LineageMode.Accumulate => c.Mixture(accumulated),
                LineageMode.AccumulateSubsample => c.Draw(accumulated, drawn, pool, pooledDesignEffect),
                _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
            });
        }

        return models.Select(m => c[m, m]).ToArray();
    }
}
