using System.Diagnostics;
using CollapseCheck.Common;
using CollapseCheck.Diagnostics;
using CollapseCheck.Metrics;
using CollapseCheck.Modeling;
using CollapseCheck.Native;
using CollapseCheck.Policy;
using CollapseCheck.Sampling;
using CollapseCheck.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace CollapseCheck.Lineage;

/// <summary>
/// The recursive loop: generation 0 trains on the real pool; every generation g then samples m tokens
/// (synthetic@g+1) for its successor, which trains on what the policy composes from real, fresh and
/// synthetic text. Each generation starts from fresh random weights unless the policy warm-starts. With a
/// <see cref="GenerationCache"/>, the generations a previous run finished are loaded instead of recomputed.
/// </summary>
public sealed class LineageRunner(LineagePolicyFile policy, PreparedCorpus corpus, Device device, ILineageProgress? progress = null, GenerationCache? cache = null)
{
    private readonly ILineageProgress _progress = progress ?? SilentProgress.Instance;

    /// <summary>
    /// How many generations from generation 0 on the cache holds for the lineage running or last run: a rerun resumes
    /// after them, and recomputes everything from the first it could not store, whatever is cached past it.
    /// </summary>
    public int CachedPrefix { get; private set; }

    public LineageResult Run(int seed, CancellationToken cancellation = default)
    {
        CachedPrefix = 0;
        var lineage = policy.Lineage;
        var tokenizer = corpus.Tokenizer;
        var config = new GptConfig(tokenizer.VocabularySize, policy.Model.Layers, policy.Model.Width, policy.Model.Heads, policy.Model.Context);
        var synthetic = new List<IReadOnlyList<int[]>> { Array.Empty<int[]>() };
        var results = new List<GenerationResult>();
        var timings = new List<PhaseTimings>();
        Gpt? previous = null;
        long parameters = 0;
        var deviceName = device.type.ToString().ToLowerInvariant();
        var keys = cache is null ? null : GenerationCache.KeysFor(policy, corpus, deviceName, seed);
        var resumable = keys is not null;

        try
        {
            for (var g = 0; g <= lineage.Generations; g++)
            {
                if (resumable && cache!.TryLoad(keys!.For(g), g, tokenizer.VocabularySize) is { } hit
                    && (!policy.Training.WarmStart || LoadWeights(cache, keys.For(g), g, hit, config, ref previous)))
                {
                    EnsureABaseline(g, hit.Result.Generated);
                    synthetic.Add(hit.Sample);
                    results.Add(hit.Result);
                    timings.Add(hit.Timings with { Cached = true });
                    CachedPrefix++;
                    _progress.GenerationFinished(hit.Result, timings[^1]);
                    continue;
                }

                // Past the first miss nothing later can be reused: its inputs come from this run now.
                resumable = false;
                var set = CorpusComposer.Compose(lineage, g, corpus.RealPool, synthetic, corpus.Fresh, seed);
                var clock = Stopwatch.StartNew();

                var model = new Gpt(config, SplitMix64.For(seed, "init", g).NextSeed())
                {
                    ComputeType = Gpt.ComputeTypeFor(policy.Training.Precision),
                };
                model.to(device);
                parameters = model.ParameterCount;
                if (policy.Training.WarmStart && g > 0)
                {
                    // The predecessor was computed just now, or its cached weights loaded when it was a hit.
                    CopyWeights(previous ?? throw new InvalidOperationException($"generation {g} warm-starts, but generation {g - 1}'s weights were not loaded"), model);
                }

                _progress.PhaseStarted(g, LineagePhase.Train, policy.Training.Steps);
                var training = Trainer.Train(model, new TokenStream(set.Documents.Select(d => d.Ids), tokenizer.EndOfDocumentId),
                    policy.Training, device, SplitMix64.For(seed, "batches", g), step =>
                    {
                        cancellation.ThrowIfCancellationRequested();
                        _progress.Advanced(g, LineagePhase.Train, step);
                    });
                var trainSeconds = clock.Elapsed.TotalSeconds;

                // Every id but the opening end-of-document is predicted: the count the report gives as held-out tokens scored.
                _progress.PhaseStarted(g, LineagePhase.Evaluate, corpus.HeldOut.Length - 1);
                var heldOut = Evaluator.Evaluate(model, corpus.HeldOut, position => corpus.HeldOutTokenBytes[position], device);
                var evaluateSeconds = clock.Elapsed.TotalSeconds - trainSeconds;
                cancellation.ThrowIfCancellationRequested();

                _progress.PhaseStarted(g, LineagePhase.Sample, lineage.SyntheticTokensPerGeneration);
                var sampler = new Sampler(model, lineage.Sampling, tokenizer.EndOfDocumentId, device);
                List<int[]> sample;
                try
                {
                    sample = sampler.SampleTokens(lineage.SyntheticTokensPerGeneration, SplitMix64.For(seed, "sample", g).NextSeed(), lineage.Filters.Dedupe, cancellation);
                }
                catch (SamplingStalledException e)
                {
                    throw Errors.SamplerStalled(policy, e);
                }

                synthetic.Add(sample);
                var generated = TextStatistics.Measure(sample, corpus.Reference, tokenizer.ByteLength);
                EnsureABaseline(g, generated);
                var sampleSeconds = clock.Elapsed.TotalSeconds - trainSeconds - evaluateSeconds;

                var result = new GenerationResult(g, set.TokensBySource, training, heldOut, generated);
                var timing = new PhaseTimings(trainSeconds, evaluateSeconds, sampleSeconds);
                results.Add(result);
                timings.Add(timing);
                if (keys is not null && cache!.Store(keys.For(g), g, new CachedGeneration(result, sample, timing), policy.Training.WarmStart ? model : null)
                    && CachedPrefix == g)
                {
                    CachedPrefix++;
                }

                _progress.GenerationFinished(result, timing);

                previous?.Dispose();
                previous = model;
            }
        }
        finally
        {
            previous?.Dispose();
        }

        if (parameters == 0)
        {
            using var counted = new Gpt(config, seed: 0);
            parameters = counted.ParameterCount;
        }

        return new LineageResult(corpus, config, parameters, seed, deviceName, Numerics.Current(deviceName),
            TextStatistics.Measure(corpus.RealSample, corpus.Reference, corpus.RealSampleBytes), results, timings);
    }

    /// <summary>
    /// The gate divides every generation's entropy and diversity by generation 0's: a sample of a single token type
    /// (a near-greedy sampler) leaves nothing to divide by, so the policy cannot be gated.
    /// </summary>
    private void EnsureABaseline(int generation, TextMetrics generated)
    {
        if (generation == 0 && generated.GiniSimpson == 0)
        {
            throw Errors.SamplerDegenerate(policy);
        }
    }

    /// <summary>
    /// A warm-started generation's cached weights, loaded as its successor's start. False when they are missing, are not
    /// the ones saved with the entry, or do not load (a torn write, a full disk): the generation is then a miss and
    /// recomputed, not an error in every run after.
    /// </summary>
    private static bool LoadWeights(GenerationCache cache, string key, int generation, CachedGeneration entry, GptConfig config, ref Gpt? previous)
    {
        if (cache.Weights(key, generation, entry) is not { } path)
        {
            return false;
        }

        var model = new Gpt(config, seed: 0);
        try
        {
            model.load(path);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            model.Dispose();
            return false;
        }

        previous?.Dispose();
        previous = model;
        return true;
    }

    private static void CopyWeights(Gpt from, Gpt to)
    {
        using var _ = no_grad();
        foreach (var (source, target) in from.parameters().Zip(to.parameters()))
        {
            target.copy_(source);
        }
    }
}
