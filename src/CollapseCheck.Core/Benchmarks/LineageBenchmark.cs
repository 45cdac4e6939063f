using System.Diagnostics;
using CollapseCheck.Lineage;
using CollapseCheck.Running;
using CollapseCheck.Theory;
using static TorchSharp.torch;

namespace CollapseCheck.Benchmarks;

/// <param name="TrainSeconds">Per generation from model construction to the last step.</param>
/// <param name="SampleSeconds">Sampling and the generated text's metrics.</param>
/// <param name="OtherSeconds">The rest of the lineage loop: corpus composition and bookkeeping.</param>
/// <param name="Precision">fp32, or bf16 for mixed precision: what the lineage trained, evaluated and sampled in.</param>
public sealed record LineageBenchResult(
    string Precision,
    int Generations,
    double TotalSeconds,
    double CorpusSeconds,
    double TheorySeconds,
    double TrainSeconds,
    double EvaluateSeconds,
    double SampleSeconds,
    double OtherSeconds);

/// <summary>
/// The embedded default policy end to end, as `run` does it but without the generation cache and without writing
/// reports: where a user's wall time goes.
/// </summary>
public static class LineageBenchmark
{
    /// <param name="precision">fp32 or bf16: the bench's --precision, in place of the policy's training.precision.</param>
    public static LineageBenchResult Run(Device device, string precision)
    {
        var clock = Stopwatch.StartNew();
        var embedded = RunJob.LoadPolicy(null);
        var policy = embedded with { Training = embedded.Training with { Precision = precision == "fp32" ? null : precision } };
        var corpus = RunJob.PrepareCorpus(policy, null);
        var corpusSeconds = clock.Elapsed.TotalSeconds;
        PolicyTheory.For(policy, corpus);
        var theorySeconds = clock.Elapsed.TotalSeconds - corpusSeconds;
        var lineageClock = Stopwatch.StartNew();
        var result = new LineageRunner(policy, corpus, device).Run(policy.Training.Seed);
        var lineageSeconds = lineageClock.Elapsed.TotalSeconds;
        var (train, evaluate, sample) = (result.Timings.Sum(t => t.TrainSeconds), result.Timings.Sum(t => t.EvaluateSeconds), result.Timings.Sum(t => t.SampleSeconds));
        return new LineageBenchResult(precision, result.Generations.Count, clock.Elapsed.TotalSeconds, corpusSeconds, theorySeconds,
            train, evaluate, sample, lineageSeconds - train - evaluate - sample);
    }
}
