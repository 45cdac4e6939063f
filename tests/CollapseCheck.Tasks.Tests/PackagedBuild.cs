using System.Diagnostics;
using System.Text.RegularExpressions;

namespace CollapseCheck.Tasks.Tests;

/// <summary>
/// Packs the tool and the MSBuild package as they were just built, under a version of this test run's own (so the
/// NuGet cache never serves a stale copy), into a temp feed; removes both from the cache afterwards.
/// </summary>
public sealed class PackagedBuild : IDisposable
{
    public PackagedBuild()
    {
        Repository = FindRepository();
        Configuration = typeof(PackagedBuild).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "Configuration").Value!;
        Version = $"0.1.0-e2e.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        Root = Directory.CreateTempSubdirectory("collapsecheck-e2e-").FullName;
        Feed = Path.Combine(Root, "feed");
        foreach (var project in new[] { "src/CollapseCheck.Tool", "src/CollapseCheck.Tasks" })
        {
            Dotnet(Repository, "pack", project, "-c", Configuration, "--no-build", "-o", Feed, $"-p:PackageVersion={Version}").AssertSuccess();
        }
    }

    public string Repository { get; }

    public string Configuration { get; }

    public string Version { get; }

    public string Root { get; }

    public string Feed { get; }

    public string ToolPackage => Path.Combine(Feed, $"CollapseCheck.Tool.{Version}.nupkg");

    public string TasksPackage => Path.Combine(Feed, $"CollapseCheck.{Version}.nupkg");

    /// <summary>A folder with a nuget.config that sees the temp feed first.</summary>
    public string NewFolder(string name)
    {
        var folder = Path.Combine(Root, name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="e2e" value="{Feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);
        return folder;
    }

    public static ProcessResult Dotnet(string workingDirectory, params string[] args) => Run("dotnet", workingDirectory, args);

    public static ProcessResult Run(string executable, string workingDirectory, params string[] args) =>
        RunWith(workingDirectory, new Dictionary<string, string>(), executable, args);

    public static string NuGetCache() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } custom
            ? custom
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    public static ProcessResult RunWith(string workingDirectory, IReadOnlyDictionary<string, string> environment, string executable, params string[] args)
    {
        using var process = Start(workingDirectory, environment, executable, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return new ProcessResult(process.ExitCode, stdout.Result + stderr.Result, $"{executable} {string.Join(' ', args)}");
    }

    /// <summary>Starts <paramref name="executable"/> as <see cref="RunWith"/> runs it, stdout and stderr redirected, for a test that acts while it runs.</summary>
    public static Process Start(string workingDirectory, IReadOnlyDictionary<string, string> environment, string executable, params string[] args)
    {
        var start = new ProcessStartInfo(executable, args)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        // A nested build must not inherit this test host's MSBuild settings.
        foreach (var name in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "VSTEST_HOST_DEBUG" })
        {
            start.Environment.Remove(name);
        }

        // COLLAPSECHECK_CACHE is inherited from TestCache: this run's own, so a packaged tool really trains instead of
        // loading what an earlier run of the suite left in the user's cache.
        CiEnvironment.Remove(start.Environment);
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        return Process.Start(start)!;
    }

    public void Dispose()
    {
        var cache = NuGetCache();
        foreach (var id in new[] { "collapsecheck", "collapsecheck.tool" })
        {
            var folder = Path.Combine(cache, id, Version.ToLowerInvariant());
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        Directory.Delete(Root, recursive: true);
    }

    private static string FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CollapseCheck.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("CollapseCheck.sln not found above the test assembly");
    }
}

public sealed record ProcessResult(int ExitCode, string Output, string Command)
{
    public void AssertSuccess() => Assert.True(ExitCode == 0, $"{Command} exited {ExitCode}:\n{Output}");

    public int Count(string pattern) => Regex.Matches(Output, pattern).Count;
}

[CollectionDefinition(nameof(PackagedBuildCollection))]
public sealed class PackagedBuildCollection : ICollectionFixture<PackagedBuild>;
