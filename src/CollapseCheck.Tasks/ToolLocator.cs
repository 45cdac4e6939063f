using System.Text.Json;

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
    public const string PackageId = "collapsecheck.tool";
    public const string Command = "collapsecheck";

    public static ResolvedTool? Find(string? explicitPath, string projectDirectory, string dotnet, string globalToolsFolder)
    {
        if (!string.IsNullOrEmpty(explicitPath))
        {
            return explicitPath!.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
                ? new ResolvedTool(dotnet, [explicitPath], $"CollapseCheckToolPath {explicitPath}")
                : new ResolvedTool(explicitPath, [], $"CollapseCheckToolPath {explicitPath}");
        }

        if (FindManifest(projectDirectory) is { } manifest)
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

    /// <summary>The nearest tool manifest that lists CollapseCheck.Tool, as `dotnet tool run` would find it.</summary>
    public static string? FindManifest(string directory)
    {
        for (var dir = new DirectoryInfo(directory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, ".config", "dotnet-tools.json"), Path.Combine(dir.FullName, "dotnet-tools.json") })
            {
                if (File.Exists(candidate) && ListsTool(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    private static bool ListsTool(string manifest)
    {
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(manifest));
            return json.RootElement.TryGetProperty("tools", out var tools)
                && tools.EnumerateObject().Any(t => string.Equals(t.Name, PackageId, StringComparison.OrdinalIgnoreCase));
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
