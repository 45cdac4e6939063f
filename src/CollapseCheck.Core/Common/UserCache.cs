namespace CollapseCheck.Common;

/// <summary>
/// The per-user cache (patched natives, extracted corpus text): COLLAPSECHECK_CACHE, else $XDG_CACHE_HOME/collapsecheck,
/// else ~/.cache/collapsecheck. Never the NuGet cache, which other projects share.
/// </summary>
public static class UserCache
{
    public static string Folder()
    {
        if (Environment.GetEnvironmentVariable("COLLAPSECHECK_CACHE") is { Length: > 0 } explicitCache)
        {
            return explicitCache;
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
            : xdg;
        return Path.Combine(root, "collapsecheck");
    }
}
