using CollapseCheck.Metrics;

namespace CollapseCheck.Theory;

/// <summary>One context's next-token distribution: its share of all tokens π(x), Gini–Simpson diversity, support size.</summary>
public sealed record ContextSummary(double Weight, double GiniSimpson, int Support);

/// <summary>
/// The real pool's count-model statistics the theory predicts from: the unigram distribution (the empty
/// context) and the bigram distributions (context = previous token, documents opened by end-of-document).
/// </summary>
public sealed class ContextStatistics
{
    private ContextStatistics(ContextSummary unigram, IReadOnlyList<ContextSummary> bigram, long tokens, double unigramEntropyNats)
    {
        Unigram = unigram;
        Bigram = bigram;
        Tokens = tokens;
        UnigramEntropyNats = unigramEntropyNats;
    }

    public ContextSummary Unigram { get; }

    public IReadOnlyList<ContextSummary> Bigram { get; }

    public long Tokens { get; }

    public double UnigramEntropyNats { get; }

    public static ContextStatistics FromDocuments(IEnumerable<int[]> documents, int endOfDocumentId)
    {
        var unigram = new Dictionary<int, long>();
        var bigram = new Dictionary<int, Dictionary<int, long>>();
        long tokens = 0;
        foreach (var doc in documents)
        {
            var previous = endOfDocumentId;
            foreach (var id in doc)
            {
                unigram[id] = unigram.GetValueOrDefault(id) + 1;
                if (!bigram.TryGetValue(previous, out var next))
                {
                    bigram[previous] = next = [];
                }

                next[id] = next.GetValueOrDefault(id) + 1;
                previous = id;
                tokens++;
            }
        }

        var contexts = bigram.OrderBy(kv => kv.Key)
            .Select(kv => Summarize(kv.Value.Values, tokens))
            .ToList();
        var entropy = TextStatistics.EntropyBits([.. unigram.Values]) * Math.Log(2);
        return new ContextStatistics(Summarize(unigram.Values, tokens), contexts, tokens, entropy);
    }

    private static ContextSummary Summarize(ICollection<long> counts, long allTokens) =>
        new((double)counts.Sum() / allTokens, TextStatistics.GiniSimpson(counts), counts.Count);
}
