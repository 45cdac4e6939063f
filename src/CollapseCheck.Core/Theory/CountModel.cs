using System.Collections.Concurrent;
using CollapseCheck.Common;
using CollapseCheck.Policy;

namespace CollapseCheck.Theory;

/// <summary>
/// The MLE count model of THEORY.md on token documents: per context (the previous token, or nothing for a
/// unigram model) the next-token counts, end-of-document included so sampled documents end as real ones do.
/// Read-only once built, so the surrogate's runs share generation 0's model across threads.
/// </summary>
internal sealed class CountModel
{
    private readonly Dictionary<int, Dictionary<int, long>> _next = [];
    private readonly Dictionary<int, long> _totals = [];
    private readonly ConcurrentDictionary<(int Context, SamplingPolicy Sampling), SamplingTable> _tables = new();

    public CountModel(IEnumerable<int[]> documents, int endOfDocumentId, bool bigram)
    {
        EndOfDocumentId = endOfDocumentId;
        Bigram = bigram;
        foreach (var doc in documents)
        {
            var previous = endOfDocumentId;
            foreach (var id in doc)
            {
                Add(previous, id);
                previous = id;
            }

            if (bigram)
            {
                Add(previous, endOfDocumentId);
            }
        }

        foreach (var (context, counts) in _next)
        {
            _totals[context] = counts.Values.Sum();
        }
    }

    public int EndOfDocumentId { get; }

    public bool Bigram { get; }

    public IReadOnlyDictionary<int, long> Next(int context) =>
        _next.TryGetValue(Key(context), out var counts) ? counts : new Dictionary<int, long>();

    /// <summary>The context's next-token distribution under <paramref name="sampling"/>, built on first use.</summary>
    public SamplingTable TableFor(int context, SamplingPolicy sampling) =>
        _tables.GetOrAdd((context, sampling), key => new SamplingTable(Next(key.Context), key.Sampling.Temperature, key.Sampling.TopK, key.Sampling.TopP));

    /// <summary>Token counts of the training text, end-of-document excluded.</summary>
    public Dictionary<int, long> Unigram()
    {
        var counts = new Dictionary<int, long>();
        foreach (var (_, next) in _next)
        {
            foreach (var (id, n) in next.Where(kv => kv.Key != EndOfDocumentId))
            {
                counts[id] = counts.GetValueOrDefault(id) + n;
            }
        }

        return counts;
    }

    /// <summary>
    /// Cross-entropy of documents in nats per token, add-δ smoothed over <paramref name="vocabularySize"/> ids. A bigram
    /// model, which counts where documents end, scores each document's end too, as the evaluator does on the measured
    /// side; a unigram model has no end to score.
    /// </summary>
    public double CrossEntropy(IEnumerable<int[]> documents, int vocabularySize, double delta)
    {
        double nats = 0;
        long tokens = 0;
        foreach (var doc in documents)
        {
            var previous = EndOfDocumentId;
            foreach (var id in Bigram ? doc.Append(EndOfDocumentId) : doc)
            {
                var count = _next.TryGetValue(Key(previous), out var next) ? next.GetValueOrDefault(id) : 0;
                nats -= Math.Log((count + delta) / (_totals.GetValueOrDefault(Key(previous)) + delta * vocabularySize));
                tokens++;
                previous = id;
            }
        }

        return nats / tokens;
    }

    private int Key(int context) => Bigram ? context : EndOfDocumentId;

    private void Add(int context, int id)
    {
        var key = Key(context);
        if (!_next.TryGetValue(key, out var counts))
        {
            _next[key] = counts = [];
        }

        counts[id] = counts.GetValueOrDefault(id) + 1;
    }
}

/// <summary>A context's sampling distribution after temperature, top-k and top-p, ready for inverse-CDF draws.</summary>
internal sealed class SamplingTable
{
    private readonly int[] _ids;
    private readonly double[] _cumulative;

    public SamplingTable(IReadOnlyDictionary<int, long> counts, double temperature, int topK, double topP)
    {
        // Logits are log counts, so temperature τ turns counts into counts^(1/τ); ids in descending weight, ties by id.
        // At a low temperature that power overflows (1,203^100 does), so then the counts are taken relative to the largest:
        // the same distribution, kept finite.
        var largest = counts.Count == 0 ? 1 : counts.Values.Max();
        var unit = Math.Pow(largest, 1 / temperature) * counts.Count < 1e300 ? 1.0 : largest;
        var ranked = counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key)
            .Select(kv => (Id: kv.Key, Weight: Math.Pow(kv.Value / unit, 1 / temperature))).ToList();
        if (topK > 0 && topK < ranked.Count)
        {
            var kth = ranked[topK - 1].Weight;
            ranked = ranked.Where(r => r.Weight >= kth).ToList();
        }

        if (topP < 1)
        {
            var total = ranked.Sum(r => r.Weight);
            var before = 0.0;
            ranked = ranked.TakeWhile(r =>
            {
                var keep = before / total < topP;
                before += r.Weight;
                return keep;
            }).ToList();
        }

        _ids = ranked.Select(r => r.Id).ToArray();
        _cumulative = new double[_ids.Length];
        var sum = ranked.Sum(r => r.Weight);
        var running = 0.0;
        for (var i = 0; i < _ids.Length; i++)
        {
            running += ranked[i].Weight / sum;
            _cumulative[i] = running;
        }
    }

    public int Draw(SplitMix64 rng)
    {
        var i = Array.BinarySearch(_cumulative, rng.NextDouble());
        i = i < 0 ? ~i : i;
        return _ids[Math.Min(i, _ids.Length - 1)];
    }
}
