using CollapseCheck.Diagnostics;

namespace CollapseCheck.Reporting;

/// <summary>
/// Writes go to a temporary file beside the target and are renamed over it, so a reader (or a CI step
/// after a cancelled run) sees the old file or the new one, never half of one.
/// </summary>
public static class AtomicFile
{
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
