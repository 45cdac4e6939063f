using CollapseCheck.Diagnostics;

namespace CollapseCheck.Tool;

/// <summary>
/// In GitHub Actions: every error and gate failure also becomes an `::error` workflow command (an annotation on the
/// policy file in the pull request), a snapshot verified without its measured values a `::notice`, an undertrained
/// generation 0 a `::warning`, and the Markdown
/// report is appended to the job summary. Outside Actions this does nothing.
/// </summary>
public static class GitHubActions
{
    public static void Annotate(ToolOutput output, IEnumerable<CollapseCheckException> failures)
    {
        var environment = output.Environment;
        if (environment("GITHUB_ACTIONS") != "true")
        {
            return;
        }

        foreach (var failure in failures)
        {
            output.Out.WriteLine(WorkflowCommand("error", At(failure.Location, environment), failure.Code, InMessage(failure.Location, failure.Message)));
        }
    }

    /// <summary>
    /// A `::warning` (the result passed, but is doubtful: an undertrained generation 0) or `::notice` (something a
    /// reviewer should know that fails nothing) annotation, by <paramref name="severity"/>.
    /// </summary>
    public static void AnnotatePassed(ToolOutput output, string severity, SourceLocation? location, string code, string message)
    {
        var environment = output.Environment;
        if (environment("GITHUB_ACTIONS") == "true")
        {
            output.Out.WriteLine(WorkflowCommand(severity, At(location, environment), code, InMessage(location, message)));
        }
    }

    /// <summary>
    /// A line of 0 is the whole file: the runner takes no line then rather than a line that is not there. A piped policy
    /// is no file of the repository (file=../../../dev/stdin placed the annotation nowhere): its place goes in the message.
    /// </summary>
    private static string At(SourceLocation? location, Func<string, string?> environment) => location is not { } l || Running.RunJob.IsPiped(l.File) ? ""
        : $"file={EscapeProperty(Relative(l.File, environment("GITHUB_WORKSPACE")))},{(l.Line > 0 ? $"line={l.Line},col={l.Column}," : "")}";

    private static string InMessage(SourceLocation? location, string message) => location is { } l && Running.RunJob.IsPiped(l.File)
        ? $"{Running.RunJob.PipeName(l.File)}{(l.Line > 0 ? $", line {l.Line}, column {l.Column}" : "")}: {message}"
        : message;

    /// <param name="at">"file=…,line=…,col=…," (escaped, ending in a comma), or empty.</param>
    private static string WorkflowCommand(string kind, string at, string title, string message) =>
        $"::{kind} {at}title={EscapeProperty(title)}::{EscapeData(message)}";

    /// <summary>
    /// Adds <paramref name="markdown"/> to the job's summary page. A summary that cannot be written (a container step
    /// without the runner's folder mounted) is a warning, CC0033: the gate's verdict and its reports stand.
    /// </summary>
    public static void AppendSummary(string markdown, ToolOutput output)
    {
        var summary = output.Environment("GITHUB_STEP_SUMMARY");
        if (string.IsNullOrEmpty(summary) || output.SummaryUnwritable)
        {
            return;
        }

        try
        {
            File.AppendAllText(summary, markdown + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Said once: run --verify adds the report and then verify's outcome.
            output.SummaryUnwritable = true;
            output.Warn("CC0033", null, $"the job summary GITHUB_STEP_SUMMARY='{summary}' could not be written ({e.Message.TrimEnd('.')}); the reports are whole, only the summary page lacks them");
        }
    }

    // The runner undoes exactly these in the message: any other escape (%2C for a comma) would be shown as typed.
    private static string EscapeData(string text) =>
        text.Replace("%", "%25").Replace("\r", "%0D").Replace("\n", "%0A");

    // A property ends at ',' and the properties at "::", so both are escaped there, and the runner undoes them.
    private static string EscapeProperty(string text) =>
        EscapeData(text).Replace(":", "%3A").Replace(",", "%2C");

    private static string Relative(string path, string? workspace)
    {
        // Annotations name files from the workspace root; a relative path is relative to where the tool runs.
        return string.IsNullOrEmpty(workspace) ? path : Path.GetRelativePath(workspace, Path.GetFullPath(path));
    }
}
