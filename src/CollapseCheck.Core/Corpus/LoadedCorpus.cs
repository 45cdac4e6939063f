namespace CollapseCheck.Corpus;

/// <summary>Real text split once: <see cref="HeldOut"/> is scored every generation and trained on never.</summary>
/// <param name="Files">Absolute paths of the inputs (for incremental builds and the run manifest).</param>
public sealed record LoadedCorpus(
    IReadOnlyList<Document> Train,
    IReadOnlyList<Document> HeldOut,
    string Description,
    IReadOnlyList<string> Files)
{
    /// <summary>
    /// collapsecheck's own outputs that the include patterns matched and that were not read (see <see cref="OwnOutputs"/>);
    /// not in the report, whose corpus must not change because a previous run wrote one.
    /// </summary>
    public IReadOnlyList<string> LeftOut { get; init; } = [];

    /// <summary>Files in a build's output folders that the include patterns matched and that were not read (see <see cref="BuildOutputs"/>).</summary>
    public IReadOnlyList<string> BuildOutputsLeftOut { get; init; } = [];

    /// <summary>corpus.exclude entries without wildcards that name no file or folder, so they leave nothing out.</summary>
    public IReadOnlyList<string> ExcludesNamingNothing { get; init; } = [];

    /// <summary>Folders where a file added or removed changes what the globs match (see <see cref="CorpusFiles.Match"/>); for the run manifest.</summary>
    public IReadOnlyList<string> SearchedFolders { get; init; } = [];

    public long TrainBytes => Train.Sum(d => (long)System.Text.Encoding.UTF8.GetByteCount(d.Text));

    public long HeldOutBytes => HeldOut.Sum(d => (long)System.Text.Encoding.UTF8.GetByteCount(d.Text));

    /// <summary>The first 16 hex digits of a SHA-256 over every document's text, each split in order, each text length-prefixed.</summary>
    public string TextSha256()
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var split in new[] { Train, HeldOut })
        {
            foreach (var document in split)
            {
                var bytes = System.Text.Encoding.UTF8.GetBytes(document.Text);
                hash.AppendData(BitConverter.GetBytes((long)bytes.Length));
                hash.AppendData(bytes);
            }

            hash.AppendData(BitConverter.GetBytes(-1L));
        }

        return Convert.ToHexStringLower(hash.GetCurrentHash())[..16];
    }
}
