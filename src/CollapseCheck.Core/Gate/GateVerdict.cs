namespace CollapseCheck.Gate;

/// <summary>One metric at one generation against its threshold. Ratios are relative to the same seed's generation 0.</summary>
/// <param name="Better">"lower" (the threshold is a ceiling) or "higher" (a floor).</param>
/// <param name="Measured">Mean over the seeds.</param>
/// <param name="Margin">The noise allowance added to the ceiling or taken off the floor.</param>
public sealed record GateCheck(
    string Code,
    string Metric,
    int Generation,
    string Better,
    double Measured,
    IReadOnlyList<double> PerSeed,
    double? Predicted,
    double Threshold,
    double Margin,
    bool Passed,
    string Reason);

/// <param name="PolicyField">The policy field a failure is reported at (JSON path).</param>
public sealed record GateFailure(string Code, string PolicyField, string Message);

public sealed record GateVerdict(
    bool Passed,
    string Summary,
    string PredictionSource,
    string MarginMethod,
    double Tolerance,
    IReadOnlyList<int> Seeds,
    string LongRun,
    string LongRunSentence,
    IReadOnlyList<GateCheck> Checks,
    IReadOnlyList<GateFailure> Failures);
