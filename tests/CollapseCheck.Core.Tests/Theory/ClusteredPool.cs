using CollapseCheck.Common;

namespace CollapseCheck.Core.Tests.Theory;

/// <summary>
/// A real pool whose documents keep to a topic, so their tokens vary together as real text's do: 300 documents of
/// 2, 4 or 10 tokens (1,600 tokens, size-weighted mean length 7.5), each token the document's own w.p. 0.85, else drawn
/// from p; design effect 5.7. Short beside the subsamples the tests draw (200 tokens and more), where the design
/// effect's many-documents limit holds.
/// </summary>
internal static class ClusteredPool
{
    public static readonly double[] P = [0.4, 0.25, 0.15, 0.12, 0.08];

    public static IReadOnlyList<int[]> Documents { get; } = Make();

    public static int Tokens => Documents.Sum(d => d.Length);

    private static List<int[]> Make()
    {
        var rng = new SplitMix64(2024);
        int[] lengths = [2, 4, 10];
        return Enumerable.Range(0, 300).Select(i =>
        {
            var topic = rng.NextCategorical(P);
            return Enumerable.Range(0, lengths[i % 3]).Select(_ => rng.NextDouble() < 0.85 ? topic : rng.NextCategorical(P)).ToArray();
        }).ToList();
    }
}
