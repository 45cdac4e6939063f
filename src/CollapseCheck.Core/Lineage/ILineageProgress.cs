namespace CollapseCheck.Lineage;

public enum LineagePhase { Train, Evaluate, Sample }

/// <summary>Where a running lineage is; the tool shows it on stderr.</summary>
public interface ILineageProgress
{
    void PhaseStarted(int generation, LineagePhase phase, long total) { }

    void Advanced(int generation, LineagePhase phase, long done) { }

    void GenerationFinished(GenerationResult result, PhaseTimings timings) { }
}

public sealed class SilentProgress : ILineageProgress
{
    public static readonly SilentProgress Instance = new();
}
