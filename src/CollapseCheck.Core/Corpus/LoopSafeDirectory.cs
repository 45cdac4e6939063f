using Microsoft.Extensions.FileSystemGlobbing.Abstractions;

namespace CollapseCheck.Corpus;

/// <summary>
/// A folder for the globbing library that follows folder links (a `current` link to a dated folder is common) but
/// never into a folder it is already inside. The library itself follows every link, so a loop with two ways round
/// (`current -> 2024` plus `2024/up -> ..`) made it walk 2^depth paths until the file system's link limit: a hang.
/// </summary>
internal sealed class LoopSafeDirectory : DirectoryInfoBase
{
    private readonly DirectoryInfoBase _inner;
    private readonly string _canonical;
    private readonly HashSet<string> _enclosing;

    public LoopSafeDirectory(string path)
        : this(new DirectoryInfoWrapper(new DirectoryInfo(path)), CanonicalPath.Of(path), [])
    {
    }

    private LoopSafeDirectory(DirectoryInfoBase inner, string canonical, HashSet<string> enclosing)
    {
        _inner = inner;
        _canonical = canonical;
        _enclosing = enclosing;
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
                yield return Child(folder, canonical);
            }
        }
    }

    // A named segment (`data`, `..`) comes from the pattern, which is finite, so the walk below it starts afresh: `..`
    // is not inside this folder, and the walk from it may come back down here.
    public override DirectoryInfoBase? GetDirectory(string path) =>
        _inner.GetDirectory(path) is { } folder ? new LoopSafeDirectory(folder, CanonicalPath.Of(folder.FullName), []) : null;

    public override FileInfoBase? GetFile(string path) => _inner.GetFile(path);

    private LoopSafeDirectory Child(DirectoryInfoBase folder, string canonical) =>
        new(folder, canonical, [.. _enclosing, _canonical]);
}
