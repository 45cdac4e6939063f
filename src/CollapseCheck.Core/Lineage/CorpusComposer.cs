using CollapseCheck.Common;
using CollapseCheck.Policy;

namespace CollapseCheck.Lineage;

/// <summary>
/// The policies of THEORY.md as training sets. Pure and seeded: given the real pool, the fresh-real
/// draws and the synthetic sets so far, it says exactly which tokens generation g trains on.
/// <list type="bullet">
/// <item>replace: synthetic@g (m tokens)</item>
/// <item>mix: round(m·λ/(1−λ)) tokens subsampled from the real pool + synthetic@g, so λ is the real share</item>
/// <item>accumulate: the real pool + synthetic@1..g</item>
/// <item>accumulate-subsample: n tokens subsampled from the real pool + synthetic@1..g (n defaults to the pool's size)</item>
/// </list>
/// Fresh real data (f > 0) adds fresh@g to generation g; the accumulating modes keep fresh@1..g like all other data.
/// </summary>
public static class CorpusComposer
{
    /// <param name="synthetic">synthetic[k] = the set sampled for generation k (index 0 unused).</param>
    /// <param name="fresh">fresh[k] = the fresh real draw for generation k (index 0 unused).</param>
    public static TrainingSet Compose(
        LineagePolicy policy,
        int generation,
        IReadOnlyList<int[]> realPool,
        IReadOnlyList<IReadOnlyList<int[]>> synthetic,
        IReadOnlyList<IReadOnlyList<int[]>> fresh,
        int seed)
    {
        var real = Label(realPool, Sources.Real);
        if (generation == 0)
        {
            return new TrainingSet(0, real);
        }

        IEnumerable<SourcedDocument> Upto(IReadOnlyList<IReadOnlyList<int[]>> sets, Func<int, string> label) =>
            Enumerable.Range(1, generation).Where(k => k < sets.Count).SelectMany(k => Label(sets[k], label(k)));

        var current = Label(synthetic[generation], Sources.Synthetic(generation));
        var currentFresh = generation < fresh.Count ? Label(fresh[generation], Sources.Fresh(generation)) : [];
        var rng = SplitMix64.For(seed, "compose", generation);

        List<SourcedDocument> documents = policy.Mode switch
        {
            LineageMode.Replace => [.. current, .. currentFresh],
            LineageMode.Mix => [.. Subsample(real, MixRealTokens(policy), rng), .. current, .. currentFresh],
            LineageMode.Accumulate => [.. real, .. Upto(fresh, Sources.Fresh), .. Upto(synthetic, Sources.Synthetic)],
            LineageMode.AccumulateSubsample => Subsample(
                [.. real, .. Upto(fresh, Sources.Fresh), .. Upto(synthetic, Sources.Synthetic)],
                policy.TrainingTokens ?? real.Sum(d => (long)d.Ids.Length),
                rng),
            _ => throw new ArgumentOutOfRangeException(nameof(policy), policy.Mode, null),
        };
        return new TrainingSet(generation, documents);
    }

    /// <summary>Real tokens a mix generation takes so that they are λ of the training set beside m synthetic ones.</summary>
    public static long MixRealTokens(LineagePolicy policy) =>
        (long)Math.Round(policy.SyntheticTokensPerGeneration * policy.RealFraction / (1 - policy.RealFraction), MidpointRounding.AwayFromZero);

    /// <summary>
    /// Exactly <paramref name="tokens"/> tokens (or all there are): whole documents in seeded random order,
    /// the last one cut to fit. Without replacement, so no document is seen twice in one training set.
    /// </summary>
    public static List<SourcedDocument> Subsample(IReadOnlyList<SourcedDocument> documents, long tokens, SplitMix64 rng)
    {
        var order = Enumerable.Range(0, documents.Count).ToList();
        rng.Shuffle(order);
        var picked = new List<SourcedDocument>();
        long total = 0;
        foreach (var i in order)
        {
            if (total == tokens)
            {
                break;
            }

            var doc = documents[i];
            var take = (int)Math.Min(doc.Ids.Length, tokens - total);
            picked.Add(take == doc.Ids.Length ? doc : doc with { Ids = doc.Ids[..take] });
            total += take;
        }

        return picked;
    }

    private static List<SourcedDocument> Label(IReadOnlyList<int[]> documents, string source) =>
        documents.Select(d => new SourcedDocument(d, source)).ToList();
}
