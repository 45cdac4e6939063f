using CollapseCheck.Diagnostics;
using CollapseCheck.Tests;

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
        GitHubActions.Annotate(new ToolOutput(stdout, TextWriter.Null) { Environment = environment.GetValueOrDefault }, [s_failure]);
        Assert.Equal("::error file=policies/collapsecheck.json,line=7,col=5,title=CC1001::perplexity at generation 2 is 1.5, threshold 1.2: 50%25, a\\nb\n", stdout.ToString());
    }

    [Fact]
    public void Properties_escape_commas_and_colons_and_the_message_only_what_the_runner_undoes()
    {
        var stdout = new StringWriter();
        var failure = Errors.GateFailed("CC1001", new SourceLocation("C:/a,b/p.json", 1, 2), "line one\r\nline two: 100% done, ok::fine");
        GitHubActions.Annotate(new ToolOutput(stdout, TextWriter.Null) { Environment = new Dictionary<string, string> { ["GITHUB_ACTIONS"] = "true" }.GetValueOrDefault }, [failure]);
        Assert.Equal("::error file=C%3A/a%2Cb/p.json,line=1,col=2,title=CC1001::line one\\r\\nline two: 100%25 done, ok::fine\n", stdout.ToString());
    }

    [Fact]
    public void A_relative_policy_path_is_named_from_the_workspace_root()
    {
        var stdout = new StringWriter();
        var workspace = Path.GetDirectoryName(Environment.CurrentDirectory)!;
        var failure = Errors.GateFailed("CC1001", new SourceLocation("p.json", 1, 1), "m");
        GitHubActions.Annotate(new ToolOutput(stdout, TextWriter.Null) { Environment = new Dictionary<string, string> { ["GITHUB_ACTIONS"] = "true", ["GITHUB_WORKSPACE"] = workspace }.GetValueOrDefault }, [failure]);
        Assert.StartsWith($"::error file={Path.GetFileName(Environment.CurrentDirectory)}/p.json,", stdout.ToString());
    }

    [UnixTheory]
    [InlineData("/dev/stdin", "standard input")]
    [InlineData("/dev/fd/63", "'/dev/fd/63'")]
    public void A_piped_policy_is_named_in_the_message_not_as_a_file_of_the_workspace(string pipe, string named)
    {
        // file=../../../dev/stdin put the annotation on no file of the pull request.
        var stdout = new StringWriter();
        var failure = new CollapseCheckException("CC0003", "unknown field 'colour'", new SourceLocation(pipe, 2, 2));
        GitHubActions.Annotate(new ToolOutput(stdout, TextWriter.Null) { Environment = new Dictionary<string, string> { ["GITHUB_ACTIONS"] = "true", ["GITHUB_WORKSPACE"] = "/repo" }.GetValueOrDefault }, [failure]);
        Assert.Equal($"::error title=CC0003::{named}, line 2, column 2: unknown field 'colour'\n", stdout.ToString());
    }

    [Fact]
    public void Outside_actions_nothing_is_written()
    {
        var stdout = new StringWriter();
        GitHubActions.Annotate(new ToolOutput(stdout, TextWriter.Null) { Environment = _ => null }, [s_failure]);
        Assert.Equal("", stdout.ToString());
    }

    [Fact]
    public void In_actions_every_bad_policy_field_is_annotated_on_its_line()
    {
        using var tool = new ToolRunner();
        var policy = tool.Write("collapsecheck.json", "{\n  \"tokenizer\": \"gpt2\",\n  \"model\": { \"layers\": 0 }\n}");
        var environment = new Dictionary<string, string> { ["GITHUB_ACTIONS"] = "true", ["GITHUB_WORKSPACE"] = tool.Folder };
        tool.Environment = environment.GetValueOrDefault;

        var (exit, stdout, _) = tool.Run("predict", policy);

        Assert.Equal(2, exit);
        Assert.Equal(
            ["::error file=collapsecheck.json,line=2,col=16,title=CC0006::'tokenizer' is 'gpt2'; expected one of: byte, cl100k, o200k",
             "::error file=collapsecheck.json,line=3,col=24,title=CC0005::'model.layers' must be an integer from 1 to 48, but is 0"],
            stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void The_markdown_report_is_appended_to_the_step_summary()
    {
        var summary = Path.GetTempFileName();
        File.WriteAllText(summary, "earlier step\n");
        GitHubActions.AppendSummary("# CollapseCheck report", new ToolOutput(TextWriter.Null, TextWriter.Null) { Environment = name => name == "GITHUB_STEP_SUMMARY" ? summary : null });
        Assert.Equal("earlier step\n# CollapseCheck report\n", File.ReadAllText(summary));
        File.Delete(summary);
    }

    [Fact]
    public void A_summary_that_cannot_be_written_is_a_warning_that_leaves_the_verdict_alone()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var environment = new Dictionary<string, string> { ["GITHUB_ACTIONS"] = "true", ["GITHUB_STEP_SUMMARY"] = "/proc/nope/summary" };
        var output = new ToolOutput(stdout, stderr) { Environment = environment.GetValueOrDefault };
        GitHubActions.AppendSummary("# CollapseCheck report", output);
        Assert.StartsWith("warning CC0033: the job summary GITHUB_STEP_SUMMARY='/proc/nope/summary' could not be written (", stderr.ToString());
        Assert.StartsWith("::warning title=CC0033::", stdout.ToString());
        Assert.Equal("warning", Assert.Single(output.Notices).Severity);
        Assert.Empty(output.Reported);
    }
}
