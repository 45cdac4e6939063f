using CollapseCheck.Common;
using CollapseCheck.Policy;
using CollapseCheck.Theory;

namespace CollapseCheck.Core.Tests.Theory;

public class CountModelSurrogateTests
{
    private const int Eod = 0;

    // 240 real tokens over ids 1..6 with unequal frequencies, as 40 documents of 6.
    private static readonly IReadOnlyList<int[]> s_pool = Documents(40, 6, 1);
    private static readonly IReadOnlyList<int[]> s_heldOut = Documents(10, 6, 2);

    private static List<int[]> Documents(int count, int length, int seed)
    {
        var rng = new SplitMix64((ulong)seed);
        double[] p = [0.35, 0.25, 0.15, 0.12, 0.08, 0.05];
        return Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, length).Select(_ => rng.NextCategorical(p) + 1).ToArray()).ToList();
    }

    private static LineagePolicy Lineage(LineageMode mode, int fresh = 0, double temperature = 1.0, double topP = 1.0, double realFraction = 0.5) =>
        new(5, mode, 60, realFraction, fresh, mode == LineageMode.AccumulateSubsample ? 200 : null,
            new SamplingPolicy(temperature, 0, topP, null), new FilterPolicy(false));

    [Theory]
    [InlineData(LineageMode.Replace, 0)]
    [InlineData(LineageMode.Mix, 0)]
    [InlineData(LineageMode.Accumulate, 0)]
    [InlineData(LineageMode.AccumulateSubsample, 0)]
    [InlineData(LineageMode.Replace, 20)]
    [InlineData(LineageMode.Accumulate, 20)]
    public void At_temperature_1_without_truncation_the_surrogate_agrees_with_the_ledger(LineageMode mode, int fresh)
    {
        var lineage = Lineage(mode, fresh, realFraction: 0.4);
        var surrogate = CountModelSurrogate.Run(lineage, s_pool, s_heldOut, 7, Eod, 8, bigram: false, runs: 3000, seed: 11);
        var ledger = CovarianceLedger.Run(mode, TheoryPredictor.CountsFor(lineage, 240), 5, givenRealPool: true);
        foreach (var g in surrogate.Generations)
        {
            var expected = 1 - ledger[g.Generation];
            Assert.True(Math.Abs(g.DiversityRatio.Mean - expected) <= 4 * g.DiversityRatio.StandardError + 1e-12,
                $"generation {g.Generation}: surrogate {g.DiversityRatio.Mean:F5} ± {g.DiversityRatio.StandardError:F5}, ledger {expected:F5}");
        }
    }

    [Theory]
    [InlineData(LineageMode.Replace)]
    [InlineData(LineageMode.Accumulate)]
    public void At_temperature_1_the_samples_diversity_ratio_estimates_the_models(LineageMode mode)
    {
        // What the gate compares with measured text is the samples'; unbiased, it must tell the ledger's 1 − c. The plug-in
        // Gini–Simpson of m = 60 tokens is low by 1/m on both sides of the ratio, which leaves a Jensen gap of about
        // Var/mean² of generation 0's sample, under 0.2 % here (measured: 0.0008).
        var surrogate = CountModelSurrogate.Run(Lineage(mode), s_pool, s_heldOut, 7, Eod, 8, bigram: false, runs: 3000, seed: 13);
        foreach (var g in surrogate.Generations.Skip(1))
        {
            var (sample, model) = (g.GeneratedDiversityRatio, g.DiversityRatio);
            var error = Math.Sqrt(sample.StandardError * sample.StandardError + model.StandardError * model.StandardError);
            Assert.True(Math.Abs(sample.Mean - model.Mean) <= 4 * error + 0.002,
                $"generation {g.Generation}: samples {sample.Mean:F5} ± {sample.StandardError:F5}, models {model.Mean:F5} ± {model.StandardError:F5}");
        }
    }

    [Fact]
    public void A_biased_sampler_collapses_replace_faster_than_the_unbiased_one()
    {
        var unbiased = CountModelSurrogate.Run(Lineage(LineageMode.Replace), s_pool, s_heldOut, 7, Eod, 8, bigram: true, runs: 200, seed: 3);
        var biased = CountModelSurrogate.Run(Lineage(LineageMode.Replace, temperature: 0.7, topP: 0.9), s_pool, s_heldOut, 7, Eod, 8, bigram: true, runs: 200, seed: 3);
        var last = 5;
        Assert.True(biased.Generations[last].DiversityRatio.Mean < unbiased.Generations[last].DiversityRatio.Mean - 0.05);
        Assert.True(biased.Generations[last].GeneratedDiversityRatio.Mean < unbiased.Generations[last].GeneratedDiversityRatio.Mean - 0.05);
        Assert.True(biased.Generations[last].PerplexityRatio.Mean > unbiased.Generations[last].PerplexityRatio.Mean);
        Assert.True(biased.Generations[last].EntropyRatio.Mean < 1.0);
    }

    [Fact]
    public void Progress_counts_every_generation_of_every_run_once()
    {
        var reports = new System.Collections.Concurrent.ConcurrentBag<(long Done, long Total)>();
        CountModelSurrogate.Run(Lineage(LineageMode.Replace, temperature: 0.8), s_pool, s_heldOut, 7, Eod, 8, bigram: true, runs: 12, seed: 5,
            generationFinished: (done, total) => reports.Add((done, total)));

        // 12 runs × generations 0–5, each counted once across the worker threads.
        Assert.Equal(Enumerable.Range(1, 72).Select(i => (long)i), reports.Select(r => r.Done).Order());
        Assert.All(reports, r => Assert.Equal(72, r.Total));
    }

    [Fact]
    public void The_lowest_temperature_a_policy_takes_draws_the_most_frequent_token_though_its_power_overflows()
    {
        // 2,100^100 (temperature 0.01) is past a double's range; so were the weights, which made every draw the last id.
        var table = new SamplingTable(new Dictionary<int, long> { [4] = 10, [1] = 2100, [2] = 1500 }, temperature: 0.01, topK: 0, topP: 1.0);
        var rng = new SplitMix64(9);

        Assert.All(Enumerable.Range(0, 200), _ => Assert.Equal(1, table.Draw(rng)));
    }

    [Fact]
    public void The_gates_diversity_prediction_is_the_samples_which_a_biased_sampler_moves_away_from_the_models()
    {
        var lineage = Lineage(LineageMode.Replace, temperature: 0.7);
        var surrogate = CountModelSurrogate.Run(lineage, s_pool, s_heldOut, 7, Eod, 8, bigram: true, runs: 50, seed: 3);
        var statistics = ContextStatistics.FromDocuments(s_pool, Eod);
        var theory = new PolicyTheory(TheoryPredictor.Predict(lineage, 240, statistics), surrogate, statistics, new LedgerValidity(["temperature 0.7"], 8, 0, 0, 0));

        Assert.All(surrogate.Generations, g => Assert.Equal(g.GeneratedDiversityRatio.Mean, theory.DiversityRatio(g.Generation)));
        // Sharpened sampling: the samples' diversity is not the models' (the models lag a generation behind).
        var apart = surrogate.Generations.Max(g => Math.Abs(g.GeneratedDiversityRatio.Mean - g.DiversityRatio.Mean));
        Assert.True(apart > 0.01, $"the two ratios are at most {apart:F4} apart");
    }

    [Fact]
    public void Runs_are_seeded_and_quantiles_are_ordered()
    {
        var a = CountModelSurrogate.Run(Lineage(LineageMode.Accumulate, temperature: 0.8), s_pool, s_heldOut, 7, Eod, 8, bigram: true, runs: 20, seed: 5);
        var b = CountModelSurrogate.Run(Lineage(LineageMode.Accumulate, temperature: 0.8), s_pool, s_heldOut, 7, Eod, 8, bigram: true, runs: 20, seed: 5);
        Assert.Equal(a.Generations, b.Generations);
        Assert.All(a.Generations, g => Assert.True(g.PerplexityRatio.P10 <= g.PerplexityRatio.P50 && g.PerplexityRatio.P50 <= g.PerplexityRatio.P90));
        Assert.Equal(1.0, a.Generations[0].PerplexityRatio.Mean);
    }

    [Fact]
    public void A_generation_0_of_one_token_type_gives_ratios_of_1_not_NaN()
    {
        // Every document opens with id 1 and is cut at one token: the sample holds one type in every generation.
        var alike = s_pool.Select(d => (int[])[1, .. d]).ToList();

        var result = CountModelSurrogate.Run(Lineage(LineageMode.Replace), alike, s_heldOut, 7, Eod, maxDocumentLength: 1, bigram: true, runs: 4, seed: 3);

        Assert.All(result.Generations, g =>
        {
            Assert.Equal(1.0, g.EntropyRatio.Mean);
            Assert.Equal(1.0, g.GeneratedDiversityRatio.Mean);
        });
    }
}
