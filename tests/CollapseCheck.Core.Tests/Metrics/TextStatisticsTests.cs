using CollapseCheck.Metrics;

namespace CollapseCheck.Core.Tests.Metrics;

public class TextStatisticsTests
{
    private const int Eod = 9;

    [Fact]
    public void Entropy_of_a_uniform_distribution_over_four_tokens_is_two_bits() =>
        Assert.Equal(2.0, TextStatistics.EntropyBits([5, 5, 5, 5, 0]), 12);

    [Fact]
    public void Distinct_n_counts_within_documents_only()
    {
        int[][] docs = [[1, 2, 1, 2], [1, 2]];
        Assert.Equal(2 / 6.0, TextStatistics.Distinct(docs, 1), 12);
        Assert.Equal(2 / 4.0, TextStatistics.Distinct(docs, 2), 12); // (1,2),(2,1),(1,2) | (1,2): no (2,1) across the boundary
        Assert.Equal(2 / 2.0, TextStatistics.Distinct(docs, 3), 12);
    }

    [Fact]
    public void KL_is_zero_for_the_same_distribution_and_positive_otherwise()
    {
        long[] real = [10, 20, 30, 0, 0, 0, 0, 0, 0, 0];
        Assert.Equal(0.0, TextStatistics.KlBits(real, real, Eod), 12);
        Assert.True(TextStatistics.KlBits(real, [30, 20, 10, 0, 0, 0, 0, 0, 0, 0], Eod) > 0.05);
    }

    [Fact]
    public void KL_stays_finite_when_the_generator_drops_a_real_token()
    {
        var kl = TextStatistics.KlBits([10, 10, 10, 0, 0, 0, 0, 0, 0, 0], [15, 15, 0, 0, 0, 0, 0, 0, 0, 0], Eod);
        Assert.True(double.IsFinite(kl) && kl > 0.3, $"KL = {kl}");
    }

    [Fact]
    public void The_tail_is_the_rarest_types_up_to_ten_percent_of_the_mass()
    {
        // Counts: id0 = 80, id1 = 10, id2 = 5, id3 = 3, id4 = 2 (total 100): the tail takes 2 + 3 + 5 = 10.
        List<int[]> docs = [[.. Enumerable.Repeat(0, 80), .. Enumerable.Repeat(1, 10), .. Enumerable.Repeat(2, 5), 3, 3, 3, 4, 4]];
        var reference = new RealReference(docs, 10, Eod);
        Assert.Equal([4, 3, 2], reference.Tail);

        var metrics = TextStatistics.Measure([[0, 1, 4, 4]], reference, _ => 1);
        Assert.Equal(1 / 3.0, metrics.TailCoverage, 12);
        Assert.Equal(4, metrics.Tokens);
        Assert.Equal(1.5, metrics.UnigramEntropyBits, 12);
    }
}
