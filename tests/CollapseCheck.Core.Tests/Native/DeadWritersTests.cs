using CollapseCheck.Common;

namespace CollapseCheck.Core.Tests.Native;

/// <summary>Temp files named NAME.PID.tmp: those of writers that no longer run go, nothing else does.</summary>
public sealed class DeadWritersTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("collapsecheck-deadwriters-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [UnixFact]
    public void Only_a_dead_writers_copies_of_the_pattern_go()
    {
        // No process has id int.MaxValue; process 1 runs as long as the machine does.
        string[] dead = [$".g1.weights.{int.MaxValue}.tmp", $".g2.weights.{int.MaxValue}.tmp"];
        string[] kept = [".g1.weights.1.tmp", $".g1.weights.{Environment.ProcessId}.tmp", ".g1.weights.tmp", $".g1.weights.{int.MaxValue}.tmp.old", "g1.json", $"other.{int.MaxValue}.tmp"];
        foreach (var name in dead.Concat(kept))
        {
            WriteQuiet(name);
        }

        // Written just now by an id that looks dead here: a writer in another container sharing the cache.
        var recent = $".g3.weights.{int.MaxValue - 1}.tmp";
        File.WriteAllText(Path.Combine(_folder, recent), "x");
        kept = [.. kept, recent];

        DeadWriters.RemoveLeftovers(_folder, ".g*.weights.*.tmp");

        Assert.Equal(kept.Order(StringComparer.Ordinal), Directory.GetFiles(_folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    private void WriteQuiet(string name)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, "x");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow - DeadWriters.QuietFor - TimeSpan.FromMinutes(1));
    }

    [Fact]
    public void A_folder_that_is_not_there_is_nothing_to_clean()
    {
        DeadWriters.RemoveLeftovers(Path.Combine(_folder, "missing"), "*.tmp");
        DeadWriters.TryDelete(Path.Combine(_folder, "missing", "x.tmp"));
    }
}
