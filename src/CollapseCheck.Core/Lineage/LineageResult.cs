using CollapseCheck.Metrics;
using CollapseCheck.Modeling;
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

public sealed record PhaseTimings(double TrainSeconds, double EvaluateSeconds, double SampleSeconds);

public sealed record LineageResult(
    PreparedCorpus Corpus,
    GptConfig Model,
    long Parameters,
    int Seed,
    string Device,
    TextMetrics RealSample,
    IReadOnlyList<GenerationResult> Generations,
    IReadOnlyList<PhaseTimings> Timings);
