namespace CollapseCheck.Common;

/// <summary>
/// Temporary files named for their writer's process (NAME.PID.tmp): a write that fails removes its own, but a writer
/// killed mid-write (SIGKILL, a power cut) leaves its copy, so the next write in that folder removes those whose
/// writer is gone. A process that reuses a dead writer's id keeps its leftover until a write after it ends.
/// Only copies untouched for <see cref="QuietFor"/> go: a cache shared by containers (a CI cache volume) holds writers
/// from other process-id namespaces, whose ids look dead here while they write.
/// </summary>
internal static class DeadWriters
{
    /// <summary>Far longer than any write takes (the largest, the docs text, takes seconds).</summary>
    public static readonly TimeSpan QuietFor = TimeSpan.FromHours(1);

    /// <summary>Removes the files of <paramref name="searchPattern"/> (ending .PID.tmp) in <paramref name="folder"/> whose writer no longer runs.</summary>
    public static void RemoveLeftovers(string folder, string searchPattern)
    {
        try
        {
            foreach (var path in Directory.EnumerateFiles(folder, searchPattern))
            {
                if (WriterOf(Path.GetFileName(path)) is { } pid && pid != Environment.ProcessId && !IsRunning(pid)
                    && File.GetLastWriteTimeUtc(path) < DateTime.UtcNow - QuietFor)
                {
                    TryDelete(path);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Untidy, not wrong: nothing reads these names.
        }
    }

    public static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // As above: a leftover copy costs disk, not correctness.
        }
    }

    private static int? WriterOf(string file)
    {
        var parts = file.Split('.');
        return parts.Length >= 3 && parts[^1] == "tmp"
            && int.TryParse(parts[^2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid)
            ? pid
            : null;
    }
}
