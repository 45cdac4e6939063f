namespace CollapseCheck.Common;

/// <summary>Where lines end, as an editor shows them: at LF, at CRLF (once, at its LF) and at a lone CR (classic Mac).</summary>
internal static class LineEnds
{
    /// <param name="current">A character, or a byte of UTF-8 (line ends are ASCII).</param>
    /// <param name="next">The one after it, or -1 at the end of the text.</param>
    public static bool EndsLine(int current, int next) => current == '\n' || (current == '\r' && next != '\n');

    /// <summary>
    /// The 1-based column after <paramref name="before"/> (the line's text up to a point), in characters as the
    /// policy reader counts them: a surrogate pair (an emoji) is one.
    /// </summary>
    public static int ColumnAfter(ReadOnlySpan<char> before)
    {
        var column = 1;
        foreach (var c in before)
        {
            if (!char.IsLowSurrogate(c))
            {
                column++;
            }
        }

        return column;
    }
}
