namespace CollapseCheck.Common;

/// <summary>
/// A tiny seeded generator with a fixed algorithm, so batch order and corpus subsamples are the same
/// on every .NET version and OS (System.Random makes no such promise across versions).
/// </summary>
public sealed class SplitMix64(ulong seed)
{
    private ulong _state = seed;

    /// <summary>A generator for a named purpose, independent of other purposes under the same seed.</summary>
    public static SplitMix64 For(int seed, string purpose, int index = 0)
    {
        var h = 1469598103934665603UL;
        foreach (var c in purpose)
        {
            h = (h ^ c) * 1099511628211UL;
        }

        return new SplitMix64(((ulong)(uint)seed << 32) ^ h ^ ((ulong)(uint)index * 0x9E3779B97F4A7C15UL));
    }

    public ulong NextUInt64()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, bound) without modulo bias.</summary>
    public long NextInt64(long bound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bound);
        var limit = ulong.MaxValue - (ulong.MaxValue % (ulong)bound);
        ulong x;
        do
        {
            x = NextUInt64();
        }
        while (x >= limit);
        return (long)(x % (ulong)bound);
    }

    public long NextSeed() => (long)(NextUInt64() >> 1);

    /// <summary>Uniform in [0, 1) from the top 53 bits, every value a multiple of 2⁻⁵³.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>An index drawn with the given probabilities (summing to 1; the last index absorbs rounding).</summary>
    public int NextCategorical(IReadOnlyList<double> probabilities)
    {
        var u = NextDouble();
        var k = 0;
        while (k < probabilities.Count - 1 && (u -= probabilities[k]) >= 0)
        {
            k++;
        }

        return k;
    }

    /// <summary>Fisher–Yates, in place.</summary>
    public void Shuffle<T>(IList<T> items)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = (int)NextInt64(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
