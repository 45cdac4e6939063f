using CollapseCheck.Common;

namespace CollapseCheck.Core.Tests.Native;

/// <summary>Where the per-user cache goes: never a folder relative to wherever the tool happens to run.</summary>
public class UserCacheTests
{
    private static readonly string s_home = Path.GetTempPath();

    private static string Folder(string? cache = null, string? xdg = null, string? home = null) => UserCache.Folder(
        name => name switch { "COLLAPSECHECK_CACHE" => cache, "XDG_CACHE_HOME" => xdg, "HOME" => "/nonexistent", _ => null }, home ?? s_home);

    [Fact]
    public void The_explicit_cache_then_an_absolute_xdg_cache_then_the_home_folders()
    {
        Assert.Equal(Path.GetFullPath("/ci/cache"), Folder(cache: "/ci/cache"));
        Assert.Equal(Path.Combine("/xdg", "collapsecheck"), Folder(xdg: "/xdg"));
        Assert.Equal(Path.Combine(s_home, ".cache", "collapsecheck"), Folder());
    }

    [Fact]
    public void A_relative_xdg_cache_is_ignored_and_no_home_folder_asks_for_one()
    {
        Assert.Equal(Path.Combine(s_home, ".cache", "collapsecheck"), Folder(xdg: "relative"));
        Assert.True(Path.IsPathRooted(Folder(cache: "relative-cache")));

        // .NET gives "" for HOME=/nonexistent: the cache had gone to ./.cache in the current folder.
        foreach (var home in new[] { "", "/nonexistent-home-folder" })
        {
            var e = Assert.Throws<CollapseCheck.Diagnostics.CollapseCheckException>(() => Folder(home: home));
            Assert.Equal("CC0030", e.Code);
            Assert.Contains("there is no home folder (HOME is '/nonexistent'); set COLLAPSECHECK_CACHE", e.Message);
        }

        Assert.Equal(Path.Combine("/xdg", "collapsecheck"), Folder(xdg: "/xdg", home: ""));
    }

    [Fact]
    public void A_cache_variable_naming_a_file_is_no_cache_and_says_so()
    {
        var file = Path.GetTempFileName();
        try
        {
            var e = Assert.Throws<CollapseCheck.Diagnostics.CollapseCheckException>(() => Folder(cache: file));
            Assert.Contains($"COLLAPSECHECK_CACHE is '{file}', a file, not a folder", e.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }
}

/// <summary>Where NuGet's packages are looked for and libtorch restored: never a folder relative to wherever the tool runs.</summary>
public class NuGetPackagesFolderTests
{
    [Fact]
    public void Nuget_packages_then_the_home_folders_and_none_without_a_home()
    {
        string? None(string name) => null;

        Assert.Equal(Path.Combine("/home/u", ".nuget", "packages"), CollapseCheck.Native.NativeLocations.NuGetPackagesFolder(None, "/home/u"));
        Assert.Equal(Path.GetFullPath("/ci/packages"), CollapseCheck.Native.NativeLocations.NuGetPackagesFolder(n => n == "NUGET_PACKAGES" ? "/ci/packages" : null, ""));
        Assert.True(Path.IsPathRooted(CollapseCheck.Native.NativeLocations.NuGetPackagesFolder(n => n == "NUGET_PACKAGES" ? "relative" : null, "")));
        // .NET gives "" for a HOME that does not exist: the lookup searched ./.nuget/packages and the restore refused it.
        Assert.Null(CollapseCheck.Native.NativeLocations.NuGetPackagesFolder(None, ""));
    }
}
