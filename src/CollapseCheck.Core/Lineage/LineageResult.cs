using CollapseCheck.Metrics;
using CollapseCheck.Modeling;
using CollapseCheck.Native;
using CollapseCheck.Training;

namespace CollapseCheck.Lineage;

/// <summary>One generation's measurements. Timings are kept apart: they go to the run manifest, never the report.</summary>
public sealed record GenerationResult(
    int Generation,
    IReadOnlyList<KeyValuePair<string, long>> TrainingTokensBySource,
    TrainingResult Training,
    EvaluationResult HeldOut,
    TextMetrics Generated)
{
    public long TrainingTokens => TrainingTokensBySource.Sum(kv => kv.Value);
}

/// <param name="Cached">Loaded from the <see cref="GenerationCache"/>; the seconds are those of the run that computed it.</param>
public sealed record PhaseTimings(double TrainSeconds, double EvaluateSeconds, double SampleSeconds, bool Cached = false);

public sealed record LineageResult(
    PreparedCorpus Corpus,
    GptConfig Model,
    long Parameters,
    int Seed,
    string Device,
    Numerics Numerics,
    TextMetrics RealSample,
    IReadOnlyList<GenerationResult> Generations,
    IReadOnlyList<PhaseTimings> Timings);
