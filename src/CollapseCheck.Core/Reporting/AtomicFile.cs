using CollapseCheck.Diagnostics;

namespace CollapseCheck.Reporting;

/// <summary>
/// Writes go to a temporary file beside the target and are renamed over it, so a reader (or a CI step
/// after a cancelled run) sees the old file or the new one, never half of one.
/// </summary>
public static class AtomicFile
{
    /// <summary>
    /// CC0030 now if <see cref="WriteAll"/> could not write into <paramref name="folder"/> later: a read-only output
    /// folder found after every generation trained costs the whole run. Probes the folder, or the nearest existing
    /// folder above it that the write would create it in, with a file it deletes; creates nothing.
    /// </summary>
    public static void ThrowIfNotWritable(string folder)
    {
        var existing = Path.GetFullPath(folder);
        while (!Directory.Exists(existing))
        {
            existing = Path.GetDirectoryName(existing) ?? throw Errors.OutputNotWritable(folder, "no folder on its path exists");
        }

        try
        {
            using var probe = new FileStream(Path.Combine(existing, $".collapsecheck-probe.{Environment.ProcessId}.tmp"),
                FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.DeleteOnClose);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Errors.OutputNotWritable(folder, e.Message);
        }
    }

    public static void WriteAll(string folder, IReadOnlyList<(string Name, string Content)> files)
    {
        var staged = new List<(string Temp, string Target)>();
        try
        {
            Directory.CreateDirectory(folder);
            foreach (var (name, content) in files)
            {
                var target = Path.Combine(folder, name);
                var temp = Path.Combine(folder, $".{name}.{Environment.ProcessId}.tmp");
                File.WriteAllText(temp, content, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
                staged.Add((temp, target));
            }

            foreach (var (temp, target) in staged)
            {
                File.Move(temp, target, overwrite: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            foreach (var (temp, _) in staged)
            {
                File.Delete(temp);
            }

            throw Errors.OutputNotWritable(folder, e.Message);
        }
    }
}
