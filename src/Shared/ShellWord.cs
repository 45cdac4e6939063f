namespace CollapseCheck;

/// <summary>
/// A path as one shell word, for the commands that advice quotes to paste: bare when nothing in it is special, else in
/// double quotes, with (in a POSIX shell) the four characters that stay special inside them escaped. On Windows, where a
/// backslash is a separator to cmd and PowerShell alike, only quoted. Compiled into the task and the tool, which both
/// phrase such advice.
/// </summary>
internal static class ShellWord
{
    public static string Of(string path) =>
        path.All(c => char.IsAsciiLetterOrDigit(c) || "/._-+=:@%,".Contains(c) || (c == '\\' && OperatingSystem.IsWindows()))
            ? path
            : OperatingSystem.IsWindows()
                ? $"\"{path}\""
                : $"\"{string.Concat(path.Select(c => c is '\\' or '"' or '$' or '`' ? $"\\{c}" : c.ToString()))}\"";
}
