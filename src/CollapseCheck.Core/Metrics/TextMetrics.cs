namespace CollapseCheck.Metrics;

/// <summary>Measured on a set of documents of token ids (end-of-document ids excluded).</summary>
/// <param name="UnigramEntropyBits">Plug-in Shannon entropy of the token distribution, bits per token; higher = more diverse.</param>
/// <param name="EntropyBitsPerByte">The same entropy spread over the bytes the tokens stand for, so tokenizers compare.</param>
/// <param name="GiniSimpson">1 − Σ q² of the token distribution: the diversity the theory predicts exactly; higher = more diverse.</param>
/// <param name="Distinct1">Unique unigrams / total unigrams; higher = more diverse.</param>
/// <param name="Distinct2">Unique bigrams / total bigrams, within documents.</param>
/// <param name="Distinct3">Unique trigrams / total trigrams, within documents.</param>
/// <param name="TailCoverage">Share of the real corpus's rare token types that still occur; higher = tail kept.</param>
/// <param name="KlRealToGeneratedBits">KL(real unigram ‖ generated unigram), add-δ smoothed, bits; lower = closer to real.</param>
public sealed record TextMetrics(
    long Tokens,
    long Bytes,
    int Documents,
    double UnigramEntropyBits,
    double EntropyBitsPerByte,
    double GiniSimpson,
    double Distinct1,
    double Distinct2,
    double Distinct3,
    double TailCoverage,
    double KlRealToGeneratedBits);

/// <summary>
/// The real corpus's unigram statistics that generated text is compared with: its distribution,
/// and its tail = the rarest token types that together hold <see cref="TailMass"/> of the real tokens.
/// </summary>
public sealed class RealReference
{
    /// <summary>Share of real tokens the tail holds: the rarest types, accumulated up to 10 % of the mass.</summary>
    public const double TailMass = 0.10;

    /// <summary>Added to every count before KL so a token the generator dropped costs a finite amount.</summary>
    public const double KlSmoothing = 0.5;

    public RealReference(IEnumerable<int[]> realDocuments, int vocabularySize, int endOfDocumentId)
    {
        VocabularySize = vocabularySize;
        EndOfDocumentId = endOfDocumentId;
        Counts = TextStatistics.Count(realDocuments, vocabularySize);
        Total = Counts.Sum();
        var byRarity = Enumerable.Range(0, vocabularySize)
            .Where(id => Counts[id] > 0 && id != endOfDocumentId)
            .OrderBy(id => Counts[id]).ThenBy(id => id);
        var tail = new List<int>();
        long mass = 0;
        foreach (var id in byRarity)
        {
            if (mass + Counts[id] > TailMass * Total && tail.Count > 0)
            {
                break;
            }

            tail.Add(id);
            mass += Counts[id];
        }

        Tail = tail;
    }

    public int VocabularySize { get; }

    public int EndOfDocumentId { get; }

    public long[] Counts { get; }

    public long Total { get; }

    public IReadOnlyList<int> Tail { get; }
}

public static class TextStatistics
{
    /// <param name="byteLength">Bytes per token id: for sampled text, where an unknown id's true bytes do not exist.</param>
    public static TextMetrics Measure(IReadOnlyList<int[]> documents, RealReference real, Func<int, int> byteLength)
    {
        var counts = Count(documents, real.VocabularySize);
        long bytes = 0;
        for (var id = 0; id < counts.Length; id++)
        {
            bytes += counts[id] * byteLength(id);
        }

        return Measure(documents, counts, real, bytes);
    }

    /// <param name="bytes">The text's true UTF-8 size, where it is known (real text).</param>
    public static TextMetrics Measure(IReadOnlyList<int[]> documents, RealReference real, long bytes) =>
        Measure(documents, Count(documents, real.VocabularySize), real, bytes);

    private static TextMetrics Measure(IReadOnlyList<int[]> documents, long[] counts, RealReference real, long bytes)
    {
        var tokens = counts.Sum();
        var entropy = EntropyBits(counts);
        return new TextMetrics(
            tokens,
            bytes,
            documents.Count,
            entropy,
            bytes == 0 ? 0 : entropy * tokens / bytes,
            GiniSimpson(counts),
            Distinct(documents, 1),
            Distinct(documents, 2),
            Distinct(documents, 3),
            real.Tail.Count == 0 ? 1 : real.Tail.Count(id => counts[id] > 0) / (double)real.Tail.Count,
            KlBits(real.Counts, counts, real.EndOfDocumentId));
    }

    public static long[] Count(IEnumerable<int[]> documents, int vocabularySize)
    {
        var counts = new long[vocabularySize];
        foreach (var doc in documents)
        {
            foreach (var id in doc)
            {
                counts[id]++;
            }
        }

        return counts;
    }

    public static double EntropyBits(long[] counts)
    {
        double total = counts.Sum();
        double h = 0;
        foreach (var c in counts)
        {
            if (c > 0)
            {
                var p = c / total;
                h -= p * Math.Log2(p);
            }
        }

        return h;
    }

    /// <summary>1 − Σ q² of the distribution the counts describe (0 for no counts): the diversity the ledger predicts exactly.</summary>
    public static double GiniSimpson(IEnumerable<long> counts)
    {
        var list = counts as IReadOnlyCollection<long> ?? counts.ToList();
        double total = list.Sum();
        return total == 0 ? 0 : 1 - list.Sum(c => c / total * (c / total));
    }

    /// <summary>Unique n-grams over total n-grams, counted inside documents only (none span a boundary).</summary>
    public static double Distinct(IReadOnlyList<int[]> documents, int n)
    {
        var seen = new HashSet<(int, int, int)>();
        long total = 0;
        foreach (var doc in documents)
        {
            for (var i = 0; i + n <= doc.Length; i++)
            {
                seen.Add((doc[i], n > 1 ? doc[i + 1] : -1, n > 2 ? doc[i + 2] : -1));
                total++;
            }
        }

        return total == 0 ? 0 : seen.Count / (double)total;
    }

    /// <summary>KL(p ‖ q) in bits over every id except end-of-document, each count plus <see cref="RealReference.KlSmoothing"/>.</summary>
    public static double KlBits(long[] realCounts, long[] generatedCounts, int endOfDocumentId)
    {
        var delta = RealReference.KlSmoothing;
        var k = realCounts.Length - (endOfDocumentId >= 0 && endOfDocumentId < realCounts.Length ? 1 : 0);
        var realTotal = realCounts.Where((_, id) => id != endOfDocumentId).Sum() + delta * k;
        var generatedTotal = generatedCounts.Where((_, id) => id != endOfDocumentId).Sum() + delta * k;
        double kl = 0;
        for (var id = 0; id < realCounts.Length; id++)
        {
            if (id == endOfDocumentId)
            {
                continue;
            }

            var p = (realCounts[id] + delta) / realTotal;
            var q = (generatedCounts[id] + delta) / generatedTotal;
            kl += p * Math.Log2(p / q);
        }

        return kl;
    }
}
