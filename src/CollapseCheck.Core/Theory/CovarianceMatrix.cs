namespace CollapseCheck.Theory;

/// <summary>
/// The scalars c(X, Y) of THEORY.md's ledger: Cov(X, Y) = c(X, Y)·Σ for every pair of empirical
/// distributions a policy creates. Objects are added in time order; each rule fills its row at once.
/// </summary>
internal sealed class CovarianceMatrix
{
    private readonly List<List<double>> _c = [];

    public double this[int x, int y] => _c[Math.Max(x, y)][Math.Min(x, y)];

    /// <summary>
    /// A fresh sample of <paramref name="tokens"/> real tokens, independent of everything before: c = 1/N, or
    /// <paramref name="designEffect"/>/N when they come as whole documents.
    /// </summary>
    public int Independent(double tokens, double designEffect = 1) => Add(Enumerable.Repeat(0.0, _c.Count).ToList(), designEffect / tokens);

    /// <summary>Z = Σ wⱼ Xⱼ (weights normalised here): c(Z, Y) = Σ wⱼ c(Xⱼ, Y).</summary>
    public int Mixture(IReadOnlyList<(int Object, double Weight)> parts)
    {
        var (row, self) = Mix(parts);
        return Add(row, self);
    }

    /// <summary>
    /// A draw of <paramref name="tokens"/> tokens from the mixture: same covariance with everything earlier,
    /// plus the draw's own noise (1 − c(Z,Z))/m. Drawn without replacement from a corpus of
    /// <paramref name="poolTokens"/> tokens, that noise shrinks by (T − m)/(T − 1) and vanishes at m = T. Drawn as whole
    /// documents, it grows by their <paramref name="designEffect"/>: tokens of one document vary together.
    /// </summary>
    public int Draw(IReadOnlyList<(int Object, double Weight)> from, double tokens, double? poolTokens = null, double designEffect = 1)
    {
        var (row, self) = Mix(from);
        var finite = poolTokens is { } t && t > 1 ? Math.Max(0, (t - tokens) / (t - 1)) : 1.0;
        return Add(row, self + (1 - self) / tokens * finite * designEffect);
    }

    private (List<double> Row, double Self) Mix(IReadOnlyList<(int Object, double Weight)> parts)
    {
        var total = parts.Sum(p => p.Weight);
        var row = new List<double>(_c.Count);
        for (var y = 0; y < _c.Count; y++)
        {
            row.Add(parts.Sum(p => p.Weight / total * this[p.Object, y]));
        }

        var self = parts.Sum(p => p.Weight / total * row[p.Object]);
        return (row, self);
    }

    private int Add(List<double> row, double self)
    {
        row.Add(Math.Min(1.0, self));
        _c.Add(row);
        return _c.Count - 1;
    }
}
