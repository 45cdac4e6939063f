using System.Reflection;

namespace CollapseCheck.Reporting;

public static class ToolInfo
{
    /// <summary>The informational version without the source-revision suffix, so a commit alone does not change reports.</summary>
    public static string Version { get; } =
        (typeof(ToolInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0").Split('+')[0];
}
