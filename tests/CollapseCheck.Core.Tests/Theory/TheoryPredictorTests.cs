using CollapseCheck.Policy;
using CollapseCheck.Theory;

namespace CollapseCheck.Core.Tests.Theory;

public class TheoryPredictorTests
{
    private static LineagePolicy Lineage(LineageMode mode, int fresh = 0, double realFraction = 0.5) =>
        new(5, mode, 2000, realFraction, fresh, null, new SamplingPolicy(1.0, 0, 1.0, null), new FilterPolicy(false));

    // A small "corpus": two kinds of documents so contexts differ in weight and diversity.
    private static readonly ContextStatistics s_statistics = ContextStatistics.FromDocuments(
        Enumerable.Range(0, 200).Select(i => i % 3 == 0 ? new[] { 1, 2, 3, 1, 2, 4 } : new[] { 5, 1, 2, 3, 6, i % 7 + 1 }), 0);

    [Theory]
    [InlineData(LineageMode.Replace, 0, LongRunBehaviour.Collapses)]
    [InlineData(LineageMode.Replace, 500, LongRunBehaviour.ConvergesToFloor)]
    [InlineData(LineageMode.Mix, 0, LongRunBehaviour.ConvergesToFloor)]
    [InlineData(LineageMode.Accumulate, 0, LongRunBehaviour.ConvergesToFloor)]
    [InlineData(LineageMode.AccumulateSubsample, 0, LongRunBehaviour.ConvergesToFloor)]
    public void Long_run_behaviour_follows_from_whether_real_data_keeps_entering(LineageMode mode, int fresh, LongRunBehaviour expected)
    {
        var longRun = TheoryPredictor.Classify(Lineage(mode, fresh), TheoryPredictor.CountsFor(Lineage(mode, fresh), 10_000));
        Assert.Equal(expected, longRun.Behaviour);
        Assert.Contains(PolicyNames.Of(mode), longRun.Sentence);
        Assert.Equal(expected == LongRunBehaviour.Collapses, longRun.FloorDiversityRatio == 0);
        Assert.StartsWith(PolicyNames.Of(mode) + (expected == LongRunBehaviour.Collapses ? " without real data collapses (" : " converges to a floor"), longRun.Headline);
        Assert.True(longRun.Headline.Length < longRun.Sentence.Length / 2, longRun.Headline);
    }

    /// <summary>
    /// A probe's replace with one fresh token a generation beside 20,000 synthetic ones "converged to a floor" (0.99 of the
    /// corpus-wide diversity at generation 200) while its samples read "the the the": per context, in the limit, it collapses.
    /// </summary>
    [Theory]
    [InlineData(LineageMode.Replace, 1, 0.5, LongRunBehaviour.Collapses)]
    [InlineData(LineageMode.Replace, 1000, 0.5, LongRunBehaviour.ConvergesToFloor)]
    [InlineData(LineageMode.Mix, 0, 0.5, LongRunBehaviour.ConvergesToFloor)]
    [InlineData(LineageMode.Mix, 0, 0.0001, LongRunBehaviour.Collapses)]
    [InlineData(LineageMode.Accumulate, 1, 0.5, LongRunBehaviour.ConvergesToFloor)]
    public void Replace_or_mix_with_too_few_real_tokens_for_its_contexts_collapses_context_by_context(LineageMode mode, int fresh, double realFraction, LongRunBehaviour expected)
    {
        var lineage = new LineagePolicy(5, mode, 20_000, realFraction, fresh, null, new SamplingPolicy(1.0, 0, 1.0, null), new FilterPolicy(false));
        var counts = TheoryPredictor.CountsFor(lineage, 100_000);

        var longRun = TheoryPredictor.Classify(lineage, counts, contexts: s_statistics.Bigram);

        Assert.Equal(expected, longRun.Behaviour);
        // Without the contexts, the corpus-wide diversity alone calls every one of them a floor.
        Assert.Equal(LongRunBehaviour.ConvergesToFloor, TheoryPredictor.Classify(lineage, counts).Behaviour);
        if (expected == LongRunBehaviour.Collapses)
        {
            Assert.Contains("collapses context by context", longRun.Headline);
            // The floor field keeps its meaning (0 for collapse); the limit is in the words.
            Assert.Equal(0, longRun.FloorDiversityRatio);
            Assert.InRange(TheoryPredictor.ContextLimit(counts, s_statistics.Bigram), 0, TheoryPredictor.CollapsedContextShare);
            Assert.Contains(CollapseCheck.Reporting.Numbers.Plain(TheoryPredictor.ContextLimit(counts, s_statistics.Bigram), 3), longRun.Headline);
        }
    }

    [Fact]
    public void A_long_run_that_dips_and_recovers_is_not_called_stationary_and_one_still_moving_at_the_horizon_is_not_called_settled()
    {
        // Much fresh text beside the synthetic: c rises for a few generations, then the accumulating real text brings
        // it back below generation 0's, which an endpoint-only check called stationary.
        var dipping = new LineagePolicy(5, LineageMode.Accumulate, 3000, 0.5, 500, null, new SamplingPolicy(1.0, 0, 1.0, null), new FilterPolicy(false));
        var recovers = TheoryPredictor.Classify(dipping, TheoryPredictor.CountsFor(dipping, 2000));
        Assert.Equal(LongRunBehaviour.ConvergesToFloor, recovers.Behaviour);
        Assert.Contains("accumulate recovers: real data bounds the estimation noise, so the expected diversity dips to", recovers.Sentence);
        Assert.Contains($"by generation {TheoryPredictor.Horizon} (generation 0:", recovers.Sentence);
        Assert.DoesNotContain("converges to a floor", recovers.Sentence);
        Assert.StartsWith("accumulate recovers after a dip at generation ", recovers.Headline);

        // Two real tokens beside 2,000 synthetic ones: far from its limit after 200 generations.
        var slow = new LineagePolicy(5, LineageMode.Mix, 2000, 0.001, 0, null, new SamplingPolicy(1.0, 0, 1.0, null), new FilterPolicy(false));
        var moving = TheoryPredictor.Classify(slow, TheoryPredictor.CountsFor(slow, 100_000));
        Assert.StartsWith($"mix converges to a floor it has not reached by generation {TheoryPredictor.Horizon}: ", moving.Sentence);
        Assert.Contains("of the truth's there and still falling (generation 0: ", moving.Sentence);
        Assert.DoesNotContain("settles", moving.Sentence);
        Assert.Equal($"mix converges to a floor it has not reached by generation {TheoryPredictor.Horizon}", moving.Headline);
    }

    [Fact]
    public void A_share_of_the_truths_diversity_that_rounds_to_1_is_written_as_1_minus_its_gap()
    {
        // At corpus scale c is about 1/N0: six digits read "1 of the truth's (generation 0: 1)".
        var lineage = new LineagePolicy(5, LineageMode.Mix, 2000, 0.5, 0, null, new SamplingPolicy(1.0, 0, 1.0, null), new FilterPolicy(false));
        var longRun = TheoryPredictor.Classify(lineage, TheoryPredictor.CountsFor(lineage, 100_000_000));
        Assert.DoesNotContain(" 1 of the truth's", longRun.Sentence);
        Assert.DoesNotContain("(generation 0: 1)", longRun.Sentence);
        Assert.Contains("(generation 0: 1 − 1e-8)", longRun.Sentence);
    }

    [Fact]
    public void Replace_degrades_every_prediction_faster_than_accumulate()
    {
        var replace = TheoryPredictor.Predict(Lineage(LineageMode.Replace), s_statistics.Tokens, s_statistics).Generations;
        var accumulate = TheoryPredictor.Predict(Lineage(LineageMode.Accumulate), s_statistics.Tokens, s_statistics).Generations;
        for (var g = 1; g <= 5; g++)
        {
            Assert.True(replace[g].PerplexityRatio > accumulate[g].PerplexityRatio, $"ppl at {g}");
            Assert.True(replace[g].BigramDiversityRatio < accumulate[g].BigramDiversityRatio, $"diversity at {g}");
            Assert.True(replace[g].EntropyRatio < accumulate[g].EntropyRatio, $"entropy at {g}");
            Assert.True(replace[g].PerplexityRatio > replace[g - 1].PerplexityRatio, $"replace ppl must rise at {g}");
        }
    }

    [Fact]
    public void Generation_0_is_the_reference_and_the_single_context_row_is_the_ledger()
    {
        var lineage = Lineage(LineageMode.Mix, realFraction: 0.25);
        var prediction = TheoryPredictor.Predict(lineage, s_statistics.Tokens, s_statistics);
        // The counts are checked against the policy by hand: the ledger below is fed with them, so it cannot.
        Assert.Equal(new LedgerCounts(s_statistics.Tokens, 2000, s_statistics.Tokens, 0, 667), prediction.Counts);
        // Mix draws its real share as whole documents: the row is the ledger at the unigram's design effect for diversity.
        var ledger = CovarianceLedger.Run(LineageMode.Mix, prediction.Counts, 5, realDesignEffect: s_statistics.Unigram.Documents.Diversity, realDocumentLength: s_statistics.Unigram.Documents.DocumentLength);
        Assert.Equal(1.0, prediction.Generations[0].PerplexityRatio);
        Assert.Equal(1.0, prediction.Generations[0].EntropyRatio);
        Assert.Equal(ledger, prediction.Generations.Select(g => g.C));
        Assert.All(prediction.Generations, g => Assert.Equal(1 - g.C, g.UnigramDiversityRatio, 15));
        Assert.Equal(667, prediction.Counts.MixRealTokens); // λ = 0.25 beside m = 2000: round(2000·0.25/0.75)
    }

    [Fact]
    public void A_corpus_of_one_token_type_predicts_ratios_of_1_not_NaN()
    {
        // Nothing to lose: the entropy ratio was 0/0, a NaN threshold that failed the gate.
        var one = ContextStatistics.FromDocuments(Enumerable.Range(0, 50).Select(_ => new[] { 1, 1, 1, 1 }), 0);
        var prediction = TheoryPredictor.Predict(Lineage(LineageMode.Replace), one.Tokens, one);

        Assert.All(prediction.Generations, g =>
        {
            Assert.Equal(1.0, g.EntropyRatio);
            Assert.Equal(1.0, g.PerplexityRatio);
        });
    }

    [Fact]
    public void Context_statistics_count_unigrams_and_previous_token_contexts()
    {
        var stats = ContextStatistics.FromDocuments([[1, 1, 2], [2]], endOfDocumentId: 0);
        Assert.Equal(4, stats.Tokens);
        Assert.Equal(2, stats.Unigram.Support);
        Assert.Equal(0.5, stats.Unigram.GiniSimpson, 12);
        // Contexts: end-of-document → {1, 2}, 1 → {1, 2}, ordered by context id.
        Assert.Equal([0.5, 0.5], stats.Bigram.Select(b => b.Weight));
        Assert.All(stats.Bigram, b => Assert.Equal(2, b.Support));
    }
}
