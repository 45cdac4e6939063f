namespace CollapseCheck.Diagnostics;

/// <summary>How the running collapsecheck was started, so its advice names the command the user types.</summary>
public static class ToolInvocation
{
    /// <summary>
    /// A local tool (`dotnet collapsecheck`, `dotnet tool run collapsecheck`, the MSBuild task's way to one): the dotnet
    /// host runs the package's dll from the NuGet packages folder. A global tool runs from its own launcher in
    /// ~/.dotnet/tools, and a build from source from its bin folder; both are typed `collapsecheck`.
    /// </summary>
    public static bool IsLocalTool { get; } = IsLocal(Environment.ProcessPath, AppContext.BaseDirectory);

    internal static bool IsLocal(string? processPath, string baseDirectory)
    {
        var host = processPath?.Split('/', '\\')[^1];
        if (host is not ("dotnet" or "dotnet.exe"))
        {
            return false;
        }

        // ~/.nuget/packages/collapsecheck.tool/VERSION/tools/…; a global tool's copy sits under ~/.dotnet/tools/.store,
        // and a build from source in src/CollapseCheck.Tool/bin/….
        var folders = baseDirectory.Split(['/', '\\'], StringSplitOptions.RemoveEmptyEntries);
        var package = Array.FindLastIndex(folders, f => f.Equals("collapsecheck.tool", StringComparison.OrdinalIgnoreCase));
        return package >= 0 && package + 2 < folders.Length && folders[package + 2] == "tools" && !folders.Contains(".store", StringComparer.Ordinal);
    }
}
