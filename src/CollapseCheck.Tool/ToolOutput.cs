using CollapseCheck.Diagnostics;

namespace CollapseCheck.Tool;

/// <summary>
/// Something that passed but should be seen (CC2007, CC1030), on <paramref name="File"/> (null: the embedded default
/// policy, which has no file) at <paramref name="Line"/> and <paramref name="Column"/> (0: the whole file), with the
/// <paramref name="Severity"/> the console gave it: "notice", or "warning" for a result in doubt.
/// </summary>
public sealed record Notice(string Code, string? File, string Message, int Line = 0, int Column = 0, string Severity = "notice");

/// <summary>Where results (stdout) and diagnostics and progress (stderr) go; tests pass their own writers.</summary>
public sealed record ToolOutput(TextWriter Out, TextWriter Error)
{
    private readonly List<CollapseCheckException> _reported = [];

    /// <summary>The process environment, read for GitHub Actions' variables.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    private readonly List<Notice> _notices = [];

    /// <summary>The --diagnostics file, whole, once parsed: a corpus glob must not read it (it changes every run).</summary>
    public string? DiagnosticsFile { get; set; }

    /// <summary>GitHub Actions' job summary could not be written (CC0033, said once).</summary>
    public bool SummaryUnwritable { get; set; }

    /// <summary>Every error printed, for --diagnostics.</summary>
    public IReadOnlyList<CollapseCheckException> Reported => _reported;

    /// <summary>Every notice printed, for --diagnostics: the MSBuild task shows them in a default-verbosity build.</summary>
    public IReadOnlyList<Notice> Notices => _notices;

    /// <summary>An error for --diagnostics that the console has already said in its own words.</summary>
    public void KeepForDiagnostics(CollapseCheckException error) => _reported.Add(error);

    /// <summary>A step the command is held up at (another writer holding its folder), on stderr with the tool's prefix.</summary>
    public void Waiting(string message) => Error.WriteLine($"collapsecheck: {message}");

    /// <summary>Something that passes but should be seen: printed, kept for --diagnostics, and a notice in GitHub Actions.</summary>
    public void Note(string code, SourceLocation at, string message)
    {
        Out.WriteLine(message);
        _notices.Add(new Notice(code, at.File, message, at.Line, at.Column));
        GitHubActions.AnnotatePassed(this, "notice", at, code, message);
    }

    /// <summary>
    /// Something that passes but makes the result doubtful: on stderr in the canonical form, with a warning where errors
    /// have an error, kept for --diagnostics as a warning (the MSBuild task's warning too), and a warning in GitHub Actions.
    /// </summary>
    public void Warn(string code, SourceLocation? at, string message)
    {
        var line = CollapseCheckException.OneLine(message);
        Error.WriteLine(CollapseCheckException.CanonicalLine(at, "warning", code, line));
        _notices.Add(new Notice(code, at?.File, line, at?.Line ?? 0, at?.Column ?? 0, "warning"));
        GitHubActions.AnnotatePassed(this, "warning", at, code, line);
    }

    /// <summary>
    /// Prints an error, and those found with it, in the canonical one-line form, keeps them for --diagnostics, and in
    /// GitHub Actions also annotates them: a typo in the policy is marked on its line in the pull request, as a gate
    /// failure is.
    /// </summary>
    public void Report(CollapseCheckException error)
    {
        foreach (var each in error.All)
        {
            Error.WriteLine(each.ToDiagnosticLine());
            _reported.Add(each);
        }

        GitHubActions.Annotate(this, error.All);
    }
}
