namespace CollapseCheck.Reporting;

/// <summary>
/// One writer at a time in a folder: an exclusive lock on <c>.collapsecheck-writing.lock</c> there (on Linux and macOS the
/// advisory flock .NET takes for FileShare.None, on Windows the share mode itself), the file removed again on release so
/// the folder holds only what was written. Another process's attempt retries until the wait runs out, then its
/// IOException says the file is in use.
/// </summary>
internal sealed class FolderLock : IDisposable
{
    public const string FileName = ".collapsecheck-writing.lock";

    private readonly FileStream _held;
    private readonly string _path;

    private FolderLock(FileStream held, string path)
    {
        _held = held;
        _path = path;
    }

    public static FolderLock Take(string folder, TimeSpan wait)
    {
        var path = Path.Combine(folder, FileName);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                // On Windows the share mode turns every other open away while the file is held, so no one locks a deleted
                // file there, and the system deletes it on close.
                var options = OperatingSystem.IsWindows() ? FileOptions.DeleteOnClose : FileOptions.None;
                var held = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1, options);
                if (!IsUnlinked(held))
                {
                    return new FolderLock(held, path);
                }

                // Opened just before the last holder deleted it, locked just after it let go: a lock no one else will
                // ask for, while the next writer makes a new file at the path and locks that. Let go (without deleting
                // the path, which names the new file) and take the new one.
                held.Dispose();
            }
            catch (IOException e) when (waited.Elapsed < wait && HeldByAnother(e))
            {
                Thread.Sleep(20);
            }
        }
    }

    /// <summary>Deletes the file while still holding it, so the path only ever names the file its holder locked.</summary>
    public void Dispose()
    {
        if (!OperatingSystem.IsWindows())
        {
            try
            {
                File.Delete(_path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A folder gone read-only keeps the empty file; the next writer locks it as it is.
            }
        }

        _held.Dispose();
    }

    /// <summary>
    /// Whether the file <paramref name="held"/> was opened on has been deleted since: Linux names an open file's
    /// descriptor "PATH (deleted)" then. Elsewhere (macOS, no /proc) false, so three writers racing there can still
    /// overlap in the few microseconds between one's open and its lock.
    /// </summary>
    internal static bool IsUnlinked(FileStream held)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            var descriptor = held.SafeFileHandle.DangerousGetHandle().ToInt64();
            var target = new FileInfo($"/proc/self/fd/{descriptor}").LinkTarget;
            return target is not null && target.EndsWith(" (deleted)", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// The open failed because another writer holds the lock (EWOULDBLOCK on Linux 11, macOS 35; Windows' sharing or lock
    /// violation), not for a cause that waiting cannot cure (a read-only or full file system, a stale file of another user).
    /// </summary>
    private static bool HeldByAnother(IOException e) =>
        e.HResult is 11 or 35 or unchecked((int)0x80070020) or unchecked((int)0x80070021);
}
