namespace CollapseCheck.Common;

/// <summary>
/// The per-user cache (patched natives, extracted corpus text): COLLAPSECHECK_CACHE, else $XDG_CACHE_HOME/collapsecheck,
/// else ~/.cache/collapsecheck, else (no home folder, as for a container's nobody) a folder of the user's in the temp
/// folder. Never the NuGet cache, which other projects share, and never a folder relative to wherever the tool runs.
/// </summary>
public static class UserCache
{
    public static string Folder() => Folder(Environment.GetEnvironmentVariable,
        Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), Path.GetTempPath(), Environment.UserName);

    /// <param name="home">The user's home folder as .NET gives it: "" when it does not exist (HOME=/nonexistent).</param>
    internal static string Folder(Func<string, string?> variable, string home, string temp, string user)
    {
        if (variable("COLLAPSECHECK_CACHE") is { Length: > 0 } explicitCache)
        {
            return Path.GetFullPath(explicitCache);
        }

        // The XDG specification has a relative value ignored.
        if (variable("XDG_CACHE_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg))
        {
            return Path.Combine(xdg, "collapsecheck");
        }

        return Path.IsPathRooted(home) && Directory.Exists(home)
            ? Path.Combine(home, ".cache", "collapsecheck")
            : Path.Combine(temp, $"collapsecheck-cache-{user}");
    }
}
