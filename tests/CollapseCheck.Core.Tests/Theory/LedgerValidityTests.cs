using CollapseCheck.Policy;
using CollapseCheck.Theory;

namespace CollapseCheck.Core.Tests.Theory;

public class LedgerValidityTests
{
    // 10 documents of 50 tokens and 10 of 10: 600 tokens, of which 10 × (50 − 32) = 180 lie past a cut at 32.
    private static readonly IReadOnlyList<int[]> s_pool = [.. Enumerable.Range(0, 20).Select(i => Enumerable.Repeat(1 + i % 3, i < 10 ? 50 : 10).ToArray())];

    private static LineagePolicy Lineage(LineageMode mode, int m, SamplingPolicy? sampling = null, bool dedupe = false) =>
        new(4, mode, m, 0.5, 0, null, sampling ?? new SamplingPolicy(1.0, 0, 1.0, null), new FilterPolicy(dedupe));

    private static LedgerValidity Of(LineagePolicy lineage, int context = 32) =>
        LedgerValidity.Of(lineage, context, vocabularySize: 8, s_pool, TheoryPredictor.Predict(lineage, 600, ContextStatistics.FromDocuments(s_pool, 0)));

    [Theory]
    // Replace trains on samples alone; mix at λ 0.5 on half; accumulate on 4·m of 600 + 4·m.
    [InlineData(LineageMode.Replace, 100, 1.0)]
    [InlineData(LineageMode.Mix, 100, 0.5)]
    [InlineData(LineageMode.Accumulate, 150, 0.5)]
    public void The_cut_weighs_by_the_share_it_leaves_out_times_the_synthetic_share_of_the_last_training_set(LineageMode mode, int m, double synthetic)
    {
        var validity = Of(Lineage(mode, m));

        Assert.Equal(180.0 / 600, validity.CutShare, 12);
        Assert.Equal(synthetic, validity.SyntheticShare, 12);
        Assert.Equal(32, validity.CutLength);
        // 0.3 × 1.0 and 0.3 × 0.5 are past the limit of 0.1.
        Assert.True(validity.SamplerBiased);
        Assert.Empty(validity.Biases);
        Assert.Contains("the sampler's cut at 32 tokens leaves out 30 %", validity.Explanation);
        Assert.StartsWith("For the unbiased, uncut sampler the ledger models, not this policy's cut at 32 tokens: replace collapses.", validity.LongRunOf("replace collapses."));
        // The report's prediction source says it too: the policy's sampling settings beside it show no bias.
        Assert.StartsWith("; the sampler's cut at 32 tokens leaves out 30 %", validity.SourceNote);
    }

    [Fact]
    public void A_context_that_holds_every_document_cuts_nothing_and_a_maxLength_below_it_is_a_bias_whatever_it_cuts()
    {
        var whole = Of(Lineage(LineageMode.Replace, 100), context: 64);
        Assert.Equal(0, whole.CutShare);
        Assert.False(whole.SamplerBiased);
        Assert.Equal("replace collapses.", whole.LongRunOf("replace collapses."));

        var shortened = Of(Lineage(LineageMode.Replace, 100, new SamplingPolicy(1.0, 0, 1.0, 63)), context: 64);
        Assert.Equal(["maxLength 63 below the context 64"], shortened.Biases);
    }

    [Fact]
    public void Every_reshaping_of_the_sampler_is_named_and_a_top_k_past_the_vocabulary_is_none()
    {
        var validity = Of(Lineage(LineageMode.Accumulate, 10, new SamplingPolicy(0.8, 4, 0.9, null), dedupe: true), context: 64);
        Assert.Equal(["temperature 0.8", "top-k 4", "top-p 0.9", "dedupe"], validity.Biases);
        Assert.Contains("temperature 0.8, top-k 4, top-p 0.9, dedupe", validity.Explanation);
        // The run's report names them too, not only predict.
        Assert.Equal("; temperature 0.8; top-k 4; top-p 0.9; dedupe", validity.SourceNote);
        Assert.Equal("the surrogate (temperature 0.8; top-k 4; top-p 0.9; dedupe)", validity.Summary);

        Assert.Empty(Of(Lineage(LineageMode.Accumulate, 10, new SamplingPolicy(1.0, 8, 1.0, null)), context: 64).Biases);
    }

    [Theory]
    // A big vocabulary's real pool alone puts c·(K − 1) near 0.2 at generation 0, on both sides of every ratio: what
    // decides is how far the lineage moves it.
    [InlineData(0.10, 0.11, true)]
    [InlineData(0.10, 0.20, false)]
    [InlineData(0.001, 0.06, false)]
    public void The_second_order_limit_applies_to_what_the_lineage_adds_to_generation_0s_term(double kl0, double klLast, bool holds)
    {
        GenerationPrediction Row(int g, double kl) => new(g, 0, 1, 1, 0, 0, kl, kl / Math.Log(2), Math.Exp(kl - kl0), 1);
        var ledger = new TheoryPrediction(new LedgerCounts(1000, 100, 1000, 0, 0), [Row(0, kl0), Row(1, (kl0 + klLast) / 2), Row(2, klLast)],
            new LongRun(LongRunBehaviour.Stationary, 1, TheoryPredictor.Horizon, "", ""));

        var validity = LedgerValidity.Of(Lineage(LineageMode.Accumulate, 10), context: 64, vocabularySize: 8, s_pool, ledger);

        Assert.Equal(2 * (klLast - kl0), validity.SecondOrderTerm, 12);
        Assert.Equal(holds, validity.Holds);
        Assert.Equal(!holds, validity.SourceNote.Contains("the lineage moves c·(K − 1) by up to", StringComparison.Ordinal));
    }
}
