using CollapseCheck.Common;

namespace CollapseCheck.Corpus;

/// <summary>
/// Whether a path (links followed) is a plain file. A glob such as data/* also matches named pipes, sockets and
/// devices, and reading a pipe waits for a writer forever.
/// </summary>
internal static class RegularFile
{
    /// <summary>True where the type cannot be told: anything out of reach is left to the read, which reports it with the system's reason.</summary>
    public static bool Is(string path) => FileKind.Of(path) is FileKindOf.Regular or FileKindOf.Unknown;

    /// <summary>
    /// For a path File.Exists denies: why it is out of reach when it may well be there (a folder on the way that may not
    /// be searched), or null when it is simply missing.
    /// </summary>
    public static string? WhyUnreachable(string path)
    {
        try
        {
            File.GetAttributes(path);
            return null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return e.Message;
        }
    }

    /// <summary>What is wrong with <paramref name="file"/> as a link, if it is one that leads nowhere (File.Exists says yes to any link).</summary>
    public static string? BrokenLink(string file)
    {
        var link = new FileInfo(file);
        if (link.LinkTarget is not { } target)
        {
            return null;
        }

        try
        {
            return link.ResolveLinkTarget(returnFinalTarget: true) is { Exists: true } ? null : $"it is a symbolic link to '{target}', which does not exist";
        }
        catch (IOException e)
        {
            return $"it is a symbolic link to '{target}' that cannot be followed ({e.Message.TrimEnd('.')})";
        }
    }
}
