using CollapseCheck.Diagnostics;

namespace CollapseCheck.Tool;

/// <summary>
/// In GitHub Actions: failures also become `::error` workflow commands (annotations on the policy file in the
/// pull request), and the Markdown report is appended to the job summary. Outside Actions this does nothing.
/// </summary>
public static class GitHubActions
{
    public static void Annotate(ToolOutput output, IEnumerable<CollapseCheckException> failures, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (environment("GITHUB_ACTIONS") != "true")
        {
            return;
        }

        foreach (var failure in failures)
        {
            var at = failure.Location is { } l ? $"file={Escape(Relative(l.File, environment("GITHUB_WORKSPACE")))},line={l.Line},col={l.Column}," : "";
            output.Out.WriteLine($"::error {at}title={failure.Code}::{Escape(failure.Message)}");
        }
    }

    public static void AppendSummary(string markdown, Func<string, string?>? environment = null)
    {
        var summary = (environment ?? Environment.GetEnvironmentVariable)("GITHUB_STEP_SUMMARY");
        if (!string.IsNullOrEmpty(summary))
        {
            File.AppendAllText(summary, markdown + "\n");
        }
    }

    // Workflow commands need %, CR and LF escaped in the message, and also ',' and ':' in properties.
    private static string Escape(string text) =>
        text.Replace("%", "%25").Replace("\r", "%0D").Replace("\n", "%0A").Replace(",", "%2C").Replace("::", "%3A%3A");

    private static string Relative(string path, string? workspace)
    {
        return string.IsNullOrEmpty(workspace) || !Path.IsPathRooted(path) ? path : Path.GetRelativePath(workspace, path);
    }
}
