using System.Runtime.ExceptionServices;
using CollapseCheck.Common;
using CollapseCheck.Lineage;
using CollapseCheck.Metrics;
using CollapseCheck.Policy;

namespace CollapseCheck.Theory;

/// <summary>Mean, its standard error, and 10th/50th/90th percentiles (nearest rank) over the surrogate's runs.</summary>
public sealed record Spread(double Mean, double StandardError, double P10, double P50, double P90)
{
    public static Spread Of(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        double At(double q) => sorted[(int)Math.Clamp(Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
        var mean = sorted.Average();
        var variance = sorted.Length > 1 ? sorted.Sum(v => (v - mean) * (v - mean)) / (sorted.Length - 1) : 0;
        return new Spread(mean, Math.Sqrt(variance / sorted.Length), At(0.1), At(0.5), At(0.9));
    }
}

/// <param name="DiversityRatio">Gini–Simpson of model g's unigram distribution over generation 0's: the ledger's 1 − c.</param>
/// <param name="GeneratedDiversityRatio">
/// Gini–Simpson of the m tokens model g samples over generation 0's sample: what the gate's CC1003 measures of the neural
/// lineage. A biased sampler moves it away from <paramref name="DiversityRatio"/> (temperature sharpens what is sampled).
/// </param>
/// <param name="GeneratedEntropyBits">Unigram entropy of the m tokens model g samples, bits per token.</param>
/// <param name="HeldOutCrossEntropyNats">Held-out real text under model g, add-δ smoothed, nats per token.</param>
public sealed record SurrogateGeneration(
    int Generation,
    Spread DiversityRatio,
    Spread GeneratedDiversityRatio,
    Spread GeneratedEntropyBits,
    Spread EntropyRatio,
    Spread HeldOutCrossEntropyNats,
    Spread PerplexityRatio);

public sealed record SurrogateResult(int Runs, string Context, double Smoothing, IReadOnlyList<SurrogateGeneration> Generations);

/// <summary>
/// THEORY.md's Monte Carlo surrogate: the same policy run on the MLE count model itself, with the policy's
/// sampler (temperature, top-k, top-p, dedupe) and the lineage's own composition rules, seeded. It covers what
/// the ledger cannot: a biased sampler. Generation 0 is the real pool's count model; fresh real text is the
/// pool's documents drawn again whole, as the lineage's fresh text is new whole documents, whose tokens vary together
/// as the pool's do. Unigram order treats every token as its own document (iid tokens, the ledger's setting).
/// </summary>
public static class CountModelSurrogate
{
    /// <summary>δ added to every count when scoring held-out text, so a token the model lost costs a finite amount.</summary>
    public const double Smoothing = 0.01;

    public static SurrogateResult Run(
        LineagePolicy lineage,
        IReadOnlyList<int[]> realPool,
        IReadOnlyList<int[]> heldOut,
        int vocabularySize,
        int endOfDocumentId,
        int maxDocumentLength,
        bool bigram,
        int runs,
        int seed,
        CancellationToken cancellation = default,
        Action<long, long>? generationFinished = null)
    {
        var pool = bigram ? realPool : realPool.SelectMany(d => d).Select(id => new[] { id }).ToList();
        // Generation 0 is the real pool's model in every run: counted and scored once, shared read-only.
        var truth = new CountModel(pool.CheckingEvery(cancellation), endOfDocumentId, bigram);
        var truthScores = (TextStatistics.GiniSimpson(truth.Unigram().Values), truth.CrossEntropy(heldOut.CheckingEvery(cancellation), vocabularySize, Smoothing));

        // Each run draws from its own seeded generator, so running them side by side changes no number. At most four
        // at once: each holds its generations' models, and sixteen on a big runner multiplied the peak memory.
        var total = (long)runs * (lineage.Generations + 1);
        var finished = 0L;
        void Finished() => generationFinished?.Invoke(Interlocked.Increment(ref finished), total);

        var perRun = new List<Measured>[runs];
        var failures = new Exception?[runs];
        var options = new ParallelOptions { CancellationToken = cancellation, MaxDegreeOfParallelism = Math.Min(Environment.ProcessorCount, 4) };
        Parallel.For(0, runs, options, (run, loop) =>
        {
            try
            {
                perRun[run] = RunOnce(lineage, truth, truthScores, pool, heldOut, vocabularySize, maxDocumentLength, SplitMix64.For(seed, "surrogate", run), Finished, cancellation);
            }
            catch (Exception e)
            {
                // Kept rather than thrown: Parallel.For would wrap it in an AggregateException of every run's copy.
                failures[run] = e;
                loop.Stop();
            }
        });

        if (failures.FirstOrDefault(f => f is not null) is { } failure)
        {
            ExceptionDispatchInfo.Capture(failure).Throw();
        }

        var generations = Enumerable.Range(0, lineage.Generations + 1).Select(g => new SurrogateGeneration(
            g,
            Spread.Of(perRun.Select(r => Ratio(r[g].Diversity, r[0].Diversity))),
            Spread.Of(perRun.Select(r => Ratio(r[g].GeneratedDiversity, r[0].GeneratedDiversity))),
            Spread.Of(perRun.Select(r => r[g].EntropyBits)),
            Spread.Of(perRun.Select(r => Ratio(r[g].EntropyBits, r[0].EntropyBits))),
            Spread.Of(perRun.Select(r => r[g].CrossEntropy)),
            Spread.Of(perRun.Select(r => Math.Exp(r[g].CrossEntropy - r[0].CrossEntropy))))).ToList();
        return new SurrogateResult(runs, bigram ? "bigram (previous token)" : "unigram (iid tokens)", Smoothing, generations);
    }

    /// <summary>
    /// Over generation 0's value; from a generation 0 of one token type (every document opening alike, cut at one
    /// token) there is nothing to lose, so 1, as the ledger counts it, not 0/0.
    /// </summary>
    private static double Ratio(double value, double generation0) => generation0 == 0 ? 1 : value / generation0;

    private sealed record Measured(double Diversity, double GeneratedDiversity, double EntropyBits, double CrossEntropy);

    private static List<Measured> RunOnce(LineagePolicy lineage, CountModel truth, (double Diversity, double CrossEntropy) truthScores,
        IReadOnlyList<int[]> pool, IReadOnlyList<int[]> heldOut, int vocabularySize, int maxLength, SplitMix64 rng, Action generationFinished, CancellationToken cancellation)
    {
        var synthetic = new List<IReadOnlyList<int[]>> { Array.Empty<int[]>() };
        var fresh = new List<IReadOnlyList<int[]>> { Array.Empty<int[]>() };
        var measured = new List<Measured>();
        var model = truth;
        var composeSeed = (int)(rng.NextUInt64() & int.MaxValue);
        for (var g = 0; g <= lineage.Generations; g++)
        {
            cancellation.ThrowIfCancellationRequested();
            if (g > 0)
            {
                fresh.Add(lineage.FreshRealTokensPerGeneration > 0 ? Resample(pool, lineage.FreshRealTokensPerGeneration, rng) : []);
                var set = CorpusComposer.Compose(lineage, g, pool, synthetic, fresh, composeSeed);
                model = new CountModel(set.Documents.Select(d => d.Ids).CheckingEvery(cancellation), truth.EndOfDocumentId, truth.Bigram);
                if (lineage.Mode is LineageMode.Replace or LineageMode.Mix)
                {
                    // Only the accumulating modes train on older samples again: at 10^7 tokens a generation, four runs
                    // at once held every generation's sample for nothing.
                    synthetic[g] = [];
                }
            }

            var sample = Sample(model, lineage.Sampling, lineage.Filters.Dedupe, lineage.SyntheticTokensPerGeneration, maxLength, rng, cancellation);
            synthetic.Add(sample);
            var sampled = TextStatistics.Count(sample, vocabularySize);
            measured.Add(new Measured(
                g == 0 ? truthScores.Diversity : TextStatistics.GiniSimpson(model.Unigram().Values),
                TextStatistics.GiniSimpson(sampled),
                TextStatistics.EntropyBits(sampled),
                g == 0 ? truthScores.CrossEntropy : model.CrossEntropy(heldOut.CheckingEvery(cancellation), vocabularySize, Smoothing)));
            generationFinished();
        }

        return measured;
    }

    /// <summary>
    /// Whole documents of <paramref name="pool"/> drawn with replacement up to exactly <paramref name="tokens"/> tokens,
    /// the last one cut, as the lineage cuts its last fresh document: given the pool as the truth, new
    /// real documents vary about it as a draw of its own documents does, by its design effect.
    /// </summary>
    private static List<int[]> Resample(IReadOnlyList<int[]> pool, long tokens, SplitMix64 rng)
    {
        var documents = new List<int[]>();
        for (var need = tokens; need > 0;)
        {
            var doc = pool[(int)rng.NextInt64(pool.Count)];
            documents.Add(doc.Length <= need ? doc : doc[..(int)need]);
            need -= documents[^1].Length;
        }

        return documents;
    }

    /// <summary>Documents adding up to exactly <paramref name="tokens"/> tokens, like the neural sampler's.</summary>
    private static List<int[]> Sample(CountModel model, SamplingPolicy sampling, bool dedupe, long tokens, int maxLength, SplitMix64 rng, CancellationToken cancellation)
    {
        var budget = new TokenBudget(tokens, dedupe);
        for (var attempts = 0; !budget.IsFull; attempts++)
        {
            if (attempts % 1024 == 0)
            {
                cancellation.ThrowIfCancellationRequested();
            }

            if (budget.IsStalled)
            {
                // Which run stalls first depends on timing, so the message holds nothing that differs between runs.
                throw new SamplingStalledException($"in the theory's surrogate, the count model's last {TokenBudget.StallAfter} documents were all {budget.SkippedKind}", budget.SkippedOnlyEmpty);
            }

            var doc = new List<int>();
            var context = model.EndOfDocumentId;
            var length = model.Bigram ? maxLength : 1;
            while (doc.Count < length)
            {
                var next = model.TableFor(context, sampling).Draw(rng);
                if (next == model.EndOfDocumentId)
                {
                    break;
                }

                doc.Add(next);
                context = next;
            }

            budget.Offer(doc.ToArray());
        }

        return budget.Documents;
    }
}
