namespace CollapseCheck.Tasks;

/// <summary>
/// A lock file held open with no sharing: on Linux and macOS .NET takes an advisory flock for FileShare.None, on
/// Windows the share mode itself excludes. Released by Dispose, or by the system when the build process dies.
/// </summary>
internal static class GateLock
{
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(200);

    /// <returns>The held lock, or null when <paramref name="cancellation"/> stopped the wait.</returns>
    /// <exception cref="IOException">The lock file cannot be made or opened for a cause waiting does not cure
    /// (a read-only or full file system); the message says which.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder or a stale lock file is not this user's to write.</exception>
    public static FileStream? Acquire(string path, Action onWait, CancellationToken cancellation)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var told = false;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException e) when (HeldByAnother(e))
            {
                if (!told)
                {
                    onWait();
                    told = true;
                }

                if (cancellation.WaitHandle.WaitOne(s_poll))
                {
                    return null;
                }
            }
        }
    }

    /// <summary>
    /// Another build holds the lock (EWOULDBLOCK: Linux 11, macOS 35; Windows' sharing or lock violation). Any other
    /// failure would repeat forever, so it is not waited on. The tool's output-folder lock makes the same distinction;
    /// the task cannot share its code, since it must not load the tool's assemblies into MSBuild.
    /// </summary>
    private static bool HeldByAnother(IOException e) =>
        e.HResult is 11 or 35 or unchecked((int)0x80070020) or unchecked((int)0x80070021);
}
