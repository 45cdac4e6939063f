using CollapseCheck.Common;
using CollapseCheck.Lineage;
using CollapseCheck.Policy;
using CollapseCheck.Theory;

namespace CollapseCheck.Core.Tests.Theory;

public class CovarianceLedgerTests
{
    [Theory]
    [InlineData(40, 30)]
    [InlineData(1000, 200)]
    public void Replace_is_Wright_Fisher_decay(double n0, double m)
    {
        var c = CovarianceLedger.Run(LineageMode.Replace, new LedgerCounts(n0, m, n0, 0, 0), 12);
        for (var g = 0; g <= 12; g++)
        {
            Assert.Equal((1 - 1 / n0) * Math.Pow(1 - 1 / m, g), 1 - c[g], 12);
        }
    }

    [Fact]
    public void Accumulate_converges_to_a_limit_below_one()
    {
        var c = CovarianceLedger.Run(LineageMode.Accumulate, new LedgerCounts(40, 30, 40, 0, 0), 400);
        Assert.All(c.Zip(c.Skip(1)), pair => Assert.True(pair.Second >= pair.First - 1e-15));
        Assert.True(c[400] < 0.2, $"c_400 = {c[400]}");
        Assert.True(c[400] - c[200] < 1e-3, "still growing");
        var replace = CovarianceLedger.Run(LineageMode.Replace, new LedgerCounts(40, 30, 40, 0, 0), 400);
        Assert.True(replace[400] > 0.99999);
    }

    [Fact]
    public void Mix_converges_to_its_fixed_point()
    {
        const double n0 = 200, m = 30, r = 30;
        var lambda = r / (r + m);
        var c = CovarianceLedger.Run(LineageMode.Mix, new LedgerCounts(n0, m, n0, 0, r), 300);
        // c(R, model_g) stays 1/N0, so c* = [λ²/r + (1−λ)²/m + 2λ(1−λ)/N0] / [1 − (1−λ)²(1 − 1/m)].
        var fixedPoint = (lambda * lambda / r + (1 - lambda) * (1 - lambda) / m + 2 * lambda * (1 - lambda) / n0)
            / (1 - (1 - lambda) * (1 - lambda) * (1 - 1 / m));
        Assert.Equal(fixedPoint, c[300], 12);
        Assert.True(fixedPoint < 1);
    }

    [Fact]
    public void Accumulate_subsample_with_n_equal_to_the_whole_pool_is_accumulate()
    {
        var sub = CovarianceLedger.Run(LineageMode.AccumulateSubsample, new LedgerCounts(40, 30, 1e9, 0, 0), 6);
        var all = CovarianceLedger.Run(LineageMode.Accumulate, new LedgerCounts(40, 30, 40, 0, 0), 6);
        Assert.Equal(all, sub, (a, b) => Math.Abs(a - b) < 1e-12);
    }

    /// <summary>
    /// The policies simulated token by token, as the lineage composes them (K = 5, N₀ = 40, m = 30, f = 10),
    /// with MLE "models": the mean Gini–Simpson ratio must match 1 − c_g within Monte Carlo error.
    /// </summary>
    [Theory]
    [InlineData(LineageMode.Replace, 0)]
    [InlineData(LineageMode.Mix, 0)]
    [InlineData(LineageMode.Accumulate, 0)]
    [InlineData(LineageMode.AccumulateSubsample, 0)]
    [InlineData(LineageMode.Replace, 10)]
    [InlineData(LineageMode.AccumulateSubsample, 10)]
    public void The_ledger_matches_a_token_level_simulation(LineageMode mode, int fresh)
    {
        double[] p = [0.4, 0.25, 0.15, 0.12, 0.08];
        const int n0 = 40, m = 30, n = 40, r = 20, generations = 6, runs = 6000;
        var ledger = CovarianceLedger.Run(mode, new LedgerCounts(n0, m, n, fresh, r), generations);
        var trueGini = 1 - p.Sum(x => x * x);
        var sums = new double[generations + 1];
        var squares = new double[generations + 1];
        var rng = new SplitMix64(42);

        for (var run = 0; run < runs; run++)
        {
            var real = Draw(p, n0, rng);
            var model = real;
            var pool = new List<int>(real);
            for (var g = 0; g <= generations; g++)
            {
                if (g > 0)
                {
                    var synthetic = Draw(Distribution(model, p.Length), m, rng);
                    var freshDraw = fresh > 0 ? Draw(p, fresh, rng) : [];
                    pool.AddRange(freshDraw);
                    pool.AddRange(synthetic);
                    model = mode switch
                    {
                        LineageMode.Replace => [.. synthetic, .. freshDraw],
                        LineageMode.Mix => [.. Subsample(real, r, rng), .. synthetic, .. freshDraw],
                        LineageMode.Accumulate => [.. pool],
                        _ => Subsample(pool, n, rng),
                    };
                }

                var gini = 1 - Distribution(model, p.Length).Sum(x => x * x);
                sums[g] += gini / trueGini;
                squares[g] += gini / trueGini * (gini / trueGini);
            }
        }

        for (var g = 0; g <= generations; g++)
        {
            var mean = sums[g] / runs;
            var standardError = Math.Sqrt((squares[g] / runs - mean * mean) / runs);
            Assert.True(Math.Abs(mean - (1 - ledger[g])) < 4 * standardError + 1e-9,
                $"generation {g}: simulated {mean:F5} ± {standardError:F5}, ledger {1 - ledger[g]:F5}");
        }
    }

    /// <summary>
    /// Mix and accumulate-subsample as <see cref="CorpusComposer.Compose"/> builds them from a real pool of topical
    /// documents (<see cref="ClusteredPool"/>), given that pool, with synthetic sets of m independent tokens from each
    /// generation's MLE model, and fresh text as whole documents drawn again from the pool: the mean Gini–Simpson ratio to
    /// the pool's must be 1 − c_g at the pool's design effect, and far from the token-level ledger's, which took the
    /// documents' tokens for independent ones.
    /// </summary>
    [Theory]
    [InlineData(LineageMode.Mix, null, 0)]
    [InlineData(LineageMode.AccumulateSubsample, 600, 0)]
    [InlineData(LineageMode.Replace, null, 200)]
    [InlineData(LineageMode.Mix, null, 200)]
    public void The_ledger_matches_the_composers_whole_document_subsamples_and_fresh_documents(LineageMode mode, int? trainingTokens, int fresh)
    {
        const int m = 200, generations = 5, runs = 3000;
        var p = ClusteredPool.P;
        var pool = ClusteredPool.Documents;
        var lineage = new LineagePolicy(generations, mode, m, 0.5, fresh, trainingTokens, new SamplingPolicy(1.0, 0, 1.0, null), new FilterPolicy(false));
        var counts = TheoryPredictor.CountsFor(lineage, ClusteredPool.Tokens);
        var effect = ContextStatistics.FromDocuments(pool, -1).Unigram.Documents;
        var ledger = CovarianceLedger.Run(mode, counts, generations, givenRealPool: true, realDesignEffect: effect.Diversity, realDocumentLength: effect.DocumentLength);
        var tokenLevel = CovarianceLedger.Run(mode, counts, generations, givenRealPool: true);
        var poolGini = Gini(pool.SelectMany(d => d).ToList(), p.Length);
        var (sums, squares) = (new double[generations + 1], new double[generations + 1]);
        var rng = new SplitMix64(43);

        for (var run = 0; run < runs; run++)
        {
            var synthetic = new List<IReadOnlyList<int[]>> { Array.Empty<int[]>() };
            var freshSets = new List<IReadOnlyList<int[]>> { Array.Empty<int[]>() };
            var model = pool.SelectMany(d => d).ToList();
            for (var g = 1; g <= generations; g++)
            {
                var distribution = Distribution(model, p.Length);
                synthetic.Add(Enumerable.Range(0, m).Select(_ => new[] { rng.NextCategorical(distribution) }).ToList());
                freshSets.Add(WholeDocuments(pool, fresh, rng));
                model = CorpusComposer.Compose(lineage, g, pool, synthetic, freshSets, (int)(rng.NextUInt64() & int.MaxValue)).Documents.SelectMany(d => d.Ids).ToList();
                var ratio = Gini(model, p.Length) / poolGini;
                sums[g] += ratio;
                squares[g] += ratio * ratio;
            }
        }

        for (var g = 1; g <= generations; g++)
        {
            var mean = sums[g] / runs;
            var standardError = Math.Sqrt((squares[g] / runs - mean * mean) / runs);
            Assert.True(Math.Abs(mean - (1 - ledger[g])) < 4 * standardError,
                $"generation {g}: simulated {mean:F5} ± {standardError:F5}, ledger {1 - ledger[g]:F5} at design effect {effect:F2}");
            // 8–11 standard errors when written.
            Assert.True(Math.Abs(mean - (1 - tokenLevel[g])) > 6 * standardError,
                $"generation {g}: the token-level ledger's {1 - tokenLevel[g]:F5} is as close to {mean:F5} ± {standardError:F5}: the case no longer tells them apart");
        }
    }

    /// <summary>Documents drawn with replacement up to exactly <paramref name="tokens"/>, the last one cut.</summary>
    private static List<int[]> WholeDocuments(IReadOnlyList<int[]> documents, int tokens, SplitMix64 rng)
    {
        var drawn = new List<int[]>();
        for (var need = tokens; need > 0; need -= drawn[^1].Length)
        {
            var doc = documents[(int)rng.NextInt64(documents.Count)];
            drawn.Add(doc[..Math.Min(doc.Length, need)]);
        }

        return drawn;
    }

    private static double Gini(List<int> tokens, int k) => 1 - Distribution(tokens, k).Sum(x => x * x);

    private static List<int> Draw(double[] p, int count, SplitMix64 rng)
    {
        return Enumerable.Range(0, count).Select(_ => rng.NextCategorical(p)).ToList();
    }

    private static List<int> Subsample(List<int> tokens, int count, SplitMix64 rng)
    {
        var copy = new List<int>(tokens);
        rng.Shuffle(copy);
        return copy.Take(Math.Min(count, copy.Count)).ToList();
    }

    private static double[] Distribution(List<int> tokens, int k)
    {
        var d = new double[k];
        foreach (var t in tokens)
        {
            d[t] += 1.0 / tokens.Count;
        }

        return d;
    }
}
