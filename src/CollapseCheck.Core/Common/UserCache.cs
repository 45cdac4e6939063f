using CollapseCheck.Diagnostics;

namespace CollapseCheck.Common;

/// <summary>
/// The per-user cache (patched natives, extracted corpus text): COLLAPSECHECK_CACHE, else $XDG_CACHE_HOME/collapsecheck,
/// else ~/.cache/collapsecheck. Never the NuGet cache, which other projects share, by default never a folder relative to
/// wherever the tool runs (a relative COLLAPSECHECK_CACHE is the user's choice, taken from the working folder: the
/// project's folder under MSBuild), and never a guessable one in a shared temp folder: it holds a native library that
/// gets loaded and results the gate trusts. With no home folder (a container's HOME=/nonexistent) there is none: the native
/// copy is made in a private temporary folder, the docs are parsed each run, the generation cache is off, and `run` says so.
/// </summary>
public static class UserCache
{
    public static string Folder() => Folder(Environment.GetEnvironmentVariable, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    /// <summary>The user cache, or null and why there is none (no home folder and no variable naming one).</summary>
    public static string? TryFolder(out string? whyNone) =>
        TryFolder(Environment.GetEnvironmentVariable, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), out whyNone);

    /// <summary>
    /// Tags the whole user cache as a cache (CACHEDIR.TAG), once a part of it has been written: a COLLAPSECHECK_CACHE in
    /// a checkout that a corpus glob reaches would otherwise have its native library and the docs' text read as corpus.
    /// Best effort, as the generation cache's own tag.
    /// </summary>
    public static void TagRoot() => new Lineage.GenerationCache(Folder()).TagIfPresent();

    /// <param name="home">The user's home folder as .NET gives it: "" when it does not exist (HOME=/nonexistent).</param>
    internal static string Folder(Func<string, string?> variable, string home) =>
        TryFolder(variable, home, out var whyNone) ?? throw Errors.OutputNotWritable("~/.cache/collapsecheck", whyNone!);

    private static string? TryFolder(Func<string, string?> variable, string home, out string? whyNone)
    {
        whyNone = null;
        if (variable("COLLAPSECHECK_CACHE") is { Length: > 0 } explicitCache)
        {
            // A file (or /dev/null, to switch caching off) cannot hold one: said up front, as for no home folder, where
            // it used to be found at the first write, after training, as "could not find a part of the path".
            if (File.Exists(explicitCache))
            {
                whyNone = $"COLLAPSECHECK_CACHE is '{explicitCache}', a file, not a folder; set it to a folder of yours for the user cache";
                return null;
            }

            return Path.GetFullPath(explicitCache);
        }

        // The XDG specification has a relative value ignored.
        if (variable("XDG_CACHE_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg))
        {
            return Path.Combine(xdg, "collapsecheck");
        }

        if (Path.IsPathRooted(home) && Directory.Exists(home))
        {
            return Path.Combine(home, ".cache", "collapsecheck");
        }

        whyNone = $"there is no home folder (HOME is '{variable("HOME")}'); set COLLAPSECHECK_CACHE (or an absolute XDG_CACHE_HOME) to a folder of yours for the user cache";
        return null;
    }
}
