namespace CollapseCheck.Tests;

/// <summary>A fact that needs POSIX signals or a POSIX shell: reported as skipped on Windows, not as passed.</summary>
public sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute()
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "needs a POSIX system (signals, sh)";
        }
    }
}

/// <summary>A fact about Linux itself (statx, mkfifo): reported as skipped elsewhere, not as passed.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "needs Linux";
        }
    }
}
