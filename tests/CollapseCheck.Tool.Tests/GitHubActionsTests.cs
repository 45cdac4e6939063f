using CollapseCheck.Diagnostics;

namespace CollapseCheck.Tool.Tests;

public class GitHubActionsTests
{
    private static readonly CollapseCheckException s_failure =
        Errors.GateFailed("CC1001", new SourceLocation("/repo/policies/collapsecheck.json", 7, 5), "perplexity at generation 2 is 1.5, threshold 1.2: 50%, a\\nb");

    [Fact]
    public void In_actions_failures_become_error_annotations_relative_to_the_workspace()
    {
        var stdout = new StringWriter();
        var environment = new Dictionary<string, string> { ["GITHUB_ACTIONS"] = "true", ["GITHUB_WORKSPACE"] = "/repo" };
        GitHubActions.Annotate(new ToolOutput(stdout, TextWriter.Null), [s_failure], environment.GetValueOrDefault);
        Assert.Equal("::error file=policies/collapsecheck.json,line=7,col=5,title=CC1001::perplexity at generation 2 is 1.5%2C threshold 1.2: 50%25%2C a\\nb\n", stdout.ToString());
    }

    [Fact]
    public void Outside_actions_nothing_is_written()
    {
        var stdout = new StringWriter();
        GitHubActions.Annotate(new ToolOutput(stdout, TextWriter.Null), [s_failure], _ => null);
        Assert.Equal("", stdout.ToString());
    }

    [Fact]
    public void The_markdown_report_is_appended_to_the_step_summary()
    {
        var summary = Path.GetTempFileName();
        File.WriteAllText(summary, "earlier step\n");
        GitHubActions.AppendSummary("# CollapseCheck report", name => name == "GITHUB_STEP_SUMMARY" ? summary : null);
        Assert.Equal("earlier step\n# CollapseCheck report\n", File.ReadAllText(summary));
        File.Delete(summary);
    }
}
