namespace CollapseCheck.Diagnostics;

/// <summary>
/// A failure the user can act on. Codes are stable: CC0xxx is bad input or environment
/// (exit 2), CC1xxx a gate failure and CC2xxx a snapshot mismatch (both exit 1). Create these through <see cref="Errors"/>.
/// </summary>
public sealed class CollapseCheckException : Exception
{
    public CollapseCheckException(string code, string message, SourceLocation? location = null, Exception? inner = null)
        : base(OneLine(message), inner)
    {
        Code = code;
        Location = location;
    }

    public string Code { get; }

    public SourceLocation? Location { get; }

    /// <summary>Errors found together with this one (a policy reports every bad field at once), in file order.</summary>
    public IReadOnlyList<CollapseCheckException> AlsoFound { get; init; } = [];

    /// <summary>This error, then <see cref="AlsoFound"/>.</summary>
    public IEnumerable<CollapseCheckException> All => [this, .. AlsoFound];

    public int ExitCode => Code.StartsWith("CC1", StringComparison.Ordinal) || Code.StartsWith("CC2", StringComparison.Ordinal) ? 1 : 2;

    /// <summary>The canonical one-line form: <c>file(line,col): error CC0001: message</c>.</summary>
    public string ToDiagnosticLine() => CanonicalLine(Location, "error", Code, Message);

    /// <summary>
    /// <c>file(line,col): SEVERITY CODE: message</c>, the form compilers and CI problem matchers read, or without the
    /// location when there is none: errors' and warnings' lines alike.
    /// </summary>
    public static string CanonicalLine(SourceLocation? at, string severity, string code, string message) =>
        at is { } a ? $"{OneLine(a.ToString())}: {severity} {code}: {message}" : $"{severity} {code}: {message}";

    /// <summary>
    /// Control characters written as escapes. Messages quote what the user wrote (a field name, a value, a corpus record's
    /// field): a newline in one would split the line, and in a CI log start a line of its own, such as a workflow command.
    /// </summary>
    public static string OneLine(string text)
    {
        if (!text.Any(IsControl))
        {
            return text;
        }

        var escaped = new System.Text.StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            escaped.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when IsControl(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return escaped.ToString();
    }

    private static bool IsControl(char c) => char.IsControl(c) || c is '\u2028' or '\u2029';
}
