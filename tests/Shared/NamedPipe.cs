namespace CollapseCheck.Tests;

/// <summary>Named pipes for the tests of what meets one: .NET has no call that makes one, so mkfifo does.</summary>
public static class NamedPipe
{
    public static string Make(string path)
    {
        using var mkfifo = System.Diagnostics.Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        Xunit.Assert.Equal(0, mkfifo.ExitCode);
        return path;
    }
}
