namespace CollapseCheck.Diagnostics;

/// <summary>How the running collapsecheck was started, so its advice names the command the user types.</summary>
public static class ToolInvocation
{
    /// <summary>
    /// A local tool (`dotnet collapsecheck`, `dotnet tool run collapsecheck`, the MSBuild task's way to one): the dotnet
    /// host runs the package's dll from the NuGet packages folder. A global tool runs from its own launcher in
    /// ~/.dotnet/tools, and a build from source from its bin folder; both are typed `collapsecheck`.
    /// </summary>
    /// <remarks>
    /// dnx and `dotnet tool exec` run the same package with no manifest, where `dotnet collapsecheck` resolves to
    /// nothing: only a manifest here or above that lists the tool makes it one.
    /// </remarks>
    public static bool IsLocalTool { get; } = IsLocal(Environment.ProcessPath, AppContext.BaseDirectory) && ManifestLists(Directory.GetCurrentDirectory());

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
        var package = Array.FindLastIndex(folders, f => f.Equals(ToolManifest.PackageId, StringComparison.OrdinalIgnoreCase));
        return package >= 0 && package + 2 < folders.Length && folders[package + 2] == "tools" && !folders.Contains(".store", StringComparer.Ordinal);
    }

    /// <summary>Whether a tool manifest in <paramref name="folder"/> or above (as `dotnet tool run` looks) lists CollapseCheck.Tool.</summary>
    internal static bool ManifestLists(string folder)
    {
        try
        {
            return ToolManifest.Find(folder) is not null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unreadable: advice then gives both spellings.
            return false;
        }
    }
}
