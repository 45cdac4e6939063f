namespace CollapseCheck.Reporting;

/// <summary>
/// Round tick values for a chart axis, by Heckbert's "nice numbers" (Graphics Gems, 1990): the step is 1, 2 or 5 × 10^k,
/// the smallest such step that spans the data in at most <see cref="MaxIntervals"/> intervals, and the axis runs from
/// the tick at or below the data to the one at or above it. Gridlines then read 0.9, 0.95, 1 rather than 0.953, 1.033.
/// </summary>
public static class AxisTicks
{
    public const int MaxIntervals = 6;

    private static readonly int[] s_multipliers = [1, 2, 5];

    /// <summary>Evenly spaced ticks covering [<paramref name="lo"/>, <paramref name="hi"/>], first and last outside or on it.</summary>
    public static IReadOnlyList<double> Linear(double lo, double hi)
    {
        if (!(hi - lo > 1e-9 * Math.Max(1, Math.Abs(hi))))
        {
            // One value (every ratio 1), or all but: a band around it, so the line is drawn mid-panel, not on an edge.
            var half = Math.Max(Math.Abs(lo) * 0.05, 0.01);
            (lo, hi) = (lo - half, hi + half);
        }

        for (var exponent = (int)Math.Floor(Math.Log10((hi - lo) / MaxIntervals)); ; exponent++)
        {
            foreach (var multiplier in s_multipliers)
            {
                var step = Value(multiplier, exponent);
                // 0.95 / 0.05 is 18.999999999999996: a bound within float noise of a tick is on it.
                var (first, last) = ((long)Math.Floor(lo / step + 1e-9), (long)Math.Ceiling(hi / step - 1e-9));
                if (last - first <= MaxIntervals)
                {
                    return Enumerable.Range(0, (int)(last - first) + 1).Select(i => Value(multiplier * (first + i), exponent)).ToList();
                }
            }
        }
    }

    /// <summary>
    /// Ticks for a log axis over positive [<paramref name="lo"/>, <paramref name="hi"/>]: 1, 2 and 5 × 10^k (0.5, 1, 2,
    /// 5, 10, 20, 50) over up to three decades, else powers of ten, every n-th where there are more than
    /// <see cref="MaxIntervals"/> decades.
    /// </summary>
    public static IReadOnlyList<double> Logarithmic(double lo, double hi)
    {
        var (firstDecade, lastDecade) = ((int)Math.Floor(Math.Log10(lo)), (int)Math.Ceiling(Math.Log10(hi)));
        var decades = Math.Max(1, lastDecade - firstDecade);
        var every = decades <= MaxIntervals ? 1 : (decades + MaxIntervals - 1) / MaxIntervals;
        int[] multipliers = decades <= 3 ? s_multipliers : [1];
        var candidates = Enumerable.Range(0, decades / every + 2)
            .SelectMany(i => multipliers.Select(m => Value(m, firstDecade + i * every)))
            .ToList();
        var start = candidates.FindLastIndex(t => t <= lo);
        var end = candidates.FindIndex(t => t >= hi);
        return candidates.GetRange(Math.Max(0, start), end - Math.Max(0, start) + 1);
    }

    /// <summary>
    /// m × 10^e as the double nearest to that decimal (what parsing "0.3" gives): an exact integer divided by an exact
    /// power of ten rounds once, where 3 × 0.1 is 0.30000000000000004 and prints so.
    /// </summary>
    private static double Value(long multiple, int exponent) =>
        exponent >= 0 ? multiple * PowerOfTen(exponent) : multiple / PowerOfTen(-exponent);

    /// <summary>Exact up to 10^22, the largest power of ten a double holds exactly.</summary>
    private static double PowerOfTen(int n)
    {
        var p = 1.0;
        for (var i = 0; i < n; i++)
        {
            p *= 10;
        }

        return p;
    }
}
