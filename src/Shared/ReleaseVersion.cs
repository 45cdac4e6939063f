using System.Reflection;

namespace CollapseCheck;

/// <summary>
/// An assembly's informational version without the source-revision suffix ("0.1.0", not "0.1.0+abc…"). Compiled into
/// the tool, which writes it into reports and --diagnostics, and the task, which compares it with its own (CC0054).
/// </summary>
internal static class ReleaseVersion
{
    public static string Of(Assembly assembly) => BuildOf(assembly).Split('+')[0];

    /// <summary>The informational version with the commit it was built from.</summary>
    public static string BuildOf(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
}
