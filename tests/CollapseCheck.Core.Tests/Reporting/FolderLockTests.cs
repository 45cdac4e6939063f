using CollapseCheck.Reporting;
using CollapseCheck.Tests;

namespace CollapseCheck.Core.Tests.Reporting;

public sealed class FolderLockTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("collapsecheck-lock-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void The_lock_file_is_there_while_held_and_gone_after()
    {
        var path = Path.Combine(_folder, FolderLock.FileName);

        using (FolderLock.Take(_folder, TimeSpan.FromSeconds(5)))
        {
            Assert.True(File.Exists(path));
        }

        Assert.Empty(Directory.GetFileSystemEntries(_folder));
    }

    [Fact]
    public void A_second_taker_waits_out_its_time_and_then_says_the_file_is_in_use()
    {
        using var first = FolderLock.Take(_folder, TimeSpan.FromSeconds(5));

        Assert.Throws<IOException>(() => FolderLock.Take(_folder, TimeSpan.FromMilliseconds(200)));
    }

    [LinuxFact]
    public void A_lock_on_a_file_its_holder_deleted_is_told_from_one_on_the_file_at_the_path()
    {
        // What a writer holds when it opened the file just before the last holder deleted it and locked it just after:
        // a lock the next writer never asks for, as it makes and locks a new file at the path.
        var path = Path.Combine(_folder, FolderLock.FileName);
        using var held = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        Assert.False(FolderLock.IsUnlinked(held));

        File.Delete(path);
        File.WriteAllText(path, "");

        Assert.True(FolderLock.IsUnlinked(held));
    }
}
