using System.Diagnostics;
using System.Xml.Linq;

namespace CollapseCheck.Native;

/// <summary>
/// The tool package does not carry libtorch (it would exceed nuget.org's size limit). When no libtorch is found,
/// NuGet itself fetches the CPU package into the user's NuGet cache, once, by restoring a throwaway project
/// that references it, through the user's own NuGet configuration. Then the cache lookup finds it.
/// </summary>
internal static class LibTorchRestore
{
    private static readonly string[] s_configNames = ["nuget.config", "NuGet.config", "NuGet.Config"];

    /// <param name="failure">Why the restore failed, in NuGet's words where it gave any; null when it succeeded.</param>
    /// <param name="from">Where the user is (the current folder): its nearest nuget.config is the one NuGet reads.</param>
    /// <param name="packagesFolder">
    /// Where the package goes: by default the folder the lookup searches (<see cref="NativeLocations.NuGetPackagesFolder"/>),
    /// whatever globalPackagesFolder a nuget.config names, or the restore would succeed and the lookup still fail.
    /// </param>
    public static bool TryRestore(out string? failure, string? from = null, string? packagesFolder = null)
    {
        var folder = Directory.CreateTempSubdirectory("collapsecheck-libtorch-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "restore.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup><TargetFramework>netstandard2.0</TargetFramework><DisableImplicitFrameworkReferences>true</DisableImplicitFrameworkReferences></PropertyGroup>
                  <ItemGroup><PackageReference Include="{NativeLocations.LibTorchPackage}" Version="{NativeLocations.LibTorchPackageVersion}" /></ItemGroup>
                </Project>
                """);

            // No implicit NETStandard.Library: a mirror that holds libtorch need hold nothing else.
            // NuGet reads nuget.config from the project's folder upward, and this project's folder is a temporary one:
            // without a copy, a repository's own feed (a company mirror, an offline folder) would not be asked.
            var config = NearestConfig(from ?? Directory.GetCurrentDirectory());
            if (config is not null)
            {
                CopyWithAbsoluteSources(config, Path.Combine(folder, "nuget.config"));
            }

            // Core has no console of its own; this one-time notice explains a long pause on first use.
            Console.Error.WriteLine($"collapsecheck: libtorch not found; restoring {NativeLocations.LibTorchPackage} {NativeLocations.LibTorchPackageVersion} into the NuGet cache (about 600 MB, once{(config is null ? "" : $", through {config}")})…");
            var start = new ProcessStartInfo(DotnetHost(), ["restore", Path.Combine(folder, "restore.csproj")])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = folder,
                Environment = { ["NUGET_PACKAGES"] = packagesFolder ?? NativeLocations.NuGetPackagesFolder() },
            };
            using var process = Process.Start(start)!;
            // Both pipes at once: one left unread can fill and stall the other.
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            if (process.ExitCode == 0)
            {
                failure = null;
                return true;
            }

            var lines = (output.Result + "\n" + errors.Result).Split('\n')
                .Select(line => line.Replace(Path.Combine(folder, "restore.csproj"), "", StringComparison.Ordinal).Replace(" []", "", StringComparison.Ordinal).TrimStart(':', ' ').Trim())
                .Where(line => line.Length > 0)
                .ToList();
            // NuGet's error lines; when it failed without one (no home folder, say), its last words.
            var errorLines = lines.Where(line => line.Contains("error", StringComparison.OrdinalIgnoreCase)).Distinct().Take(3).ToList();
            var said = errorLines.Count > 0 ? errorLines : lines.TakeLast(2).ToList();
            failure = $"'dotnet restore' of it exited with code {process.ExitCode}{(said.Count == 0 ? "" : ": " + string.Join(" | ", said))}";
            return false;
        }
        catch (Exception e) when (e is IOException or System.ComponentModel.Win32Exception or UnauthorizedAccessException or System.Xml.XmlException)
        {
            failure = $"it could not be restored: {e.Message}";
            return false;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The nuget.config NuGet would read first for a project in <paramref name="folder"/>.</summary>
    private static string? NearestConfig(string folder)
    {
        for (var at = new DirectoryInfo(folder); at is not null; at = at.Parent)
        {
            if (s_configNames.Select(name => Path.Combine(at.FullName, name)).FirstOrDefault(File.Exists) is { } config)
            {
                return config;
            }
        }

        return null;
    }

    /// <summary>A copy whose folder sources (value="./feed") still point where they did beside the original.</summary>
    private static void CopyWithAbsoluteSources(string config, string copy)
    {
        var document = XDocument.Load(config);
        var beside = Path.GetDirectoryName(Path.GetFullPath(config))!;
        foreach (var source in document.Descendants().Where(e => e.Name.LocalName == "add" && e.Parent?.Name.LocalName == "packageSources"))
        {
            // Variables (%FEED%/x) expanded first, as NuGet would: what they expand to may be relative too.
            if (source.Attribute("value") is { } value && Environment.ExpandEnvironmentVariables(value.Value) is var expanded
                && !expanded.Contains("://", StringComparison.Ordinal) && !Path.IsPathRooted(expanded))
            {
                value.Value = Path.GetFullPath(expanded, beside);
            }
        }

        document.Save(copy);
    }

    /// <summary>The dotnet that runs us (the SDK's host sets DOTNET_HOST_PATH), else the one on PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
}
