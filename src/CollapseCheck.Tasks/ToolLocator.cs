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

    /// <param name="globalToolsFolder">Null when there is none to look in (<see cref="WhyNoGlobalToolsFolder()"/>).</param>
    public static ResolvedTool? Find(string? explicitPath, string projectDirectory, string dotnet, string? globalToolsFolder)
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

        if (globalToolsFolder is null)
        {
            return null;
        }

        var global = Path.Combine(globalToolsFolder, OperatingSystem.IsWindows() ? Command + ".exe" : Command);
        return File.Exists(global) ? new ResolvedTool(global, [], $"global tool ({global})") : null;
    }

    /// <summary>
    /// Where `dotnet tool install --global` puts tools: under DOTNET_CLI_HOME when set (containers, CI), else the home
    /// folder. Null when neither names a full path: a build agent without a home folder has no global tools, and a
    /// relative folder would be looked for wherever the build happened to start.
    /// </summary>
    public static string? DefaultGlobalToolsFolder() =>
        GlobalToolsFolder(Environment.GetEnvironmentVariable("DOTNET_CLI_HOME"), Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    public static string? GlobalToolsFolder(string? cliHome, string? userProfile) =>
        (string.IsNullOrEmpty(cliHome) ? userProfile : cliHome) is { } home && Path.IsPathFullyQualified(home)
            ? Path.Combine(home, ".dotnet", "tools")
            : null;

    /// <summary>Why <see cref="DefaultGlobalToolsFolder"/> is null, in this process's environment.</summary>
    public static string WhyNoGlobalToolsFolder() => WhyNoGlobalToolsFolder(
        Environment.GetEnvironmentVariable("DOTNET_CLI_HOME"), OperatingSystem.IsWindows() ? "USERPROFILE" : "HOME",
        Environment.GetEnvironmentVariable(OperatingSystem.IsWindows() ? "USERPROFILE" : "HOME"));

    /// <param name="homeVariable">HOME, or USERPROFILE on Windows: .NET gives no home folder when it names none that exists.</param>
    public static string WhyNoGlobalToolsFolder(string? cliHome, string homeVariable, string? home) =>
        !string.IsNullOrEmpty(cliHome) ? $"DOTNET_CLI_HOME '{cliHome}' is not a full path"
        : string.IsNullOrEmpty(home) ? $"DOTNET_CLI_HOME and {homeVariable} are not set, and the account's home folder does not exist"
        : !Path.IsPathFullyQualified(home) ? $"DOTNET_CLI_HOME is not set and {homeVariable} '{home}' is not a full path"
        : $"DOTNET_CLI_HOME is not set and {homeVariable} '{home}' names no folder that exists";
}
