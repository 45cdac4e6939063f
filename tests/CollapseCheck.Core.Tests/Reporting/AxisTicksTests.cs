using CollapseCheck.Reporting;

namespace CollapseCheck.Core.Tests.Reporting;

public class AxisTicksTests
{
    [Theory]
    [InlineData(0.964, 1.263, "0.9 1 1.1 1.2 1.3")]
    [InlineData(0.95, 1.12, "0.95 1 1.05 1.1 1.15")]
    [InlineData(0.792, 1.008, "0.75 0.8 0.85 0.9 0.95 1 1.05")]
    [InlineData(0, 1, "0 0.2 0.4 0.6 0.8 1")]
    [InlineData(12, 87, "0 20 40 60 80 100")]
    [InlineData(0, 0.97, "0 0.2 0.4 0.6 0.8 1")]
    [InlineData(1, 1, "0.94 0.96 0.98 1 1.02 1.04 1.06")]
    public void Linear_ticks_are_round_steps_around_the_range(double lo, double hi, string expected) =>
        Assert.Equal(expected, Printed(AxisTicks.Linear(lo, hi)));

    [Theory]
    [InlineData(0.76, 41, "0.5 1 2 5 10 20 50")]
    [InlineData(1, 9.5, "1 2 5 10")]
    [InlineData(0.9, 14839, "0.1 1 10 100 1000 10000 100000")]
    [InlineData(1, 3e12, "1 1000 1000000 1000000000 1000000000000 1000000000000000")]
    public void Logarithmic_ticks_are_one_two_five_or_powers_of_ten(double lo, double hi, string expected) =>
        Assert.Equal(expected, Printed(AxisTicks.Logarithmic(lo, hi)));

    /// <summary>Whatever the range: at most seven ticks, covering it, one step of 1, 2 or 5 × 10^k apart, each printed short.</summary>
    [Fact]
    public void Any_range_gets_a_few_evenly_spaced_round_ticks_that_cover_it()
    {
        var random = new Random(7);
        for (var i = 0; i < 2000; i++)
        {
            var lo = Math.Round(random.NextDouble() * 3, 4) * Math.Pow(10, random.Next(-5, 5));
            var hi = lo + (random.NextDouble() + 1e-3) * Math.Pow(10, random.Next(-4, 4));
            var ticks = AxisTicks.Linear(lo, hi);

            Assert.InRange(ticks.Count, 2, AxisTicks.MaxIntervals + 1);
            var step = ticks[1] - ticks[0];
            // Within float noise: 0.95 is a tick of 0.95..1.12, although 0.95 / 0.05 is 18.999999999999996.
            Assert.True(ticks[0] <= lo + step * 1e-6 && ticks[^1] >= hi - step * 1e-6, $"{Printed(ticks)} covers {lo}..{hi}");
            var power = Math.Pow(10, Math.Floor(Math.Log10(step) + 1e-6));
            Assert.Contains(Math.Round(step / power, 6), new[] { 1.0, 2, 5 });
            Assert.All(ticks.Zip(ticks.Skip(1)), p => Assert.Equal(step, p.Second - p.First, step * 1e-6));
            // Printed to no more decimals than the step has: no 0.30000000000000004 from adding steps up.
            var decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(step) + 1e-6));
            Assert.All(ticks, t => Assert.Matches($@"^-?\d+(\.\d{{1,{Math.Max(1, decimals)}}})?$", Numbers.Plain(t)));
        }
    }

    private static string Printed(IEnumerable<double> ticks) => string.Join(" ", ticks.Select(t => Numbers.Plain(t)));
}
