using CollapseCheck.Metrics;

namespace CollapseCheck.Theory;

/// <summary>One context's next-token distribution: its share of all tokens π(x), Gini–Simpson diversity, support size.</summary>
/// <param name="Documents">How much more it varies over a subsample of whole documents than over independent tokens.</param>
public sealed record ContextSummary(double Weight, double GiniSimpson, int Support, DesignEffect Documents);

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
        var unigramEffect = new DesignEffectCounter();
        var bigramEffects = new Dictionary<int, DesignEffectCounter>();
        long tokens = 0, documentCount = 0;
        foreach (var doc in documents)
        {
            // This document's own counts, for the design effect: the composer draws documents whole.
            var ownUnigram = new Dictionary<int, long>();
            var ownBigram = new Dictionary<int, Dictionary<int, long>>();
            var previous = endOfDocumentId;
            foreach (var id in doc)
            {
                ownUnigram[id] = ownUnigram.GetValueOrDefault(id) + 1;
                if (!ownBigram.TryGetValue(previous, out var next))
                {
                    ownBigram[previous] = next = [];
                }

                next[id] = next.GetValueOrDefault(id) + 1;
                previous = id;
            }

            Merge(unigram, ownUnigram);
            unigramEffect.AddDocument(ownUnigram);
            foreach (var (context, next) in ownBigram)
            {
                Merge(bigram.TryGetValue(context, out var all) ? all : bigram[context] = [], next);
                (bigramEffects.TryGetValue(context, out var effect) ? effect : bigramEffects[context] = new DesignEffectCounter()).AddDocument(next);
            }

            tokens += doc.Length;
            documentCount++;
        }

        var contexts = bigram.OrderBy(kv => kv.Key)
            .Select(kv => Summarize(kv.Value, tokens, bigramEffects[kv.Key].Of(kv.Value, documentCount)))
            .ToList();
        var entropy = TextStatistics.EntropyBits([.. unigram.Values]) * Math.Log(2);
        return new ContextStatistics(Summarize(unigram, tokens, unigramEffect.Of(unigram, documentCount)), contexts, tokens, entropy);
    }

    private static void Merge(Dictionary<int, long> into, Dictionary<int, long> counts)
    {
        foreach (var (id, n) in counts)
        {
            into[id] = into.GetValueOrDefault(id) + n;
        }
    }

    private static ContextSummary Summarize(Dictionary<int, long> counts, long allTokens, DesignEffect documents) =>
        new((double)counts.Values.Sum() / allTokens, TextStatistics.GiniSimpson(counts.Values), counts.Count, documents);
}
