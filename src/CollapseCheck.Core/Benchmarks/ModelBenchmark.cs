using System.Diagnostics;
using CollapseCheck.Common;
using CollapseCheck.Modeling;
using CollapseCheck.Policy;
using CollapseCheck.Sampling;
using CollapseCheck.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace CollapseCheck.Benchmarks;

/// <param name="Key">Short name for `bench --model`.</param>
public sealed record BenchCase(string Key, string Name, GptConfig Model, int Batch);

/// <param name="TrainFlopsPerSecond">Training tokens/s × 6 FLOPs per parameter and token (forward and backward) plus attention's 12·layers·width·context: the model FLOPs, not counting recomputation.</param>
/// <param name="SampleTokensPerSecondCached">Through the product's sampler: KV cache, on-device filtering, CPU shards.</param>
/// <param name="DecodeStepMsEarly">Time of one cached decoding step (whole batch, one thread of work) at positions 8–12: per position the median over several passes, then their mean.</param>
/// <param name="DecodeStepMsLate">The same at the last five positions but one (250–254 for a 256 context): flat means the cache works.</param>
/// <param name="UncachedPositions">Positions the uncached sampler was timed over (it recomputes the prefix, so it is cut short).</param>
public sealed record BenchResult(
    string Name,
    long Parameters,
    int Batch,
    int Context,
    string Device,
    double TrainTokensPerSecond,
    double TrainFlopsPerSecond,
    double EvaluateTokensPerSecond,
    double SampleTokensPerSecondCached,
    double SampleTokensPerSecondUncached,
    int UncachedPositions,
    double DecodeStepMsEarly,
    double DecodeStepMsLate,
    long PeakWorkingSetBytes)
{
    /// <summary>Where <see cref="DecodeStepMsEarly"/> is timed: "8-12".</summary>
    public string DecodeEarlyPositions => "8-12";

    /// <summary>Where <see cref="DecodeStepMsLate"/> is timed: the last five positions but one.</summary>
    public string DecodeLatePositions => $"{Context - 6}-{Context - 2}";
}

/// <summary>
/// Measures one model size on random tokens through the product's own code paths: training (<see cref="Trainer"/>),
/// evaluation (<see cref="Evaluator"/>), sampling (<see cref="Sampler"/>, KV-cached), and for comparison sampling
/// without the cache (recomputing the prefix each step) and the cached decoding step's cost by position. Each phase
/// runs until a time budget is spent after a warm-up, so big models on slow devices still finish.
/// </summary>
public static class ModelBenchmark
{
    // Temperature 1, no top-k or top-p: the reference samples the same way.
    private static readonly SamplingPolicy s_plain = new(1.0, 0, 1.0, MaxLength: null);

    public static readonly BenchCase[] Cases =
    [
        new("default", "default policy model", new GptConfig(257, 2, 64, 4, 64), 16),
        new("3.5m", "3.5M-parameter model", new GptConfig(512, 4, 256, 8, 256), 64),
    ];

    /// <param name="computeType">Null: fp32; bfloat16: mixed precision, as `training.precision: bf16`.</param>
    /// <param name="phase">Told each phase as it starts: on a small CPU one can take minutes whatever the budget.</param>
    public static BenchResult Run(BenchCase bench, Device device, double secondsPerPhase = 3, ScalarType? computeType = null, Action<string>? phase = null)
    {
        using var model = new Gpt(bench.Model, seed: 1) { ComputeType = computeType };
        model.to(device);
        var c = bench.Model;
        var rng = new SplitMix64(7);
        var stream = new TokenStream(Enumerable.Range(0, 64).Select(_ => Enumerable.Range(0, 4 * c.Context).Select(_ => (int)rng.NextInt64(c.VocabularySize - 1)).ToArray()), c.VocabularySize - 1);

        phase?.Invoke("training");
        var train = TimeTraining(model, stream, bench.Batch, device, secondsPerPhase);
        var flopsPerToken = 6.0 * model.ParameterCount + 12.0 * c.Layers * c.Width * c.Context;
        phase?.Invoke("evaluation");
        var evaluate = TimeEvaluation(model, stream, bench.Batch, device, secondsPerPhase);
        phase?.Invoke("sampling with the KV cache");
        var cached = TimeSampling(model, bench.Batch, device, secondsPerPhase);
        phase?.Invoke("decoding steps by position (at least 3 passes over the context)");
        var (early, late) = TimeDecodingSteps(model, bench.Batch, device, secondsPerPhase);
        phase?.Invoke("sampling without the KV cache");
        var (uncached, positions) = TimeUncachedSampling(model, bench.Batch, device, secondsPerPhase);
        return new BenchResult(bench.Name, model.ParameterCount, bench.Batch, c.Context, device.type.ToString().ToLowerInvariant(),
            train, train * flopsPerToken, evaluate, cached, uncached, positions, early, late, Process.GetCurrentProcess().PeakWorkingSet64);
    }

    /// <summary>
    /// A short run sizes one long run to the budget; the long run is timed from its fourth step on, so the set-up
    /// every call pays (flat buffers, optimizer state, the data's upload) is not counted, as a training loop would not.
    /// </summary>
    private static double TimeTraining(Gpt model, TokenStream stream, int batch, Device device, double seconds)
    {
        const int probeSteps = 5, warmupSteps = 3;
        var probe = Stopwatch.StartNew();
        Trainer.Train(model, stream, TrainingFor(probeSteps, batch), device, new SplitMix64(1));
        var steps = Math.Max(warmupSteps + 5, (int)(seconds / (probe.Elapsed.TotalSeconds / probeSteps)));
        Stopwatch? clock = null;
        var result = Trainer.Train(model, stream, TrainingFor(steps, batch), device, new SplitMix64(2), step =>
        {
            if (step == warmupSteps)
            {
                clock = Stopwatch.StartNew();
            }
        });

        // Train reads its losses back once at the end, so the device has finished every step by now.
        return (double)result.Tokens * (steps - warmupSteps) / steps / clock!.Elapsed.TotalSeconds;
    }

    private static TrainingPolicy TrainingFor(int steps, int batch) => new(steps, batch, 1e-3, 0.1, 1, 1.0, 1, false);

    private static double TimeEvaluation(Gpt model, TokenStream stream, int batch, Device device, double seconds)
    {
        Evaluator.Evaluate(model, stream, _ => 1, device, batch);
        var clock = Stopwatch.StartNew();
        long tokens = 0;
        while (clock.Elapsed.TotalSeconds < seconds || tokens == 0)
        {
            tokens += Evaluator.Evaluate(model, stream, _ => 1, device, batch).Tokens;
        }

        return tokens / clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// Whole rounds of the batch; counts positions decoded (batch × context: a row that ends early keeps decoding
    /// until its batch ends, as in the product), which is also what the PyTorch reference counts.
    /// </summary>
    private static double TimeSampling(Gpt model, int batch, Device device, double seconds)
    {
        var sampler = new Sampler(model, s_plain, endOfDocumentId: model.Config.VocabularySize - 1, device, batch);
        var generators = sampler.NewGenerators(seed: 1);
        try
        {
            sampler.SampleRound(generators);
            Synchronize(device);
            var clock = Stopwatch.StartNew();
            long tokens = 0;
            while (clock.Elapsed.TotalSeconds < seconds || tokens == 0)
            {
                sampler.SampleRound(generators);
                tokens += (long)batch * model.Config.Context;
            }

            Synchronize(device);
            return tokens / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            foreach (var generator in generators)
            {
                generator?.Dispose();
            }
        }
    }

    /// <summary>
    /// Whole passes over the context, at least three and until the time budget is spent: one pass of single steps
    /// on a shared 2-core VM put the default model anywhere from ×1.1 to ×1.9, the median of a few does not.
    /// </summary>
    private static (double EarlyMs, double LateMs) TimeDecodingSteps(Gpt model, int batch, Device device, double seconds)
    {
        model.eval();
        using var _ = no_grad();
        var context = model.Config.Context;
        var passes = new List<double[]>();
        var clock = Stopwatch.StartNew();
        using var generator = DrawGenerator.Create(1, device);
        while (passes.Count < 3 || (clock.Elapsed.TotalSeconds < seconds && passes.Count < 25))
        {
            var stepMs = new double[context];
            using var cache = model.NewCache(batch, device);
            var next = zeros(batch, 1, dtype: ScalarType.Int64, device: device);
            for (var position = 0; position < context; position++)
            {
                var step = Stopwatch.StartNew();
                using var scope = NewDisposeScope();
                var logits = model.Decode(next, cache);
                var drawn = Sampler.Draw(logits, s_plain, generator).MoveToOuterDisposeScope();
                next.Dispose();
                next = drawn;
                Synchronize(device);
                stepMs[position] = step.Elapsed.TotalMilliseconds;
            }

            next.Dispose();
            passes.Add(stepMs);
        }

        double At(int position) => passes.Select(p => p[position]).Order().ElementAt(passes.Count / 2);
        var early = Enumerable.Range(Math.Min(8, context - 5), 5).Average(At);
        var late = Enumerable.Range(Math.Max(0, context - 6), 5).Average(At);
        return (early, late);
    }

    private static (double TokensPerSecond, int Positions) TimeUncachedSampling(Gpt model, int batch, Device device, double seconds)
    {
        model.eval();
        using var _ = no_grad();
        using var generator = DrawGenerator.Create(1, device);
        var sequence = zeros(batch, 1, dtype: ScalarType.Int64, device: device);
        var clock = Stopwatch.StartNew();
        var positions = 0;
        while (positions < model.Config.Context - 1 && (clock.Elapsed.TotalSeconds < seconds || positions < 8))
        {
            using var scope = NewDisposeScope();
            var logits = model.forward(sequence).select(1, -1);
            var next = Sampler.Draw(logits, s_plain, generator);
            sequence = cat([sequence, next], 1).MoveToOuterDisposeScope();
            positions++;
        }

        Synchronize(device);
        return (batch * positions / clock.Elapsed.TotalSeconds, positions);
    }

    private static void Synchronize(Device device)
    {
        if (device.type == DeviceType.CUDA)
        {
            cuda.synchronize();
        }
    }
}
