using Microsoft.Extensions.FileSystemGlobbing.Abstractions;

namespace CollapseCheck.Corpus;

/// <summary>
/// A folder for the globbing library that follows folder links (a `current` link to a dated folder is common) but
/// never into a folder it is already inside. The library itself follows every link, so a loop with two ways round
/// (`current -> 2024` plus `2024/up -> ..`) made it walk 2^depth paths until the file system's link limit: a hang.
/// Links that fan out without looping (sibling folders linking to each other) still make many paths, so one walk
/// follows at most <see cref="DefaultLinkBudget"/> links and then fails: a fixed budget, so the outcome never
/// depends on enumeration order.
/// </summary>
internal sealed class LoopSafeDirectory : DirectoryInfoBase
{
    public const int DefaultLinkBudget = 10_000;

    private readonly DirectoryInfoBase _inner;
    private readonly string _canonical;
    private readonly HashSet<string> _enclosing;
    private readonly LinkBudget _budget;

    public LoopSafeDirectory(string path, int linkBudget = DefaultLinkBudget)
        : this(new DirectoryInfoWrapper(new DirectoryInfo(path)), CanonicalPath.Of(path), [], new LinkBudget(linkBudget))
    {
    }

    private LoopSafeDirectory(DirectoryInfoBase inner, string canonical, HashSet<string> enclosing, LinkBudget budget)
    {
        _inner = inner;
        _canonical = canonical;
        _enclosing = enclosing;
        _budget = budget;
    }

    public override string Name => _inner.Name;

    public override string FullName => _inner.FullName;

    public override DirectoryInfoBase? ParentDirectory => _inner.ParentDirectory;

    public override IEnumerable<FileSystemInfoBase> EnumerateFileSystemInfos()
    {
        foreach (var entry in _inner.EnumerateFileSystemInfos())
        {
            if (entry is not DirectoryInfoBase folder)
            {
                yield return entry;
                continue;
            }

            // Only a link can lead back up; a plain subfolder's canonical path is its parent's plus its name.
            var isLink = new DirectoryInfo(folder.FullName).LinkTarget is not null;
            var canonical = isLink ? CanonicalPath.Of(folder.FullName) : Path.Combine(_canonical, folder.Name);
            if (canonical != _canonical && !_enclosing.Contains(canonical))
            {
                if (isLink)
                {
                    _budget.Spend();
                }

                yield return Child(folder, canonical);
            }
        }
    }

    // Only `..` comes here (named folders come through the enumeration): the parent is not inside this folder, and
    // the walk from it may come back down here, so it starts afresh.
    public override DirectoryInfoBase? GetDirectory(string path) =>
        _inner.GetDirectory(path) is { } folder ? new LoopSafeDirectory(folder, CanonicalPath.Of(folder.FullName), [], _budget) : null;

    public override FileInfoBase? GetFile(string path) => _inner.GetFile(path);

    private LoopSafeDirectory Child(DirectoryInfoBase folder, string canonical) =>
        new(folder, canonical, [.. _enclosing, _canonical], _budget);

    /// <summary>Shared by every folder of one walk.</summary>
    private sealed class LinkBudget(int links)
    {
        private int _spent;

        // An IOException, which the corpus loader reports as a pattern it could not search (CC0016).
        public void Spend()
        {
            if (++_spent > links)
            {
                throw new IOException($"it follows more than {links:N0} folder links, which lead to each other (every path through them is walked)");
            }
        }
    }
}
