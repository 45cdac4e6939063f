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
internal static partial class DiagnosticsFile
{
    public sealed record Entry(string Code, string Severity, string? File, int Line, int Column, string Message);

    /// <param name="ToolVersion">The tool's version (without its commit): the MSBuild package warns when it is not its own.</param>
    public sealed record Document(int SchemaVersion, string ToolVersion, int ExitCode, IReadOnlyList<Entry> Diagnostics);

    /// <summary>
    /// Whether <paramref name="path"/> may be written: nothing there, nothing to lose (an empty file, mktemp's; a pipe,
    /// a terminal or a device such as /dev/stdout, which is written in place and never read, since reading a pipe waits
    /// for ever), or an earlier diagnostics file. Not the policy or a report named by a slip, nor a big file (never read whole).
    /// </summary>
    public static bool MayOverwrite(string path)
    {
        var hops = Hops(path);
        if (IsStream(hops))
        {
            return true;
        }

        var file = hops[^1];
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
        var hops = Hops(path);
        if (!IsStream(hops))
        {
            AtomicFile.ThrowIfNotWritable(Path.GetDirectoryName(hops[^1])!);
        }
    }

    /// <param name="waiting">Told when another collapsecheck holds the file's folder, or a named pipe has no reader, for more than a second.</param>
    public static void Write(string path, IReadOnlyList<CollapseCheckException> errors, IReadOnlyList<Notice> notices, int exitCode, Action<string>? waiting = null)
    {
        var entries = errors.Select(e => new Entry(e.Code, "error", e.Location?.File is { } f ? Path.GetFullPath(f) : null, e.Location?.Line ?? 0, e.Location?.Column ?? 0, e.Message))
            .Concat(notices.Select(n => new Entry(n.Code, n.Severity, n.File is { } f ? Path.GetFullPath(f) : null, n.Line, n.Column, n.Message))).ToList();
        var json = JsonSerializer.Serialize(new Document(1, ToolInfo.Version, exitCode, entries), ReportJson.Options);
        var hops = Hops(path);
        if (IsStream(hops))
        {
            // Renaming a file over /dev/stdout would replace the link for every process (as root), or the log file a
            // `2> log` made of /dev/stderr: written where it is, after what is there.
            try
            {
                using var stream = OpenStream(path, waiting);
                if (stream.CanSeek)
                {
                    stream.Seek(0, SeekOrigin.End);
                }

                stream.Write(new System.Text.UTF8Encoding(false).GetBytes(json));
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Errors.OutputNotWritable(path, e.Message);
            }
        }

        // Through a link, the file it names is replaced, and the link stays.
        var full = hops[^1];
        AtomicFile.WriteAll(Path.GetDirectoryName(full)!, [(Path.GetFileName(full), json)], waiting: waiting);
    }

    /// <summary>
    /// Opening a named pipe to write waits for a reader: one that never comes (a CI step that died) would hang the
    /// command without a word, so after a second it says what it waits for. The wait stays: the caller made the pipe
    /// to read this from, and Ctrl+C ends it.
    /// </summary>
    private static FileStream OpenStream(string path, Action<string>? waiting)
    {
        var open = Task.Factory.StartNew(() => new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite), TaskCreationOptions.LongRunning);
        // Not open.Wait: that wraps a refused open in an AggregateException, which the caller's IOException catch misses.
        if (!((IAsyncResult)open).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(1)))
        {
            waiting?.Invoke(Common.FileKind.Of(path) == Common.FileKindOf.Pipe
                ? $"--diagnostics '{path}' is a pipe that nothing reads yet; waiting for a reader (Ctrl+C stops waiting)"
                : $"--diagnostics '{path}' has not opened for writing after a second; waiting for it (Ctrl+C stops waiting)");
        }

        return open.GetAwaiter().GetResult();
    }

    /// <summary>
    /// The file <paramref name="path"/> names once its links are followed (a link to a file not there yet names that
    /// file); the path itself when its links loop or cannot be read, which is then replaced as any file would be.
    /// </summary>
    public static string FileBehind(string path) => Hops(path).Last();

    /// <summary>
    /// A process's standard streams, a descriptor, a device or a named pipe (/dev/stdout, a shell's &gt;(…) as
    /// /dev/fd/63, /dev/null, a terminal, a mkfifo pipe), named as given or by a link on the way to the file: written in
    /// place, never replaced. By name, and on Linux by the file's type too (statx: .NET calls them all files), so a
    /// pipe made with mkfifo is one; a file kept in /dev/shm is a file. On macOS a named pipe elsewhere is replaced.
    /// </summary>
    private static bool IsStream(IReadOnlyList<string> hops) =>
        !OperatingSystem.IsWindows() && (hops.Any(hop => StreamName().IsMatch(hop) || Path.GetFileName(hop).Contains(":[", StringComparison.Ordinal))
            || Common.FileKind.IsStream(hops[^1]));

    /// <summary>The path, then each link's target in turn: at most 40, as Linux follows.</summary>
    private static List<string> Hops(string path)
    {
        var hops = new List<string> { Path.GetFullPath(path) };
        try
        {
            while (hops.Count <= 40 && new FileInfo(hops[^1]).LinkTarget is { } target)
            {
                hops.Add(Path.GetFullPath(target, Path.GetDirectoryName(hops[^1])!));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A folder on the way that cannot be read: the hops so far.
        }

        return hops.Count > 40 ? [hops[0]] : hops;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^/dev/(?:stdout|stderr|null|tty\w*|pts/\d+|fd/\d+)$|^/proc/(?:self|thread-self|\d+)/fd/\d+$")]
    private static partial System.Text.RegularExpressions.Regex StreamName();
}
