namespace CollapseCheck.Tasks;

/// <summary>
/// A lock file held open with no sharing: on Linux and macOS .NET takes an advisory flock for FileShare.None, on
/// Windows the share mode itself excludes. Released by Dispose, or by the system when the build process dies.
/// </summary>
internal static class GateLock
{
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(200);

    /// <returns>The held lock, or null when <paramref name="cancellation"/> stopped the wait.</returns>
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
            catch (IOException)
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
}
