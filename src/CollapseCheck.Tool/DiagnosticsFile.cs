using System.Text.Json;
using CollapseCheck.Diagnostics;
using CollapseCheck.Reporting;

namespace CollapseCheck.Tool;

/// <summary>
/// --diagnostics FILE: every error of the invocation as JSON (severity "error"), and every notice (severity "notice":
/// nothing failed, but a person should see it; "warning" where the result is in doubt, as the console says), written
/// even when the input was bad, because the caller (the MSBuild
/// task) asked for exactly this file and must not have to parse human-readable output.
/// </summary>
internal static class DiagnosticsFile
{
    public sealed record Entry(string Code, string Severity, string? File, int Line, int Column, string Message);

    public sealed record Document(int SchemaVersion, int ExitCode, IReadOnlyList<Entry> Diagnostics);

    /// <summary>
    /// Whether <paramref name="path"/> may be written: nothing there, nothing to lose (an empty file, mktemp's; a pipe,
    /// a terminal or a device such as /dev/stdout, which is written in place and never read, since reading a pipe waits
    /// for ever), or an earlier diagnostics file. Not the policy or a report named by a slip, nor a big file (never read whole).
    /// </summary>
    public static bool MayOverwrite(string path)
    {
        if (IsStream(path))
        {
            return true;
        }

        var file = FileBehind(path);
        if (!File.Exists(file) || new FileInfo(file).Length is var length && length == 0)
        {
            return true;
        }

        try
        {
            using var existing = JsonDocument.Parse(length > 1 << 20 ? "[]" : File.ReadAllText(file));
            return existing.RootElement.ValueKind == JsonValueKind.Object && existing.RootElement.TryGetProperty("diagnostics", out _);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            // Not JSON, or not readable: not an earlier diagnostics file either.
            return false;
        }
    }

    /// <summary>CC0030 now for a file whose folder cannot take it; a pipe or device is opened only when written.</summary>
    public static void ThrowIfNotWritable(string path)
    {
        if (!IsStream(path))
        {
            AtomicFile.ThrowIfNotWritable(Path.GetDirectoryName(FileBehind(path))!);
        }
    }

    public static void Write(string path, IReadOnlyList<CollapseCheckException> errors, IReadOnlyList<Notice> notices, int exitCode)
    {
        var entries = errors.Select(e => new Entry(e.Code, "error", e.Location?.File is { } f ? Path.GetFullPath(f) : null, e.Location?.Line ?? 0, e.Location?.Column ?? 0, e.Message))
            .Concat(notices.Select(n => new Entry(n.Code, n.Severity, n.File is { } f ? Path.GetFullPath(f) : null, n.Line, n.Column, n.Message))).ToList();
        var json = JsonSerializer.Serialize(new Document(1, exitCode, entries), ReportJson.Options);
        if (IsStream(path))
        {
            // Renaming a file over /dev/stdout would replace the link for every process (as root), and a pipe has no
            // half-written state to avoid: written where it is.
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
                stream.Write(new System.Text.UTF8Encoding(false).GetBytes(json));
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Errors.OutputNotWritable(path, e.Message);
            }
        }

        // Through a link, the file it names is replaced, and the link stays.
        var full = FileBehind(path);
        AtomicFile.WriteAll(Path.GetDirectoryName(full)!, [(Path.GetFileName(full), json)]);
    }

    /// <summary>The file <paramref name="path"/> names once its links are followed (a link to a file not there yet names that file).</summary>
    private static string FileBehind(string path)
    {
        var info = new FileInfo(path);
        return info.LinkTarget is null ? info.FullName : info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? info.FullName;
    }

    /// <summary>
    /// A pipe, terminal or device: what /dev/stdout, a shell's &gt;(…) as /dev/fd/63 and /dev/null name. Known by where
    /// its links end, in /dev or /proc or at a pseudo-file such as pipe:[123]: .NET does not tell a FIFO from a file.
    /// </summary>
    private static bool IsStream(string path)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(path))
        {
            return false;
        }

        var final = FileBehind(path);
        return final.StartsWith("/dev/", StringComparison.Ordinal) || final.StartsWith("/proc/", StringComparison.Ordinal)
            || Path.GetFileName(final).Contains(":[", StringComparison.Ordinal);
    }
}
