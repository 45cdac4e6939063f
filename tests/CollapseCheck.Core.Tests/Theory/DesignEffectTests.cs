using CollapseCheck.Common;
using CollapseCheck.Lineage;
using CollapseCheck.Theory;

namespace CollapseCheck.Core.Tests.Theory;

public class DesignEffectTests
{
    [Fact]
    public void One_token_documents_are_independent_tokens()
    {
        var rng = new SplitMix64(5);
        var stats = ContextStatistics.FromDocuments(Enumerable.Range(0, 500).Select(_ => new[] { rng.NextCategorical(ClusteredPool.P) + 1 }), 0);

        Assert.Equal(1.0, stats.Unigram.Documents.Diversity, 12);
        Assert.Equal(1.0, stats.Unigram.Documents.Divergence, 12);
        // Every document opens with end-of-document: one visit each, so that context draws independent tokens too.
        Assert.Equal(1.0, stats.Bigram.Single().Documents.Divergence, 12);
    }

    [Fact]
    public void Documents_of_one_repeated_token_move_L_tokens_at_a_time()
    {
        // D documents of L copies of one token: Σ‖e_i‖² = L²·D·(1 − Σp²), so the effect is (D·L − 1)/(D − 1), about L.
        const int d = 30, length = 4;
        var stats = ContextStatistics.FromDocuments(Enumerable.Range(0, d).Select(i => Enumerable.Repeat(i % 5 < 3 ? 1 : i % 5 - 1, length).ToArray()), 0);

        var expected = (d * length - 1.0) / (d - 1);
        Assert.Equal(expected, stats.Unigram.Documents.Diversity, 12);
        Assert.Equal(expected, stats.Unigram.Documents.Divergence, 12);
    }

    /// <summary>
    /// The effect against the composer itself: the variance of what <see cref="CorpusComposer.Subsample"/> draws, over
    /// the token draw's (T − n)/(T − 1)·w/n, for the trace (diversity) and the 1/p-weighted sum (entropy, KL).
    /// </summary>
    [Fact]
    public void It_is_the_variance_of_the_composers_subsample_over_a_token_draws()
    {
        const int n = 200;
        var effect = ContextStatistics.FromDocuments(ClusteredPool.Documents, -1).Unigram.Documents;
        var (diversity, divergence) = ComposerEffect(ClusteredPool.Documents, n);

        // Far from the token draw's 1, so a ledger without the effect could not pass; 4,000 draws leave about 2 % noise.
        Assert.True(effect.Diversity > 3, $"design effect {effect.Diversity}");
        Assert.Equal(effect.Diversity, DesignEffect.For(effect.Diversity, effect.DocumentLength, n));
        Assert.True(Math.Abs(diversity / effect.Diversity - 1) < 0.06, $"diversity: composer {diversity:F3}, design effect {effect.Diversity:F3}");
        Assert.True(Math.Abs(divergence / effect.Divergence - 1) < 0.06, $"divergence: composer {divergence:F3}, design effect {effect.Divergence:F3}");
    }

    /// <summary>
    /// Documents longer than the subsample: the composer takes a piece of one, cut to n, so the effect is a document of
    /// n tokens' rather than of the documents' whole length (a reviewer: 903 uncapped where the draws varied by 176).
    /// </summary>
    [Fact]
    public void A_subsample_shorter_than_the_documents_is_capped_at_its_own_length()
    {
        const int n = 100;
        var rng = new SplitMix64(7);
        var documents = Enumerable.Range(0, 40).Select(_ =>
        {
            var topic = rng.NextCategorical(ClusteredPool.P);
            return Enumerable.Range(0, 400).Select(_ => rng.NextDouble() < 0.5 ? topic : rng.NextCategorical(ClusteredPool.P)).ToArray();
        }).ToList();
        var effect = ContextStatistics.FromDocuments(documents, -1).Unigram.Documents;
        var (diversity, _) = ComposerEffect(documents, n);
        var capped = DesignEffect.For(effect.Diversity, effect.DocumentLength, n);

        Assert.True(effect.Diversity > 2 * capped, $"uncapped {effect.Diversity:F1}, capped {capped:F1}");
        Assert.True(Math.Abs(diversity / capped - 1) < 0.1, $"composer {diversity:F2}, capped {capped:F2}, uncapped {effect.Diversity:F2}");
    }

    /// <summary>The composer's subsample variance of the unigram proportions over a token draw's: (trace, 1/p-weighted).</summary>
    private static (double Diversity, double Divergence) ComposerEffect(IReadOnlyList<int[]> documents, int n)
    {
        const int reps = 4000, k = 5;
        var pool = documents.Select(d => new SourcedDocument(d, Sources.Real)).ToList();
        var t = (double)documents.Sum(d => d.Length);
        var p = new double[k];
        foreach (var id in documents.SelectMany(d => d))
        {
            p[id] += 1 / t;
        }

        var (sums, squares) = (new double[k], new double[k]);
        var rng = new SplitMix64(17);
        for (var rep = 0; rep < reps; rep++)
        {
            var counts = new double[k];
            foreach (var id in CorpusComposer.Subsample(pool, n, rng).SelectMany(d => d.Ids))
            {
                counts[id]++;
            }

            for (var i = 0; i < k; i++)
            {
                sums[i] += counts[i] / n;
                squares[i] += counts[i] / n * (counts[i] / n);
            }
        }

        var variance = Enumerable.Range(0, k).Select(i => (squares[i] - sums[i] * sums[i] / reps) / (reps - 1)).ToArray();
        var tokenDraw = (t - n) / (t - 1) / n;
        return (variance.Sum() / (tokenDraw * (1 - p.Sum(x => x * x))), variance.Select((v, i) => v / p[i]).Sum() / (tokenDraw * (k - 1)));
    }
}
