namespace CollapseCheck.Tests;

/// <summary>A fact that needs POSIX signals or a POSIX shell: reported as skipped on Windows, not as passed.</summary>
public sealed class UnixFactAttribute : FactAttribute
{
    internal const string NeedsPosix = "needs a POSIX system (signals, sh)";

    public UnixFactAttribute()
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = NeedsPosix;
        }
    }
}

/// <summary>A theory that needs a POSIX system (/dev/stdin, signals): skipped on Windows, as <see cref="UnixFactAttribute"/>.</summary>
public sealed class UnixTheoryAttribute : TheoryAttribute
{
    public UnixTheoryAttribute()
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = UnixFactAttribute.NeedsPosix;
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

/// <summary>
/// A fact that sends the tool Ctrl+C (SIGINT): skipped where this process ignores SIGINT, as a command started in the
/// background by a non-interactive shell does. The tool inherits that, and .NET, as shells do, leaves an ignored SIGINT
/// ignored, so the signal would never reach it (a run of 1,000,000 steps then trained on for 35 minutes).
/// </summary>
public sealed class CtrlCFactAttribute : FactAttribute
{
    public CtrlCFactAttribute()
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = UnixFactAttribute.NeedsPosix;
        }
        else if (SigIntIgnored())
        {
            Skip = "SIGINT is ignored in this process (started in the background by a non-interactive shell?), so Ctrl+C cannot reach the tool; run the tests in the foreground";
        }
    }

    /// <summary>Linux's /proc/self/status: bit 1 of the SigIgn mask is SIGINT (2). Elsewhere assumed not ignored.</summary>
    private static bool SigIntIgnored()
    {
        var mask = File.Exists("/proc/self/status")
            ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal))
            : null;
        return mask is not null && (Convert.ToUInt64(mask["SigIgn:".Length..].Trim(), 16) & 0x2) != 0;
    }
}
