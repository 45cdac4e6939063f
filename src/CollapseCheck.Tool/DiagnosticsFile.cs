using System.Text.Json;
using CollapseCheck.Diagnostics;
using CollapseCheck.Reporting;

namespace CollapseCheck.Tool;

/// <summary>
/// --diagnostics FILE: every error of the invocation as JSON (severity "error"), and every notice (severity "notice":
/// nothing failed, but a person should see it), written even when the input was bad, because the caller (the MSBuild
/// task) asked for exactly this file and must not have to parse human-readable output.
/// </summary>
internal static class DiagnosticsFile
{
    public sealed record Entry(string Code, string Severity, string? File, int Line, int Column, string Message);

    public sealed record Document(int SchemaVersion, int ExitCode, IReadOnlyList<Entry> Diagnostics);

    public static void Write(string path, IReadOnlyList<CollapseCheckException> errors, IReadOnlyList<Notice> notices, int exitCode)
    {
        var entries = errors.Select(e => new Entry(e.Code, "error", e.Location?.File is { } f ? Path.GetFullPath(f) : null, e.Location?.Line ?? 0, e.Location?.Column ?? 0, e.Message))
            .Concat(notices.Select(n => new Entry(n.Code, "notice", Path.GetFullPath(n.File), 0, 0, n.Message))).ToList();
        var full = Path.GetFullPath(path);
        AtomicFile.WriteAll(Path.GetDirectoryName(full)!, [(Path.GetFileName(full), JsonSerializer.Serialize(new Document(1, exitCode, entries), ReportJson.Options))]);
    }
}
