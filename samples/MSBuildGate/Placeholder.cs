namespace MSBuildGate;

/// <summary>Stands for the code whose training data the policy governs.</summary>
public static class Placeholder
{
}
