namespace CollapseCheck.Lineage;

/// <summary>A training document and where it came from, so every training set can account for its sources.</summary>
public sealed record SourcedDocument(int[] Ids, string Source);

/// <summary>Source labels as they appear in reports.</summary>
public static class Sources
{
    /// <summary>The real pool: the real training split minus the fresh-real reserve, reused every generation.</summary>
    public const string Real = "real";

    /// <summary>Real tokens never seen before, added to generation g.</summary>
    public static string Fresh(int generation) => $"fresh@{generation}";

    /// <summary>Text sampled by model g−1 for generation g.</summary>
    public static string Synthetic(int generation) => $"synthetic@{generation}";

    /// <summary>Report order: real, then fresh and synthetic by generation.</summary>
    public static int Order(string source) =>
        source == Real ? 0 : int.Parse(source[(source.IndexOf('@') + 1)..], System.Globalization.CultureInfo.InvariantCulture) * 2 + (source.StartsWith("fresh", StringComparison.Ordinal) ? 1 : 2);
}

/// <summary>What one generation trains on, with token counts per source (end-of-document ids not counted).</summary>
public sealed class TrainingSet(int generation, IReadOnlyList<SourcedDocument> documents)
{
    public int Generation { get; } = generation;

    public IReadOnlyList<SourcedDocument> Documents { get; } = documents;

    public long Tokens => Documents.Sum(d => (long)d.Ids.Length);

    public IReadOnlyList<KeyValuePair<string, long>> TokensBySource =>
        Documents.GroupBy(d => d.Source)
            .Select(g => KeyValuePair.Create(g.Key, g.Sum(d => (long)d.Ids.Length)))
            .OrderBy(kv => Sources.Order(kv.Key))
            .ToList();
}
