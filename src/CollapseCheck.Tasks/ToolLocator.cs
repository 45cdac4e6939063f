namespace CollapseCheck.Tasks;

/// <summary>How to start the tool: the executable, and arguments that come before ours.</summary>
/// <param name="Manifest">The local tool manifest that lists it, when it is a local tool.</param>
public sealed record ResolvedTool(string Executable, IReadOnlyList<string> Prefix, string How, string? Manifest = null);

/// <summary>
/// Finds the collapsecheck tool the way a .NET developer installed it: an explicit path, a local tool manifest
/// (.config/dotnet-tools.json from the project upward), or the global tools folder.
/// </summary>
public static class ToolLocator
{
    public const string Command = "collapsecheck";

    public static ResolvedTool? Find(string? explicitPath, string projectDirectory, string dotnet, string globalToolsFolder)
    {
        if (!string.IsNullOrEmpty(explicitPath))
        {
            return explicitPath!.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
                ? new ResolvedTool(dotnet, [explicitPath], $"CollapseCheckToolPath {explicitPath}")
                : new ResolvedTool(explicitPath, [], $"CollapseCheckToolPath {explicitPath}");
        }

        if (ToolManifest.Find(projectDirectory) is { } manifest)
        {
            return new ResolvedTool(dotnet, ["tool", "run", Command, "--"], $"local tool ({manifest})", manifest);
        }

        var global = Path.Combine(globalToolsFolder, OperatingSystem.IsWindows() ? Command + ".exe" : Command);
        return File.Exists(global) ? new ResolvedTool(global, [], $"global tool ({global})") : null;
    }

    /// <summary>Where `dotnet tool install --global` puts tools: under DOTNET_CLI_HOME when set (containers, CI), else the home folder.</summary>
    public static string DefaultGlobalToolsFolder() => GlobalToolsFolder(Environment.GetEnvironmentVariable("DOTNET_CLI_HOME"));

    public static string GlobalToolsFolder(string? cliHome) =>
        Path.Combine(string.IsNullOrEmpty(cliHome) ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) : cliHome!, ".dotnet", "tools");
}
