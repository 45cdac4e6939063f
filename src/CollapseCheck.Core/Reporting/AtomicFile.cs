using CollapseCheck.Common;
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
            // A folder still to be made whose name no file system takes would only fail after the work.
            var name = Path.GetFileName(existing);
            if ((OperatingSystem.IsWindows() ? name.Length : System.Text.Encoding.UTF8.GetByteCount(name)) > LongestName)
            {
                throw Errors.OutputNotWritable(folder, $"the folder name '{name}' is longer than the {LongestName} bytes a file system allows");
            }

            existing = Path.GetDirectoryName(existing) ?? throw Errors.OutputNotWritable(folder, "no folder on its path exists");
        }

        var probePath = Path.Combine(existing, $".collapsecheck-probe.{Environment.ProcessId}.tmp");
        try
        {
            using var probe = new FileStream(probePath, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.DeleteOnClose);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The probe's name (.collapsecheck-probe.N.tmp) is ours, not the user's: the message names the folder it was made in.
            var reason = e.Message.Replace($" : '{probePath}'", "").Replace($" '{probePath}'", "").Replace(probePath, "").Trim().TrimEnd('.');
            throw Errors.OutputNotWritable(folder, $"no file can be made in '{existing}' ({reason})");
        }
    }

    /// <summary>The longest file or folder name Linux and macOS file systems take, in bytes (NAME_MAX; NTFS: 255 characters).</summary>
    private const int LongestName = 255;

    /// <summary>How long a write waits for another process's write to the same folder before it gives up.</summary>
    private static readonly TimeSpan s_lockWait = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Writes every file or none: all are staged first, each then replaces its target in one rename (a hard-linked
    /// backup kept), and a failure part-way puts back the targets already replaced, so a report never sits beside
    /// the run manifest of another run. Temporary files are removed whatever happens. Another process writing the
    /// same folder (two runs into one output folder) waits its turn, so each set lands whole, the later one last.
    /// </summary>
    /// <param name="cancellation">
    /// Stops the wait for another writer (OperationCanceledException, nothing written); once this process holds the
    /// folder, the set lands whatever is asked.
    /// </param>
    /// <param name="waiting">Told once, when the wait for another writer passes a second, so a command does not sit silent.</param>
    /// <param name="locked">
    /// Called once this process holds the folder, before a file of the set is written: what it reads there no other
    /// writer changes. It must not throw an I/O error, which would read as the folder not being writable (CC0030).
    /// </param>
    public static void WriteAll(string folder, IReadOnlyList<(string Name, string Content)> files, CancellationToken cancellation = default, Action<string>? waiting = null, Action? locked = null)
    {
        var staged = new List<(string Temp, string Target, string Backup)>();
        var committed = new List<(string Target, string? Backup)>();
        FileStream? writing = null;
        // Before anything is written: the staged copy's name, not the file's, is the one the file system refuses, and its
        // "path too long" read as the whole folder being unwritable.
        foreach (var (name, _) in files)
        {
            ThrowIfTooLong(folder, name);
        }

        try
        {
            Directory.CreateDirectory(folder);
            writing = LockFolder(folder, cancellation, waiting);
            locked?.Invoke();
            // This set replaces every file a killed writer left half-replaced; its staged copies and backups go.
            DeleteAll(Interrupted(folder, files.Select(f => f.Name)));
            foreach (var (name, content) in files)
            {
                var temp = Path.Combine(folder, Staged(name, "tmp"));
                staged.Add((temp, Path.Combine(folder, name), Path.Combine(folder, Staged(name, "old"))));
                File.WriteAllText(temp, content, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            }

            foreach (var (temp, target, backup) in staged)
            {
                if (File.Exists(target))
                {
                    File.Replace(temp, target, backup, ignoreMetadataErrors: true);
                    committed.Add((target, backup));
                }
                else
                {
                    // Overwrite: another run may create the target between the check and the move.
                    File.Move(temp, target, overwrite: true);
                    committed.Add((target, null));
                }
            }

            // Before the lock goes, so the next writer never sees them.
            DeleteAll(staged.Select(s => s.Backup));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            PutBack(committed);
            var failed = staged.Where(s => !committed.Any(c => c.Target == s.Target)).ToList();
            // Windows' ReplaceFile can fail having moved the target to the backup name already: move it back first.
            PutBack(failed.Where(s => !File.Exists(s.Target) && File.Exists(s.Backup)).Select(s => (s.Target, (string?)s.Backup)).ToList());
            DeleteAll(failed.SelectMany(s => new[] { s.Temp, s.Backup }));
            throw Errors.OutputNotWritable(folder, e.Message);
        }
        finally
        {
            writing?.Dispose();
        }
    }

    /// <summary>
    /// This process's staged copy ("tmp") or backup ("old") of <paramref name="name"/>: .NAME.PID.tmp, .NAME.PID.old,
    /// which <see cref="OutputNames.StagedSuffixPattern"/> matches, so a corpus glob passes them over.
    /// </summary>
    private static string Staged(string name, string kind) => $".{name}.{Environment.ProcessId}.{kind}";

    /// <summary>
    /// The longest name whose staged copy (a dot, the process id and .tmp around it) fits a file name: 255 bytes of UTF-8
    /// on Linux and macOS, whose process ids have at most 7 digits; 255 UTF-16 units on Windows, whose ids have up to 10.
    /// </summary>
    public static int MaxNameLength { get; } = OperatingSystem.IsWindows() ? 255 - 1 - 11 - 4 : 255 - 1 - 8 - 4;

    /// <summary>A file name's length as the file system counts it (see <see cref="MaxNameLength"/>).</summary>
    public static int NameLength(string name) => OperatingSystem.IsWindows() ? name.Length : System.Text.Encoding.UTF8.GetByteCount(name);

    public static string NameUnits => OperatingSystem.IsWindows() ? "UTF-16 characters" : "bytes";

    /// <summary>
    /// CC0030 naming the file when <paramref name="name"/> is too long for its staged copy, whose name is the one the file
    /// system refuses: its "path too long" read as the whole folder being unwritable.
    /// </summary>
    /// <param name="advice">What to rename, when the name comes from elsewhere (a policy's): "; give it …".</param>
    public static void ThrowIfTooLong(string folder, string name, Func<int, string>? advice = null)
    {
        var over = NameLength(name) - MaxNameLength;
        if (over > 0)
        {
            throw Errors.OutputNotWritable(Path.Combine(folder, name),
                $"its name is {NameLength(name)} {NameUnits}, and at most {MaxNameLength} fit, since a staged copy named .NAME.PID.tmp is written first and a file name holds 255{advice?.Invoke(over)}");
        }
    }

    /// <summary>
    /// The staged copies and backups (.NAME.PID.tmp, .NAME.PID.old) of <paramref name="names"/> that a writer no longer
    /// running left: killed (SIGKILL, a power cut) while it replaced the files one by one, it may have left a set in which
    /// some files are its own and some an earlier run's. Empty when no writer was interrupted there. Only the set's own
    /// names: these folders are the user's (verify writes beside the policy), where a ".settings.json.20240101.old" is no
    /// writer's. A process that reuses a dead writer's id hides its leftovers until the next write after it ends.
    /// </summary>
    public static IReadOnlyList<string> Interrupted(string folder, IEnumerable<string> names)
    {
        if (!Directory.Exists(folder))
        {
            return [];
        }

        var targets = names.ToHashSet(StringComparer.Ordinal);
        return Directory.EnumerateFiles(folder, ".*.*.*")
            .Where(path => StagedBy(Path.GetFileName(path)) is ({ } name, var pid) && targets.Contains(name) && pid != Environment.ProcessId && !DeadWriters.IsRunning(pid))
            .Order(StringComparer.Ordinal)
            .ToList();

        // ".collapsecheck-report.json.1234.tmp": the target's name, then the writer's id.
        static (string? Name, int Pid) StagedBy(string file)
        {
            var parts = file.Split('.');
            return parts is ["", .., var pid, "tmp" or "old"] && parts.Length > 3
                && int.TryParse(pid, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
                ? (string.Join('.', parts[1..^2]), id)
                : (null, 0);
        }
    }

    /// <summary>
    /// The open failed because another writer holds the lock (EWOULDBLOCK on Linux 11, macOS 35; Windows' sharing or lock
    /// violation), not for a cause that waiting cannot cure (a read-only or full file system, a stale file of another user).
    /// </summary>
    private static bool HeldByAnother(IOException e) =>
        e.HResult is 11 or 35 or unchecked((int)0x80070020) or unchecked((int)0x80070021);

    /// <summary>
    /// An exclusive lock on a file in <paramref name="folder"/>, deleted when released: another process's attempt fails
    /// and retries until the wait runs out (then its IOException says the file is in use).
    /// </summary>
    /// <remarks>
    /// DeleteOnClose is what makes deleting the file safe on Linux and macOS: .NET unlinks it before it lets go of the
    /// flock, and an open that locks a file no longer at its path opens the path again. Deleting it by hand before the
    /// close, without that check, let two of six processes in at once 1,375 times in 30,000 takes (0 in 180,000 with it).
    /// </remarks>
    private static FileStream LockFolder(string folder, CancellationToken cancellation, Action<string>? waiting)
    {
        var path = Path.Combine(folder, ".collapsecheck-writing.lock");
        var waited = System.Diagnostics.Stopwatch.StartNew();
        // A set takes milliseconds to land: a wait that passes a second is another command's long one (or a stuck one).
        var silentFor = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1, FileOptions.DeleteOnClose);
            }
            catch (IOException e) when (waited.Elapsed < s_lockWait && HeldByAnother(e))
            {
                if (waiting is not null && waited.Elapsed >= silentFor)
                {
                    waiting($"another collapsecheck is writing to '{folder}'; waiting up to {s_lockWait.TotalSeconds:F0} s for it to finish (Ctrl+C stops waiting)");
                    waiting = null;
                }

                // A Ctrl+C here has nothing to wait for: no file of the set is written yet.
                cancellation.WaitHandle.WaitOne(20);
                cancellation.ThrowIfCancellationRequested();
            }
        }
    }

    private static void PutBack(List<(string Target, string? Backup)> committed)
    {
        foreach (var (target, backup) in Enumerable.Reverse(committed))
        {
            try
            {
                if (backup is null)
                {
                    File.Delete(target);
                }
                else
                {
                    File.Move(backup, target, overwrite: true);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The folder went bad part-way; the error reported is the write's, and this one has the same cause.
            }
        }
    }

    private static void DeleteAll(IEnumerable<string> paths)
    {
        // A leftover .tmp or .old file is untidy, not wrong: the targets are whole either way.
        foreach (var path in paths)
        {
            DeadWriters.TryDelete(path);
        }
    }
}
