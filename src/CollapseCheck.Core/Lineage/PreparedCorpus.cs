using CollapseCheck.Common;
using CollapseCheck.Corpus;
using CollapseCheck.Diagnostics;
using CollapseCheck.Metrics;
using CollapseCheck.Policy;
using CollapseCheck.Training;

namespace CollapseCheck.Lineage;

/// <summary>
/// The real corpus tokenized once for a whole lineage: the real pool, the fresh-real draws reserved
/// for generations 1..G, the held-out stream every generation is scored on, and the real statistics
/// generated text is compared with.
/// </summary>
public sealed class PreparedCorpus
{
    private PreparedCorpus(
        LoadedCorpus source,
        ITextTokenizer tokenizer,
        IReadOnlyList<int[]> realPool,
        IReadOnlyList<IReadOnlyList<int[]>> fresh,
        IReadOnlyList<int[]> heldOut,
        int[] heldOutTokenBytes,
        IReadOnlyList<int[]> realSample,
        long realSampleBytes,
        RealReference reference)
    {
        RealSample = realSample;
        RealSampleBytes = realSampleBytes;
        Source = source;
        Tokenizer = tokenizer;
        RealPool = realPool;
        Fresh = fresh;
        HeldOutDocuments = heldOut;
        HeldOut = new TokenStream(heldOut, tokenizer.EndOfDocumentId);
        HeldOutTokenBytes = heldOutTokenBytes;
        Reference = reference;
    }

    public LoadedCorpus Source { get; }

    public ITextTokenizer Tokenizer { get; }

    public IReadOnlyList<int[]> RealPool { get; }

    public long RealPoolTokens => RealPool.Sum(d => (long)d.Length);

    /// <summary>Fresh[g] for g = 1..G; Fresh[0] is empty.</summary>
    public IReadOnlyList<IReadOnlyList<int[]>> Fresh { get; }

    public IReadOnlyList<int[]> HeldOutDocuments { get; }

    public TokenStream HeldOut { get; }

    /// <summary>
    /// The UTF-8 bytes each position of <see cref="HeldOut"/> stands for (0 for end-of-document), exact even for tokens
    /// the training text never used, so held-out bits per byte divide by the text's true size.
    /// </summary>
    public int[] HeldOutTokenBytes { get; }

    public RealReference Reference { get; }

    /// <summary>
    /// Held-out perplexity of a model that knows generation 0's token frequencies and nothing of context (the real pool's
    /// counts, add-½ smoothed, over the tokens the evaluator scores): what a network must beat to have learned from
    /// context at all. One that does not (a few dozen steps on cl100k) makes the lineage's ratios measure training noise.
    /// </summary>
    public double UnigramPerplexity()
    {
        // The theory's count model, unigram, with each document's end counted as a token, as the stream scores it; the
        // evaluator predicts every id of the stream after the first (TokenStream opens with end-of-document).
        var eod = Tokenizer.EndOfDocumentId;
        var frequencies = new Theory.CountModel(RealPool.Select(d => (int[])[.. d, eod]), eod, bigram: false);
        return Math.Exp(frequencies.CrossEntropy([HeldOut.Ids[1..]], Tokenizer.VocabularySize, 0.5));
    }

    /// <summary>Scored held-out tokens the training text never used: the compacted vocabulary's unknown id.</summary>
    public long HeldOutUnknownTokens => HeldOutDocuments.Sum(d => (long)d.Count(id => id == Tokenizer.UnknownId));

    /// <summary>
    /// Held-out text as long as one generation's sample (m tokens, or all there is), which the report measures as
    /// generations are measured: distinct-n, tail coverage and KL move with size. Not cut to evaluation.heldOutTokens.
    /// </summary>
    public IReadOnlyList<int[]> RealSample { get; }

    /// <summary>The true UTF-8 size of <see cref="RealSample"/>, unknown tokens included.</summary>
    public long RealSampleBytes { get; }

    /// <param name="cancellation">Checked every few hundred documents while fitting the tokenizer and encoding, the slow parts on a big corpus.</param>
    /// <param name="documentsDone">
    /// Told (done, total) as documents pass: a tiktoken vocabulary reads the training split once to fit and once to
    /// encode, about 5 MB/s, so a big corpus spends minutes here. The held-out cap may end the count short of the total.
    /// </param>
    public static PreparedCorpus Prepare(LineagePolicyFile policy, LoadedCorpus corpus, CancellationToken cancellation = default, Action<long, long>? documentsDone = null)
    {
        var total = (TokenizerFactory.Fits(policy.Tokenizer) ? 2L : 1L) * corpus.Train.Count + corpus.HeldOut.Count;
        var done = 0L;
        IEnumerable<Document> Counted(IEnumerable<Document> documents) =>
            documentsDone is null ? documents.CheckingEvery(cancellation) : documents.CheckingEvery(cancellation).Select(d =>
            {
                if (++done % 256 == 0)
                {
                    documentsDone(done, total);
                }

                return d;
            });

        var tokenizer = TokenizerFactory.Create(policy.Tokenizer, Counted(corpus.Train).Select(d => d.Text));
        var train = Encode(corpus.Train).Where(d => d.Length > 0).ToList();
        // Each held-out document's token bytes from the same encoding, kept as Take pulls it (it may pull one past the
        // cap). Scored: up to evaluation.heldOutTokens; the real reference: up to m.
        var lineage = policy.Lineage;
        var scoredCap = policy.Evaluation.HeldOutTokens ?? long.MaxValue;
        var heldOutBytes = new List<int[]>();
        var encoded = Take(Counted(corpus.HeldOut).Select(d => tokenizer.EncodeWithBytes(d.Text)).Where(e => e.Ids.Length > 0)
            .Select(e => { heldOutBytes.Add(e.Bytes); return e.Ids; }), Math.Max(scoredCap, lineage.SyntheticTokensPerGeneration));
        var heldOut = Take(encoded, scoredCap);
        var realSample = Take(encoded, lineage.SyntheticTokensPerGeneration);
        var realSampleBytes = realSample.Select((d, i) => heldOutBytes[i].Take(d.Length).Sum(b => (long)b)).Sum();

        var freshPerGeneration = (long)lineage.FreshRealTokensPerGeneration;
        var (pool, fresh) = ReserveFresh(train, lineage.Generations, freshPerGeneration);
        var poolTokens = pool.Sum(d => (long)d.Length);
        var minimum = policy.Model.Context + 1L;
        if (poolTokens < minimum)
        {
            throw Errors.CorpusTooSmall(policy.LocationOf(freshPerGeneration > 0 ? "lineage.freshRealTokensPerGeneration" : "corpus"),
                freshPerGeneration > 0
                    ? $"the training split holds {train.Sum(d => (long)d.Length)} tokens; {freshPerGeneration} fresh tokens for each of {lineage.Generations} generations reserve {freshPerGeneration * lineage.Generations} of them and leave {poolTokens} for the real pool, which needs at least {minimum} (context + 1)"
                    : $"the real pool holds {poolTokens} tokens; at least {minimum} (context + 1) are needed");
        }

        // Subsampling more than generation 1 holds would take all of it: accumulate under another name, which the
        // theory's prediction for a subsample of n does not describe.
        var firstAvailable = poolTokens + lineage.SyntheticTokensPerGeneration + freshPerGeneration;
        if (lineage.Mode == LineageMode.AccumulateSubsample && lineage.TrainingTokens > firstAvailable)
        {
            throw Errors.CorpusTooSmall(policy.LocationOf("lineage.trainingTokens"),
                $"'lineage.trainingTokens' ({lineage.TrainingTokens}) is more than generation 1 can draw from: {poolTokens} real + {lineage.SyntheticTokensPerGeneration} synthetic + {freshPerGeneration} fresh = {firstAvailable} tokens; lower it to at most that, or use mode 'accumulate', which trains on everything");
        }

        if (lineage.Mode == LineageMode.Mix && CorpusComposer.MixRealTokens(lineage) > poolTokens)
        {
            throw Errors.CorpusTooSmall(policy.LocationOf("lineage.realFraction"),
                $"mix with realFraction {lineage.RealFraction} beside {lineage.SyntheticTokensPerGeneration} synthetic tokens needs {CorpusComposer.MixRealTokens(lineage)} real tokens per generation, but the real pool holds {poolTokens}");
        }

        return new PreparedCorpus(corpus, tokenizer, pool, fresh, heldOut, PositionBytes(heldOutBytes, heldOut), realSample, realSampleBytes, new RealReference(pool.CheckingEvery(cancellation), tokenizer.VocabularySize, tokenizer.EndOfDocumentId));

        IEnumerable<int[]> Encode(IEnumerable<Document> documents) => Counted(documents).Select(d => tokenizer.Encode(d.Text));
    }

    /// <summary>
    /// The bytes of each position of the held-out stream: the opening end-of-document, then each document
    /// <paramref name="taken"/> (the last one maybe cut) and its end, 0 bytes for every end.
    /// </summary>
    private static int[] PositionBytes(IReadOnlyList<int[]> documentBytes, IReadOnlyList<int[]> taken)
    {
        var bytes = new List<int> { 0 };
        for (var i = 0; i < taken.Count; i++)
        {
            bytes.AddRange(documentBytes[i].Take(taken[i].Length));
            bytes.Add(0);
        }

        return bytes.ToArray();
    }

    /// <summary>
    /// Fresh draws are whole documents of the training split taken in one fixed shuffled order (the last one cut, its head
    /// left for the next generation or the pool), so each generation's fresh text is a random sample of the corpus, as the
    /// theory's fresh@g is. Until 2026-12-01 they were the split's last documents, which in a corpus read in file order are
    /// its last files' topic, while the held-out split is spread through the whole corpus. The order depends on neither f nor the
    /// seed, so a larger f takes more of the same order and the pool keeps every document a smaller f kept but those it
    /// gives up, in corpus order.
    /// </summary>
    private static (List<int[]> Pool, List<IReadOnlyList<int[]>> Fresh) ReserveFresh(List<int[]> train, int generations, long perGeneration)
    {
        var fresh = new List<IReadOnlyList<int[]>> { Array.Empty<int[]>() };
        if (perGeneration == 0)
        {
            return (train, fresh);
        }

        var order = Enumerable.Range(0, train.Count).ToList();
        SplitMix64.For(0, "fresh real order").Shuffle(order);
        // What each document still holds for the pool: null once all of it went to fresh draws.
        var left = train.ToArray<int[]?>();
        var next = 0;
        for (var g = 1; g <= generations; g++)
        {
            var draw = new List<int[]>();
            var need = perGeneration;
            while (need > 0 && next < order.Count)
            {
                var i = order[next];
                var doc = left[i]!;
                if (doc.Length <= need)
                {
                    draw.Add(doc);
                    left[i] = null;
                    need -= doc.Length;
                    next++;
                }
                else
                {
                    draw.Add(doc[^(int)need..]);
                    left[i] = doc[..^(int)need];
                    need = 0;
                }
            }

            fresh.Add(draw);
        }

        return ([.. left.OfType<int[]>()], fresh);
    }

    /// <summary>Documents in order until <paramref name="tokens"/> is reached, the last one cut.</summary>
    public static List<int[]> Take(IEnumerable<int[]> documents, long tokens)
    {
        var budget = new TokenBudget(tokens);
        foreach (var doc in documents)
        {
            if (budget.IsFull)
            {
                break;
            }

            budget.Offer(doc);
        }

        return budget.Documents;
    }
}
