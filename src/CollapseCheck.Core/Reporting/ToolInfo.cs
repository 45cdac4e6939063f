namespace CollapseCheck.Reporting;

public static class ToolInfo
{
    /// <summary>The informational version without the source-revision suffix, so a commit alone does not change reports.</summary>
    public static string Version { get; } = ReleaseVersion.Of(typeof(ToolInfo).Assembly);

    /// <summary>
    /// The informational version with the commit it was built from: every local pack is the same version, and NuGet and
    /// the SDK keep using the first copy of a version they saw, so the commit is what tells two builds apart.
    /// </summary>
    public static string Build => ReleaseVersion.BuildOf(typeof(ToolInfo).Assembly);
}
