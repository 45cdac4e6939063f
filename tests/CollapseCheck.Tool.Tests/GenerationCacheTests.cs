using System.Text.Json;

namespace CollapseCheck.Tool.Tests;

/// <summary>
/// The generation cache against the real thing: whatever it reuses must give exactly the report a run that computes
/// everything gives, and anything that changes the numbers must miss.
/// </summary>
public class GenerationCacheTests : IDisposable
{
    private readonly ToolRunner _tool = new();

    public void Dispose() => _tool.Dispose();

    private string Cache => _tool.PathOf("cache");

    private (string Report, string Stdout) Run(string policy, string outFolder, string cache)
    {
        var (exit, stdout, stderr) = _tool.Run("run", policy, "--out", _tool.PathOf(outFolder), "--device", "cpu", "--cache", cache);
        Assert.True(exit is 0 or 1, $"exit {exit}\n{stdout}\n{stderr}");
        return (File.ReadAllText(Path.Combine(_tool.PathOf(outFolder), "collapsecheck-report.json")), stdout);
    }

    private static string Generations(string report) => JsonDocument.Parse(report).RootElement.GetProperty("generations").GetRawText();

    private static bool[] CachedFlags(string outFolder) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(outFolder, "collapsecheck-run.json"))).RootElement
            .GetProperty("generations").EnumerateArray().Select(g => g.GetProperty("cached").GetBoolean()).ToArray();

    [Fact]
    public void A_rerun_reuses_every_generation_and_writes_the_same_bytes_as_computing_them()
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs());
        var (computed, first) = Run(policy, "a", Cache);
        var (reused, second) = Run(policy, "b", Cache);
        var (uncached, _) = Run(policy, "c", "off");

        Assert.DoesNotContain("from the cache", first);
        Assert.Contains("3 of 3 generations from the cache", second);
        Assert.Equal([true, true, true], CachedFlags(_tool.PathOf("b")));
        Assert.Equal([false, false, false], CachedFlags(_tool.PathOf("c")));
        Assert.Equal(computed, reused);
        Assert.Equal(computed, uncached);
        // Tagged as a cache, so backup tools and corpus globs over a checkout that holds it leave it alone.
        Assert.StartsWith("Signature: 8a477f597d28d172789f06886806bc55", File.ReadAllText(Path.Combine(Cache, "CACHEDIR.TAG")));

        // 'false', as an MSBuild property is written, is off too, not a folder that the second run would find filled.
        Run(policy, "d", "False");
        Run(policy, "d", "False");
        Assert.Equal([false, false, false], CachedFlags(_tool.PathOf("d")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(_tool.PathOf("a"), "collapsecheck-report.md")), File.ReadAllBytes(Path.Combine(_tool.PathOf("b"), "collapsecheck-report.md")));
    }

    [Fact]
    public void Gate_settings_do_not_retrain_and_another_mode_retrains_all_but_generation_0()
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs());
        var (baseline, _) = Run(policy, "a", Cache);

        _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs().Replace("\"evaluation\"", "\"gate\": { \"tolerance\": 0.9 },\n  \"evaluation\""));
        var (tolerant, stdout) = Run(policy, "b", Cache);
        Assert.Contains("3 of 3 generations from the cache", stdout);
        Assert.Equal(Generations(baseline), Generations(tolerant));

        // Generation 0 trains on the real pool in every mode, so it is the one generation another mode can reuse.
        _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(mode: "replace"));
        var (replaced, replacedOut) = Run(policy, "c", Cache);
        var (replacedWhole, _) = Run(policy, "d", "off");
        Assert.Contains("1 of 3 generations from the cache", replacedOut);
        Assert.Equal([true, false, false], CachedFlags(_tool.PathOf("c")));
        Assert.Equal(replacedWhole, replaced);

        _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(extraLineage: ", \"sampling\": { \"temperature\": 0.9 }"));
        var (_, resampled) = Run(policy, "e", Cache);
        Assert.DoesNotContain("from the cache", resampled);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_longer_lineage_resumes_after_the_cached_generations_and_matches_one_computed_whole(bool warmStart)
    {
        string Policy(int generations) => TinyPolicies.OnDotnetDocs(generations: generations)
            .Replace("\"seed\": 3", warmStart ? "\"seed\": 3, \"warmStart\": true" : "\"seed\": 3");
        var policy = _tool.Write("collapsecheck.json", Policy(1));
        Run(policy, "short", Cache);

        _tool.Write("collapsecheck.json", Policy(3));
        var (resumed, stdout) = Run(policy, "resumed", Cache);
        var (whole, _) = Run(policy, "whole", "off");

        Assert.Contains("2 of 4 generations from the cache", stdout);
        Assert.Equal([true, true, false, false], CachedFlags(_tool.PathOf("resumed")));
        Assert.Equal(whole, resumed);

        if (warmStart)
        {
            // Torn weights (a killed write, a full disk) make their generation a miss, recomputed to the same report,
            // instead of an internal error in every run after.
            foreach (var weights in Directory.EnumerateFiles(Cache, "g1.weights", SearchOption.AllDirectories))
            {
                using var file = File.Open(weights, FileMode.Open);
                file.SetLength(file.Length / 2);
            }

            var (repaired, repairedOut) = Run(policy, "repaired", Cache);
            Assert.Contains("1 of 4 generations from the cache", repairedOut);
            Assert.Equal(whole, repaired);
        }
    }

    /// <summary>A torn write, and JSON of another shape (a hand edit, another version): each a miss, recomputed.</summary>
    [Theory]
    [InlineData("torn")]
    [InlineData("{}")]
    [InlineData("{\"result\":{},\"sample\":[],\"timings\":{}}")]
    [InlineData("{\"result\":null,\"sample\":[[1]],\"timings\":{\"trainSeconds\":1,\"evaluateSeconds\":1,\"sampleSeconds\":1}}")]
    public void A_torn_or_misshapen_entry_is_a_miss_not_an_error(string content)
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs());
        var (computed, _) = Run(policy, "a", Cache);
        var entry = Directory.GetFiles(Cache, "g0.json", SearchOption.AllDirectories).Single();
        File.WriteAllText(entry, content == "torn" ? File.ReadAllText(entry)[..100] : content);

        var (again, stdout) = Run(policy, "b", Cache);
        Assert.DoesNotContain("from the cache", stdout);
        Assert.Equal(computed, again);
        Assert.Equal(3, Directory.GetFiles(Cache, "g*.json", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public void A_cache_that_cannot_be_written_is_said_once_and_the_run_still_passes()
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs());
        var blocker = _tool.Write("blocker", "a file where the cache folder would go");

        var (exit, stdout, stderr) = _tool.Run("run", policy, "--out", _tool.PathOf("out"), "--device", "cpu", "--cache", Path.Combine(blocker, "cache"));

        Assert.True(exit is 0 or 1, $"exit {exit}\n{stdout}\n{stderr}");
        Assert.Single(stderr.Split('\n'), l => l.StartsWith("warning CC0032: the generation cache", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(_tool.PathOf("out"), "collapsecheck-report.json")));
    }
}
