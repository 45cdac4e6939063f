namespace CollapseCheck.Native;

/// <summary>Where the native pieces live: the app folder first (how NuGet lays out a build), then the NuGet cache.</summary>
internal static class NativeLocations
{
    public const string LibTorchSharpFile = "libLibTorchSharp.so";
    public const string LibTorchFile = "libtorch.so";
    public const string LibTorchPackage = "libtorch-cpu-linux-x64";
    public const string LibTorchPackageVersion = "2.10.0";
    public const string TorchSharpPackageVersion = "0.107.0";

    public static IEnumerable<string> AppNativeFolders()
    {
        var baseDir = AppContext.BaseDirectory;
        yield return Path.Combine(baseDir, "runtimes", "linux-x64", "native");
        yield return baseDir;
    }

    /// <summary>
    /// NuGet's package folder: NUGET_PACKAGES, else ~/.nuget/packages; null without a home folder (a service account whose
    /// HOME does not exist, for which .NET gives ""): a relative ".nuget/packages" was searched in whatever folder the
    /// tool ran in, and handed to the restore, which refused it.
    /// </summary>
    public static string? NuGetPackagesFolder() =>
        NuGetPackagesFolder(Environment.GetEnvironmentVariable, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    internal static string? NuGetPackagesFolder(Func<string, string?> environment, string home) =>
        environment("NUGET_PACKAGES") is { Length: > 0 } custom ? Path.GetFullPath(custom)
        : Path.IsPathRooted(home) ? Path.Combine(home, ".nuget", "packages")
        : null;

    public static IEnumerable<string> LibTorchSharpCandidates() =>
        AppNativeFolders()
            .Concat(NuGetPackagesFolder() is { } packages ? [Path.Combine(packages, "torchsharp", TorchSharpPackageVersion, "runtimes", "linux-x64", "native")] : [])
            .Select(d => Path.Combine(d, LibTorchSharpFile));

    public static IEnumerable<string> PackagedLibTorchFolders() =>
        AppNativeFolders()
            .Concat(NuGetPackagesFolder() is { } packages ? [Path.Combine(packages, LibTorchPackage, LibTorchPackageVersion, "runtimes", "linux-x64", "native")] : []);

    /// <summary>The libstdc++ the dynamic linker would bind: one already mapped into this process, else the usual system folders.</summary>
    public static string? SystemLibStdCxx()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                var at = line.IndexOf('/');
                if (at >= 0 && line.EndsWith("/" + NativeCompatibility.LibStdCxx, StringComparison.Ordinal))
                {
                    return line[at..];
                }
            }
        }
        catch (IOException)
        {
            // No /proc: fall through to the folder search.
        }

        var ldPath = (Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        string[] system = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib"];
        return ldPath.Concat(system)
            .Select(d => Path.Combine(d, NativeCompatibility.LibStdCxx))
            .FirstOrDefault(File.Exists);
    }
}
