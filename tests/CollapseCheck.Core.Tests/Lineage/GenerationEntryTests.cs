using System.Text.Json;
using CollapseCheck.Lineage;
using CollapseCheck.Metrics;
using CollapseCheck.Training;

namespace CollapseCheck.Core.Tests.Lineage;

/// <summary>
/// What the generation cache gives back: the entry stored for this key and generation, unchanged, or nothing. The tool's
/// own tests show a miss recomputes the same report; these show which differences make one.
/// </summary>
public sealed class GenerationEntryTests : IDisposable
{
    private const int Vocabulary = 257;

    // Two keys with the same first half, so the same folder: only the key an entry records tells them apart.
    private static readonly string s_key = new('a', 64);
    private static readonly string s_otherKey = new string('a', 32) + new string('b', 32);

    private readonly GenerationCache _cache = new(Directory.CreateTempSubdirectory("collapsecheck-entries-").FullName);

    public void Dispose() => Directory.Delete(_cache.Folder, recursive: true);

    private static CachedGeneration Entry(int generation) => new(
        new GenerationResult(generation, [new("real", 12)], new TrainingResult(2.5, [3.0, 2.5], 12), new EvaluationResult(40.25, 10, 11),
            new TextMetrics(12, 12, 2, 3.5, 3.5, 0.875, 0.5, 0.75, 0.875, 0.125, 0.0625)),
        [[1, 2, 3], [256, 0]],
        new PhaseTimings(1, 2, 3));

    private string EntryPath(int generation) => Path.Combine(_cache.Folder, s_key[..32], $"g{generation}.json");

    private static string Json(CachedGeneration? entry) => JsonSerializer.Serialize(entry);

    [Fact]
    public void An_entry_reads_back_as_stored()
    {
        _cache.Store(s_key, 1, Entry(1));
        Assert.Equal(Json(Entry(1)), Json(_cache.TryLoad(s_key, 1, Vocabulary)));
    }

    [Fact]
    public void An_entry_is_a_miss_for_another_key_or_generation_and_where_its_ids_pass_the_vocabulary()
    {
        _cache.Store(s_key, 1, Entry(1));
        File.Copy(EntryPath(1), EntryPath(2));

        Assert.Null(_cache.TryLoad(s_otherKey, 1, Vocabulary));
        Assert.Null(_cache.TryLoad(s_key, 2, Vocabulary));
        Assert.Null(_cache.TryLoad(s_key, 1, Vocabulary - 1));
    }

    [Theory]
    // A measured number: nothing but the checksum tells it from one a run wrote.
    [InlineData("\"nats\":40.25", "\"nats\":40.5")]
    [InlineData("[256,0]", "[255,0]")]
    [InlineData("\"key\":\"real\"", "\"key\":\"fake\"")]
    public void An_entry_changed_after_it_was_written_is_a_miss(string written, string changed)
    {
        _cache.Store(s_key, 1, Entry(1));
        var text = File.ReadAllText(EntryPath(1));
        Assert.Contains(written, text);
        File.WriteAllText(EntryPath(1), text.Replace(written, changed));

        Assert.Null(_cache.TryLoad(s_key, 1, Vocabulary));
    }

    [Fact]
    public void Generation_0_of_no_diversity_is_a_miss_since_no_run_stores_one()
    {
        var flat = Entry(0) with { Result = Entry(0).Result with { Generated = Entry(0).Result.Generated with { GiniSimpson = 0 } } };
        _cache.Store(s_key, 0, flat);
        _cache.Store(s_otherKey, 1, flat with { Result = flat.Result with { Generation = 1 } });

        Assert.Null(_cache.TryLoad(s_key, 0, Vocabulary));
        Assert.NotNull(_cache.TryLoad(s_otherKey, 1, Vocabulary));
    }

    [Fact]
    public void A_store_that_cannot_write_says_so_and_the_entries_before_it_stay()
    {
        var blocked = new string('c', 64);
        Assert.True(_cache.Store(s_key, 0, Entry(0)));
        // A file where the second key's folder goes: unwritable even for root, which read-only permissions are not.
        File.WriteAllText(Path.Combine(_cache.Folder, blocked[..32]), "not a folder");

        Assert.False(_cache.Store(blocked, 1, Entry(1)));
        Assert.NotNull(_cache.WriteFailure);
        Assert.NotNull(_cache.TryLoad(s_key, 0, Vocabulary));
    }

    [Fact]
    public void A_cache_tag_that_cannot_be_written_fails_no_entry()
    {
        // The tag only keeps backups and corpus globs out; the entry beside it is whole and is read back.
        Directory.CreateDirectory(Path.Combine(_cache.Folder, GenerationCache.TagFile));

        Assert.True(_cache.Store(s_key, 1, Entry(1)));
        Assert.Null(_cache.WriteFailure);
        Assert.NotNull(_cache.TryLoad(s_key, 1, Vocabulary));
    }
}
