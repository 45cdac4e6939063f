using CollapseCheck.Lineage;
using CollapseCheck.Policy;

namespace CollapseCheck.Core.Tests.Lineage;

/// <summary>Exact token counts per source for every mode: the composition is what the theory's ledger assumes.</summary>
public class CorpusComposerTests
{
    private const int M = 300;

    // 40 real documents of 25 tokens = 1,000 real tokens.
    private static readonly IReadOnlyList<int[]> s_real = Documents(40, 25, 1);

    private static readonly SamplingPolicy s_sampling = new(1.0, 0, 1.0, null);

    private static LineagePolicy Policy(LineageMode mode, double realFraction = 0.5, int fresh = 0, int? n = null) =>
        new(4, mode, M, realFraction, fresh, n, s_sampling, new FilterPolicy(false));

    private static List<int[]> Documents(int count, int length, int marker) =>
        Enumerable.Range(0, count).Select(i => Enumerable.Repeat(marker * 1000 + i, length).ToArray()).ToList();

    /// <summary>synthetic[k] = 10 documents of 30 tokens = M tokens, for k = 1..4.</summary>
    private static IReadOnlyList<IReadOnlyList<int[]>> Synthetic(int upTo) =>
        [Array.Empty<int[]>(), .. Enumerable.Range(1, upTo).Select(k => (IReadOnlyList<int[]>)Documents(10, 30, 10 + k))];

    private static IReadOnlyList<IReadOnlyList<int[]>> Fresh(int perGeneration) =>
        [Array.Empty<int[]>(), .. Enumerable.Range(1, 4).Select(k => (IReadOnlyList<int[]>)Documents(perGeneration / 10, 10, 20 + k))];

    private static Dictionary<string, long> Counts(LineagePolicy policy, int g, int fresh = 0) =>
        CorpusComposer.Compose(policy, g, s_real, Synthetic(g), Fresh(fresh), seed: 7).TokensBySource.ToDictionary();

    [Theory]
    [InlineData(LineageMode.Replace)]
    [InlineData(LineageMode.Mix)]
    [InlineData(LineageMode.Accumulate)]
    [InlineData(LineageMode.AccumulateSubsample)]
    public void Generation_0_trains_on_the_real_pool_only(LineageMode mode) =>
        Assert.Equal(new Dictionary<string, long> { ["real"] = 1000 }, Counts(Policy(mode), 0));

    [Fact]
    public void Replace_trains_on_the_current_synthetic_set_only()
    {
        Assert.Equal(new Dictionary<string, long> { ["synthetic@3"] = M }, Counts(Policy(LineageMode.Replace), 3));
    }

    [Fact]
    public void Mix_takes_real_tokens_so_that_they_are_lambda_of_the_set()
    {
        // λ = 0.25 beside 300 synthetic: 100 real tokens.
        var counts = Counts(Policy(LineageMode.Mix, realFraction: 0.25), 2);
        Assert.Equal(new Dictionary<string, long> { ["real"] = 100, ["synthetic@2"] = M }, counts);
    }

    [Fact]
    public void Accumulate_keeps_the_real_pool_and_every_synthetic_set()
    {
        var counts = Counts(Policy(LineageMode.Accumulate), 3);
        Assert.Equal(new Dictionary<string, long> { ["real"] = 1000, ["synthetic@1"] = M, ["synthetic@2"] = M, ["synthetic@3"] = M }, counts);
    }

    [Fact]
    public void Accumulate_subsample_keeps_the_training_set_at_n_tokens()
    {
        for (var g = 1; g <= 4; g++)
        {
            var set = CorpusComposer.Compose(Policy(LineageMode.AccumulateSubsample), g, s_real, Synthetic(g), Fresh(0), seed: 7);
            Assert.Equal(1000, set.Tokens);
            Assert.All(set.TokensBySource, kv => Assert.True(kv.Key == "real" || int.Parse(kv.Key["synthetic@".Length..]) <= g, kv.Key));
        }
    }

    [Fact]
    public void Accumulate_subsample_honours_an_explicit_n_and_draws_from_every_source()
    {
        var set = CorpusComposer.Compose(Policy(LineageMode.AccumulateSubsample, n: 600), 4, s_real, Synthetic(4), Fresh(0), seed: 7);
        Assert.Equal(600, set.Tokens);
        Assert.True(set.TokensBySource.Count >= 3, "a 600-token draw from 2,200 tokens in five sources should hit several of them");
    }

    [Fact]
    public void Fresh_real_joins_replace_for_its_generation_only()
    {
        var counts = Counts(Policy(LineageMode.Replace, fresh: 50), 3, fresh: 50);
        Assert.Equal(new Dictionary<string, long> { ["fresh@3"] = 50, ["synthetic@3"] = M }, counts);
    }

    [Fact]
    public void Fresh_real_accumulates_under_accumulate()
    {
        var counts = Counts(Policy(LineageMode.Accumulate, fresh: 50), 2, fresh: 50);
        Assert.Equal(new Dictionary<string, long> { ["real"] = 1000, ["fresh@1"] = 50, ["synthetic@1"] = M, ["fresh@2"] = 50, ["synthetic@2"] = M }, counts);
    }

    [Fact]
    public void Composition_is_a_function_of_the_seed()
    {
        var policy = Policy(LineageMode.AccumulateSubsample, n: 500);
        var a = CorpusComposer.Compose(policy, 2, s_real, Synthetic(2), Fresh(0), seed: 7).Documents.Select(d => d.Ids[0]);
        var b = CorpusComposer.Compose(policy, 2, s_real, Synthetic(2), Fresh(0), seed: 7).Documents.Select(d => d.Ids[0]);
        var c = CorpusComposer.Compose(policy, 2, s_real, Synthetic(2), Fresh(0), seed: 8).Documents.Select(d => d.Ids[0]);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Subsample_cuts_the_last_document_to_hit_the_count_exactly()
    {
        var docs = s_real.Select(d => new SourcedDocument(d, Sources.Real)).ToList();
        var picked = CorpusComposer.Subsample(docs, 130, new Common.SplitMix64(1));
        Assert.Equal(130, picked.Sum(d => d.Ids.Length));
        Assert.Equal(6, picked.Count);
        Assert.Equal(5, picked[^1].Ids.Length);
        Assert.Equal(picked.Count, picked.Select(d => d.Ids[0]).Distinct().Count());
    }
}
