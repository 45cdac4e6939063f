namespace CollapseCheck.Common;

/// <summary>
/// Collects documents until they hold exactly a number of tokens, cutting the last one to fit. Empty documents
/// are skipped, and with dedupe so is a document equal to one already taken. The sampler, the surrogate and
/// the held-out cap all size their text this way, so "m tokens" means the same everywhere.
/// </summary>
public sealed class TokenBudget(long tokens, bool dedupe = false)
{
    private readonly HashSet<string>? _seen = dedupe ? [] : null;

    public List<int[]> Documents { get; } = [];

    public long Total { get; private set; }

    public bool IsFull => Total >= tokens;

    /// <summary>Documents skipped in a row (empty, or repeats under dedupe) after which a sampler is taken to be stuck.</summary>
    public const int StallAfter = 10_000;

    /// <summary>Documents skipped since the last one taken: a sampler that only repeats itself shows here.</summary>
    public int SkippedInARow { get; private set; }

    /// <summary>The sampler feeding this budget is stuck: give up with a <see cref="SamplingStalledException"/>.</summary>
    public bool IsStalled => SkippedInARow >= StallAfter;

    /// <summary>Whether the documents skipped in a row were all empty (none a repeat).</summary>
    public bool SkippedOnlyEmpty { get; private set; } = true;

    /// <summary>What a stalled sampler says of the documents it kept skipping.</summary>
    public string SkippedKind => SkippedOnlyEmpty ? "empty (the sampler ends every document at once)" : "empty or repeats";

    /// <summary>Takes the document (or the part that fits); false when it was skipped.</summary>
    public bool Offer(int[] document)
    {
        if (IsFull || document.Length == 0 || (_seen is not null && !_seen.Add(string.Join(',', document))))
        {
            SkippedInARow++;
            SkippedOnlyEmpty &= document.Length == 0;
            return false;
        }

        SkippedInARow = 0;
        SkippedOnlyEmpty = true;

        var take = (int)Math.Min(document.Length, tokens - Total);
        Documents.Add(take == document.Length ? document : document[..take]);
        Total += take;
        return true;
    }
}

/// <summary>
/// A sampler that keeps producing only empty documents or (with dedupe) repeats, so its budget would never fill:
/// the policy's doing (dedupe with a greedy or narrow sampler), reported against it by the caller.
/// </summary>
public sealed class SamplingStalledException(string detail, bool onlyEmpty) : Exception(detail)
{
    /// <summary>No repeats among them: dedupe is not the cause, and fewer tokens would not help.</summary>
    public bool OnlyEmpty { get; } = onlyEmpty;
}
