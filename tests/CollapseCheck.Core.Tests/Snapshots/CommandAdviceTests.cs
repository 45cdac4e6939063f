using CollapseCheck.Diagnostics;

namespace CollapseCheck.Core.Tests.Snapshots;

/// <summary>The commands errors suggest must work when pasted into a POSIX shell.</summary>
public class CommandAdviceTests
{
    [Theory]
    [InlineData(null, "'collapsecheck accept'")]
    [InlineData("policies/ci-v2.json", "'collapsecheck accept policies/ci-v2.json'")]
    [InlineData("my dir/p.json", "'collapsecheck accept \"my dir/p.json\"'")]
    [InlineData("../it's, a:dir/p $x.json", "'collapsecheck accept \"../it's, a:dir/p \\$x.json\"'")]
    [InlineData("a\"b`c\\d.json", "'collapsecheck accept \"a\\\"b\\`c\\\\d.json\"'")]
    public void A_policy_path_is_one_shell_word(string? policy, string expected) =>
        Assert.Equal(expected, Errors.Command("accept", policy));

    [UnixFact]
    public void A_quoted_path_survives_the_shell_unchanged()
    {
        const string path = "../it's, a:dir/p $x `y` \"z\" \\w.json";
        var word = Errors.Command("accept", path)["'collapsecheck accept ".Length..^1];
        using var shell = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sh", ["-c", $"printf %s {word}"]) { RedirectStandardOutput = true })!;
        var echoed = shell.StandardOutput.ReadToEnd();
        shell.WaitForExit();
        Assert.Equal(path, echoed);
    }
}
