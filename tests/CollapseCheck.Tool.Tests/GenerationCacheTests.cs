using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

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

    /// <summary>
    /// A probe's entries in the wrong place or edited: g1 and g2 swapped, or g1 copied over g2, gave a report unlike a cold
    /// run's and exit 0; a generation number, a null document, an id past the vocabulary or a generation 0 of no
    /// diversity were internal errors (CC0099) or blamed the policy (CC0008). Each is a miss, recomputed to the same
    /// report, and the entry is rewritten: the next run takes every generation from the cache.
    /// </summary>
    [Theory]
    [InlineData("g1 and g2 swapped")]
    [InlineData("g1 copied over g2")]
    [InlineData("generation 7")]
    [InlineData("a null document")]
    [InlineData("an id past the vocabulary")]
    [InlineData("no diversity")]
    public void An_entry_of_another_generation_or_edited_is_a_miss_recomputed_to_the_same_report(string damage)
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs());
        var (computed, _) = Run(policy, "a", Cache);
        var g1 = Directory.GetFiles(Cache, "g1.json", SearchOption.AllDirectories).Single();
        var g2 = Path.Combine(Path.GetDirectoryName(g1)!, "g2.json");
        var g0 = Directory.GetFiles(Cache, "g0.json", SearchOption.AllDirectories).Single();
        var (first, second) = (File.ReadAllText(g1), File.ReadAllText(g2));
        bool[] cached;
        switch (damage)
        {
            case "g1 and g2 swapped":
                File.WriteAllText(g1, second);
                File.WriteAllText(g2, first);
                cached = [true, false, false];
                break;
            case "g1 copied over g2":
                File.WriteAllText(g2, first);
                cached = [true, true, false];
                break;
            default:
                EditPayload(g0, payload => Edit(payload, damage), resealed: false);
                cached = [false, false, false];
                break;
        }

        var (again, _) = Run(policy, "b", Cache);
        Assert.Equal(cached, CachedFlags(_tool.PathOf("b")));
        Assert.Equal(computed, again);
        var (_, repaired) = Run(policy, "c", Cache);
        Assert.Contains("3 of 3 generations from the cache", repaired);
    }

    /// <summary>
    /// The same edits with the entry's checksum made to match them, as a hand edit or another build's bug could: what the
    /// entry holds must still fit the generation and the vocabulary.
    /// </summary>
    [Theory]
    [InlineData("generation 7")]
    [InlineData("a null document")]
    [InlineData("an id past the vocabulary")]
    [InlineData("no diversity")]
    public void An_edited_entry_whose_checksum_matches_is_still_a_miss_where_it_does_not_fit(string damage)
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs());
        var (computed, _) = Run(policy, "a", Cache);
        EditPayload(Directory.GetFiles(Cache, "g0.json", SearchOption.AllDirectories).Single(), payload => Edit(payload, damage), resealed: true);

        var (again, stdout) = Run(policy, "b", Cache);
        Assert.DoesNotContain("from the cache", stdout);
        Assert.Equal(computed, again);
    }

    [Fact]
    public void Weights_of_another_generation_are_a_miss_and_a_longer_lineage_starts_from_the_right_ones()
    {
        string Policy(int generations) => TinyPolicies.OnDotnetDocs(generations: generations).Replace("\"seed\": 3", "\"seed\": 3, \"warmStart\": true");
        var policy = _tool.Write("collapsecheck.json", Policy(2));
        Run(policy, "short", Cache);
        // Generation 3 warm-starts from generation 2's weights: with generation 1's in their place it trained from those.
        var g2 = Directory.GetFiles(Cache, "g2.weights", SearchOption.AllDirectories).Single();
        File.Copy(Path.Combine(Path.GetDirectoryName(g2)!, "g1.weights"), g2, overwrite: true);

        _tool.Write("collapsecheck.json", Policy(3));
        var (resumed, stdout) = Run(policy, "resumed", Cache);
        var (whole, _) = Run(policy, "whole", "off");
        Assert.Contains("2 of 4 generations from the cache", stdout);
        Assert.Equal(whole, resumed);
    }

    private static void Edit(JsonObject payload, string damage)
    {
        var result = payload["result"]!.AsObject();
        var sample = payload["sample"]!.AsArray();
        switch (damage)
        {
            case "generation 7":
                result["generation"] = 7;
                break;
            case "a null document":
                sample[0] = null;
                break;
            case "an id past the vocabulary":
                sample[0]!.AsArray()[0] = 100_000;
                break;
            case "no diversity":
                result["generated"]!["giniSimpson"] = 0;
                break;
            default:
                throw new ArgumentException(damage, nameof(damage));
        }
    }

    /// <param name="resealed">Whether the entry's SHA-256 is made to match the edit.</param>
    private static void EditPayload(string path, Action<JsonObject> edit, bool resealed)
    {
        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var payload = root["entry"]!.AsObject();
        edit(payload);
        if (resealed)
        {
            root["sha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(payload.ToJsonString())));
        }

        File.WriteAllText(path, root.ToJsonString());
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
