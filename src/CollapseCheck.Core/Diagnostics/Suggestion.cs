namespace CollapseCheck.Diagnostics;

/// <summary>"did you mean 'steps'?" for a name written another way: another case, or a slip of a few characters.</summary>
public static class Suggestion
{
    /// <returns>"did you mean 'X'? " for the one nearest candidate close enough to be the intent, else "".</returns>
    public static string For(string written, IEnumerable<string> candidates)
    {
        var known = candidates.ToList();
        var nearest = known.FirstOrDefault(c => string.Equals(c, written, StringComparison.OrdinalIgnoreCase))
            ?? known.Select(c => (Name: c, Distance: Distance(written.ToLowerInvariant(), c.ToLowerInvariant())))
                // A third of the name, at most 3: 'stpes' → 'steps', 'acumulate' → 'accumulate', but not 'x' → 'seed'.
                .Where(c => c.Distance <= Math.Clamp(written.Length / 3, 1, 3))
                .OrderBy(c => c.Distance)
                .Select(c => c.Name)
                .FirstOrDefault();
        return nearest is null ? "" : $"did you mean '{nearest}'? {LookAlike(written, nearest)}";
    }

    /// <summary>
    /// A name that reads the same as the one meant (a Cyrillic 'а' for the Latin 'a', pasted from a document): the
    /// suggestion alone shows two identical names, so the character that differs is named.
    /// </summary>
    private static string LookAlike(string written, string meant)
    {
        var at = written.AsSpan().IndexOfAnyExceptInRange((char)0, (char)127);
        return at < 0 || !meant.All(char.IsAscii) ? "" : $"('{written}' holds U+{(int)written[at]:X4} at character {at + 1}, not an ASCII letter) ";
    }

    /// <summary>Edits (insert, delete, replace, swap two neighbours) from <paramref name="a"/> to <paramref name="b"/>.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
