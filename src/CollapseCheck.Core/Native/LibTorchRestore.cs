using System.Diagnostics;

namespace CollapseCheck.Native;

/// <summary>
/// The tool package does not carry libtorch (it would exceed nuget.org's size limit). When no libtorch is found,
/// NuGet itself fetches the CPU package into the user's NuGet cache, once, by restoring a throwaway project
/// that references it, through the user's own NuGet configuration. Then the cache lookup finds it.
/// </summary>
internal static class LibTorchRestore
{
    public static bool TryRestore()
    {
        var folder = Directory.CreateTempSubdirectory("collapsecheck-libtorch-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "restore.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup><TargetFramework>netstandard2.0</TargetFramework></PropertyGroup>
                  <ItemGroup><PackageReference Include="{NativeLocations.LibTorchPackage}" Version="{NativeLocations.LibTorchPackageVersion}" /></ItemGroup>
                </Project>
                """);

            // Core has no console of its own; this one-time notice explains a long pause on first use.
            Console.Error.WriteLine($"collapsecheck: libtorch not found; restoring {NativeLocations.LibTorchPackage} {NativeLocations.LibTorchPackageVersion} into the NuGet cache (about 600 MB, once)…");
            var start = new ProcessStartInfo(DotnetHost(), ["restore", Path.Combine(folder, "restore.csproj")])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = Directory.GetCurrentDirectory(),
            };
            using var process = Process.Start(start)!;
            process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (Exception e) when (e is IOException or System.ComponentModel.Win32Exception or UnauthorizedAccessException)
        {
            return false;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The dotnet that runs us (the SDK's host sets DOTNET_HOST_PATH), else the one on PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
}
