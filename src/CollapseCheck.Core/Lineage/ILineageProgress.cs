namespace CollapseCheck.Lineage;

public enum LineagePhase { Train, Evaluate, Sample }

/// <summary>Where a running lineage is; the tool shows it on stderr.</summary>
public interface ILineageProgress
{
    /// <summary>A lineage begins; gate.seeds > 1 runs several, one per seed.</summary>
    void LineageStarted(int seed, int index, int count) { }

    /// <summary>A step before training (reading, tokenizing, the theory): seconds on a big corpus, so it is named.</summary>
    void Preparing(string step) { }

    /// <summary>
    /// The current preparation step has done <paramref name="done"/> of <paramref name="total"/> <paramref name="units"/>
    /// (the surrogate's generations across its runs); called from worker threads, in no fixed order of <paramref name="done"/>.
    /// </summary>
    void PreparingAdvanced(long done, long total, string units) { }

    void PhaseStarted(int generation, LineagePhase phase, long total) { }

    void Advanced(int generation, LineagePhase phase, long done) { }

    void GenerationFinished(GenerationResult result, PhaseTimings timings) { }
}

public sealed class SilentProgress : ILineageProgress
{
    public static readonly SilentProgress Instance = new();
}
