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

    /// <summary>Documents skipped since the last one taken: a sampler that only repeats itself shows here.</summary>
    public int SkippedInARow { get; private set; }

    /// <summary>Takes the document (or the part that fits); false when it was skipped.</summary>
    public bool Offer(int[] document)
    {
        if (IsFull || document.Length == 0 || (_seen is not null && !_seen.Add(string.Join(',', document))))
        {
            SkippedInARow++;
            return false;
        }

        SkippedInARow = 0;

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
public sealed class SamplingStalledException(string detail) : Exception(detail);
