namespace CollapseCheck.Corpus;

/// <summary>
/// The folders a .NET build writes beside its sources: bin/ and obj/ next to an MSBuild project file (*.csproj,
/// *.fsproj, *.proj, …) and artifacts/ next to a Directory.Build.props when it holds bin/ or obj/ (the SDK's artifacts
/// layout; an artifacts/ folder of data stays corpus). A `**/*.txt` from a
/// project's folder read obj/'s FileListAbsolute.txt, a list of absolute paths: the corpus, and so every snapshot,
/// then depended on where the checkout was, and changed with each configuration built. Only folders below the walk's
/// own: a pattern that names one before its wildcard (`obj/notes/**/*.txt`) reads it.
/// </summary>
internal sealed class BuildOutputs
{
    // Whether each folder looked at is one: every file under it asks about it again.
    private readonly Dictionary<string, bool> _isOutput = [];

    /// <param name="root">The folder the pattern walked from.</param>
    public bool Holds(string path, string root)
    {
        var stop = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        for (var at = Path.GetDirectoryName(path); at is not null && at.StartsWith(stop, StringComparison.Ordinal); at = Path.GetDirectoryName(at))
        {
            if (!_isOutput.TryGetValue(at, out var output))
            {
                _isOutput[at] = output = IsOutputFolder(at);
            }

            if (output)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsOutputFolder(string folder)
    {
        try
        {
            // The names MSBuild writes: in their own case on Linux, where a "Bin" beside a project is nobody's output; in
            // any case elsewhere, where MSBuild writes into the "Bin" that is there (an ASP.NET web site's).
            var name = OperatingSystem.IsLinux() ? Path.GetFileName(folder) : Path.GetFileName(folder).ToLowerInvariant();
            return Path.GetDirectoryName(folder) is { } parent && name switch
            {
                "bin" or "obj" => Directory.EnumerateFiles(parent, "*.*proj").Any(),
                "artifacts" => File.Exists(Path.Combine(parent, "Directory.Build.props"))
                    && (Directory.Exists(Path.Combine(folder, "bin")) || Directory.Exists(Path.Combine(folder, "obj"))),
                _ => false,
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A parent the walk cannot list: the walk found the file through it, so read it as the corpus it looks like.
            return false;
        }
    }
}
