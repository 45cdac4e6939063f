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
    /// Whether <paramref name="path"/> may be rewritten whole: nothing there, nothing to lose (an empty file, mktemp's; a
    /// pipe or a device, /dev/stdout, which has no length and is never read, since opening a pipe to read could wait for
    /// ever), or an earlier diagnostics file. Not the policy or a report named by a slip, nor a big file (never read whole).
    /// </summary>
    public static bool MayOverwrite(string path)
    {
        if (!File.Exists(path) || new FileInfo(path).Length is var length && length == 0)
        {
            return true;
        }

        try
        {
            using var existing = JsonDocument.Parse(length > 1 << 20 ? "[]" : File.ReadAllText(path));
            return existing.RootElement.ValueKind == JsonValueKind.Object && existing.RootElement.TryGetProperty("diagnostics", out _);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            // Not JSON, or not readable: not an earlier diagnostics file either.
            return false;
        }
    }

    public static void Write(string path, IReadOnlyList<CollapseCheckException> errors, IReadOnlyList<Notice> notices, int exitCode)
    {
        var entries = errors.Select(e => new Entry(e.Code, "error", e.Location?.File is { } f ? Path.GetFullPath(f) : null, e.Location?.Line ?? 0, e.Location?.Column ?? 0, e.Message))
            .Concat(notices.Select(n => new Entry(n.Code, n.Severity, n.File is { } f ? Path.GetFullPath(f) : null, n.Line, n.Column, n.Message))).ToList();
        var full = Path.GetFullPath(path);
        AtomicFile.WriteAll(Path.GetDirectoryName(full)!, [(Path.GetFileName(full), JsonSerializer.Serialize(new Document(1, exitCode, entries), ReportJson.Options))]);
    }
}
