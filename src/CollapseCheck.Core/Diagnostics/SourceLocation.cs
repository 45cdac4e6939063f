namespace CollapseCheck.Diagnostics;

/// <summary>A position in a user's file, 1-based, as MSBuild and GitHub annotations expect.</summary>
public readonly record struct SourceLocation(string File, int Line, int Column)
{
    public override string ToString() => $"{File}({Line},{Column})";
}
