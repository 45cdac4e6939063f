namespace CollapseCheck.Corpus;

/// <summary>
/// A path with every symbolic link along it resolved, so one file reached through two folder links (a `current`
/// link to a dated folder, or a loop back to a parent) is read once: read twice, it would be trained on twice and
/// could land on both sides of the held-out split.
/// </summary>
internal static class CanonicalPath
{
    /// <summary>How two canonical paths compare: by case on Linux; Windows' and macOS's usual file systems ignore it.</summary>
    public static StringComparison Comparison => OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;

    // More links than this along one path is a loop the file system itself would refuse (ELOOP).
    private const int MaxLinks = 40;

    public static string Of(string path)
    {
        var resolved = Path.GetPathRoot(path) ?? "";
        var pending = new Stack<string>(Path.GetFullPath(path)[resolved.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse());
        var links = 0;
        while (pending.TryPop(out var segment))
        {
            var next = Path.Combine(resolved, segment);
            var target = new FileInfo(next).LinkTarget;
            if (target is null || ++links > MaxLinks)
            {
                resolved = next;
                continue;
            }

            // The link's target replaces this segment: resolve it from the link's folder, segment by segment.
            var absolute = Path.GetFullPath(target, resolved);
            var root = Path.GetPathRoot(absolute) ?? "";
            foreach (var part in absolute[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse())
            {
                pending.Push(part);
            }

            resolved = root;
        }

        return resolved;
    }
}
