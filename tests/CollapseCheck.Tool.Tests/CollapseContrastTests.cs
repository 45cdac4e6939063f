using System.Text.Json;

namespace CollapseCheck.Tool.Tests;

/// <summary>
/// The product's central claim on a small real lineage: with truncated sampling, a policy that throws the
/// real data away degrades faster than one that keeps it. Deterministic on CPU (fixed seeds), so not flaky.
/// </summary>
public class CollapseContrastTests : IDisposable
{
    private readonly ToolRunner _tool = new();

    public void Dispose() => _tool.Dispose();

    private JsonElement LastGeneration(string mode)
    {
        var policy = _tool.Write($"{mode}.json", $$"""
            {
              "corpus": { "include": ["builtin:dotnet-docs"], "maxBytes": 80000 },
              "model": { "layers": 1, "width": 48, "heads": 4, "context": 48 },
              "training": { "steps": 120, "batch": 16, "seed": 2 },
              "lineage": { "generations": 3, "mode": "{{mode}}", "syntheticTokensPerGeneration": 4000, "sampling": { "temperature": 0.8 } },
              "evaluation": { "heldOutTokens": 4000 }
            }
            """);
        var (exit, stdout, stderr) = _tool.Run("run", policy, "--out", _tool.PathOf(mode), "--device", "cpu");
        // Replace collapses by theory: the gate fails it (exit 1, CC1020 at lineage.mode) and still writes the report.
        Assert.True(exit == (mode == "replace" ? 1 : 0), stdout + stderr);
        Assert.Equal(mode == "replace", stderr.Contains($"{mode}.json(5,") && stderr.Contains("error CC1020:"));
        if (mode == "replace")
        {
            // A CI log shows this line alone: the long run's clause, not the report's paragraph.
            var line = stderr.Split('\n').Single(l => l.Contains("error CC1020:", StringComparison.Ordinal));
            Assert.Contains("replace without real data collapses for an unbiased, uncut sampler (the expected diversity halves every", line);
            Assert.DoesNotContain("Wright–Fisher", line);
            Assert.Contains("keep real text in each generation (mode accumulate or mix, or lineage.freshRealTokensPerGeneration), or set gate.failOnPredictedCollapse to false", line);
            Assert.True(line[line.IndexOf("CC1020", StringComparison.Ordinal)..].Length < 400, line);
        }
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_tool.PathOf(mode), "collapsecheck-report.json")));
        return json.RootElement.GetProperty("generations").EnumerateArray().Last().GetProperty("relativeToGeneration0").Clone();
    }

    [Fact]
    public void Replace_degrades_more_than_accumulate_in_perplexity_and_entropy()
    {
        var replace = LastGeneration("replace");
        var accumulate = LastGeneration("accumulate");
        var ratio = (JsonElement e, string name) => e.GetProperty(name).GetDouble();

        Assert.True(ratio(replace, "perplexity") > ratio(accumulate, "perplexity") + 0.05,
            $"held-out perplexity ×gen0: replace {ratio(replace, "perplexity")}, accumulate {ratio(accumulate, "perplexity")}");
        Assert.True(ratio(replace, "unigramEntropy") < ratio(accumulate, "unigramEntropy") - 0.02,
            $"generated entropy ×gen0: replace {ratio(replace, "unigramEntropy")}, accumulate {ratio(accumulate, "unigramEntropy")}");
    }
}
