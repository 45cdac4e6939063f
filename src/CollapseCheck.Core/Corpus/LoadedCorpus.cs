namespace CollapseCheck.Corpus;

/// <summary>Real text split once: <see cref="HeldOut"/> is scored every generation and trained on never.</summary>
/// <param name="Files">Absolute paths of the inputs (for incremental builds and the run manifest).</param>
public sealed record LoadedCorpus(
    IReadOnlyList<Document> Train,
    IReadOnlyList<Document> HeldOut,
    string Description,
    IReadOnlyList<string> Files)
{
    public long TrainBytes => Train.Sum(d => (long)System.Text.Encoding.UTF8.GetByteCount(d.Text));

    public long HeldOutBytes => HeldOut.Sum(d => (long)System.Text.Encoding.UTF8.GetByteCount(d.Text));
}
