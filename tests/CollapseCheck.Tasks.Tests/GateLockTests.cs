namespace CollapseCheck.Tasks.Tests;

public sealed class GateLockTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("collapsecheck-gatelock-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_lock_another_build_holds_is_waited_for_until_cancelled()
    {
        var path = Path.Combine(_root, "obj", "collapsecheck.stamp.lock");
        using var first = GateLock.Acquire(path, () => { }, CancellationToken.None);
        Assert.NotNull(first);

        var waited = false;
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        Assert.Null(GateLock.Acquire(path, () => waited = true, cancel.Token));
        Assert.True(waited);
    }

    [Fact]
    public void A_lock_that_cannot_be_opened_for_another_cause_fails_at_once_instead_of_waiting_forever()
    {
        // A name no file system takes stands in for a read-only or full one: an error that no wait cures.
        var path = Path.Combine(_root, new string('x', 300) + ".lock");
        var waited = false;
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var error = Assert.ThrowsAny<IOException>(() => GateLock.Acquire(path, () => waited = true, cancel.Token));
        Assert.False(waited);
        Assert.False(cancel.IsCancellationRequested);
        Assert.Contains("xxxx", error.Message);
    }
}
