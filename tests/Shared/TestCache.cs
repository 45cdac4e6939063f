using System.Runtime.CompilerServices;

namespace CollapseCheck.Tests;

/// <summary>
/// Points the tool's user cache (patched natives, extracted docs text, generations) at a folder of this test run's
/// own, removed when it ends: tests then exercise what they name instead of reading what an earlier build left in
/// ~/.cache, and a run leaves nothing behind there.
/// </summary>
internal static class TestCache
{
    private static int s_isolated;

    /// <summary>Idempotent: another module initializer that loads the natives calls it first, as their order is not fixed.</summary>
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "Must run before any test touches the cache.")]
    internal static void Isolate()
    {
        if (Interlocked.Exchange(ref s_isolated, 1) == 1)
        {
            return;
        }

        var folder = Directory.CreateTempSubdirectory("collapsecheck-test-cache-").FullName;
        Environment.SetEnvironmentVariable("COLLAPSECHECK_CACHE", folder);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A leftover temp folder is harmless.
            }
        };
    }
}

/// <summary>What a process started by a test must not inherit from a CI runner.</summary>
internal static class CiEnvironment
{
    /// <summary>
    /// Removes CI's and GitHub Actions' variables, so a nested tool behaves as on a laptop: it neither annotates nor
    /// appends its report to the job summary of the runner the suite itself runs in.
    /// </summary>
    public static void Remove(IDictionary<string, string?> environment)
    {
        foreach (var name in environment.Keys.Where(n => n.StartsWith("GITHUB_", StringComparison.Ordinal) || n is "CI" or "TF_BUILD").ToList())
        {
            environment.Remove(name);
        }
    }
}
