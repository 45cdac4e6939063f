using System.IO.Compression;
using CollapseCheck.Native;

namespace CollapseCheck.Core.Tests.Native;

/// <summary>
/// The automatic restore of libtorch goes through the nuget.config of the folder the user is in, and says why it failed.
/// Each test restores into a packages folder of its own, so the user's NuGet cache (which may hold libtorch) is neither
/// asked nor written.
/// </summary>
public sealed class LibTorchRestoreTests : IDisposable
{
    private readonly string _repository = Directory.CreateTempSubdirectory("collapsecheck-restore-").FullName;

    public void Dispose() => Directory.Delete(_repository, recursive: true);

    [Fact]
    public void A_feed_named_relative_to_the_nearest_nuget_config_is_used()
    {
        var feed = Directory.CreateDirectory(Path.Combine(_repository, "feed")).FullName;
        WritePackage(Path.Combine(feed, $"{NativeLocations.LibTorchPackage}.{NativeLocations.LibTorchPackageVersion}.nupkg"));
        WriteConfig();

        Assert.True(LibTorchRestore.TryRestore(out var failure, Below(), Packages), failure);

        Assert.True(Directory.Exists(Path.Combine(Packages, NativeLocations.LibTorchPackage, NativeLocations.LibTorchPackageVersion)));
    }

    [Fact]
    public void A_failed_restore_quotes_nugets_error()
    {
        Directory.CreateDirectory(Path.Combine(_repository, "feed"));
        WriteConfig();

        Assert.False(LibTorchRestore.TryRestore(out var failure, Below(), Packages));

        Assert.Equal($"'dotnet restore' of it exited with code 1: error NU1101: Unable to find package {NativeLocations.LibTorchPackage}. No packages exist with this id in source(s): mirror", failure);
    }

    private string Packages => Path.Combine(_repository, "packages");

    private string Below() => Directory.CreateDirectory(Path.Combine(_repository, "src", "project")).FullName;

    private void WriteConfig() => File.WriteAllText(Path.Combine(_repository, "nuget.config"), """
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources><clear /><add key="mirror" value="./feed" /></packageSources>
        </configuration>
        """);

    /// <summary>A package with the right id and version and nothing in it: enough for NuGet to restore.</summary>
    private static void WritePackage(string path)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        using (var nuspec = new StreamWriter(zip.CreateEntry($"{NativeLocations.LibTorchPackage}.nuspec").Open()))
        {
            nuspec.Write($"""
                <?xml version="1.0" encoding="utf-8"?>
                <package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
                  <metadata><id>{NativeLocations.LibTorchPackage}</id><version>{NativeLocations.LibTorchPackageVersion}</version><authors>test</authors><description>test</description></metadata>
                </package>
                """);
        }

        using var readme = new StreamWriter(zip.CreateEntry("readme.txt").Open());
        readme.Write("empty");
    }
}
