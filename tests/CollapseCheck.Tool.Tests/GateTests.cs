using System.Text.Json;

namespace CollapseCheck.Tool.Tests;

/// <summary>The gate on real tiny lineages: pass, budget failure with its diagnostic line, and seeds.</summary>
public class GateTests : IDisposable
{
    private readonly ToolRunner _tool = new();

    public void Dispose() => _tool.Dispose();

    private (int Exit, string Error, JsonElement Gate, string Text, string Console) Run(string policyText, string name = "collapsecheck.json")
    {
        var policy = _tool.Write(name, policyText);
        var outFolder = _tool.PathOf("out-" + Path.GetFileNameWithoutExtension(name));
        var (exit, console, error) = _tool.Run("run", policy, "--out", outFolder, "--device", "cpu");
        var text = File.ReadAllText(Path.Combine(outFolder, "collapsecheck-report.json"));
        using var json = JsonDocument.Parse(text);
        return (exit, error, json.RootElement.GetProperty("gate").Clone(), text, console);
    }

    [Fact]
    public void Accumulate_at_temperature_1_passes_with_every_check_explained()
    {
        var (exit, error, gate, _, _) = Run(TinyPolicies.OnDotnetDocs(mode: "accumulate"));
        Assert.True(exit == 0, error);
        Assert.True(gate.GetProperty("passed").GetBoolean());
        var checks = gate.GetProperty("checks").EnumerateArray().ToList();
        Assert.Equal(2 * 3, checks.Count); // 2 generations × perplexity, entropy, diversity
        Assert.All(checks, c => Assert.False(string.IsNullOrEmpty(c.GetProperty("reason").GetString())));
        Assert.Contains("ledger", gate.GetProperty("predictionSource").GetString());
        Assert.Equal("converges-to-floor", gate.GetProperty("longRun").GetString());
    }

    [Fact]
    public void A_generation_0_of_one_token_type_is_refused_before_any_ratio_to_it_is_taken()
    {
        // Greedy one-token documents: every one is the same token.
        var policy = _tool.Write("greedy.json", TinyPolicies.OnDotnetDocs(extraLineage: ", \"sampling\": { \"topK\": 1, \"maxLength\": 1 }"));

        var (exit, _, error) = _tool.Run("run", policy, "--out", _tool.PathOf("out-greedy"), "--device", "cpu");

        Assert.Equal(2, exit);
        Assert.Contains("error CC0008: generation 0's sample holds a single token type (entropy 0 bits)", error);
        Assert.False(Directory.Exists(_tool.PathOf("out-greedy")));
    }

    [Fact]
    public void Ratios_from_a_zero_at_generation_0_are_1_or_null_never_NaN()
    {
        // One-token documents have no bigrams: distinct-2 is 0 in every generation.
        var (_, error, gate, text, _) = Run(TinyPolicies.OnDotnetDocs(extraLineage: ", \"sampling\": { \"maxLength\": 1 }"), "short.json");

        // Documents cut far below the context are a sampler the ledger does not model.
        Assert.StartsWith("Monte Carlo surrogate", gate.GetProperty("predictionSource").GetString());

        using var report = JsonDocument.Parse(text);
        Assert.All(report.RootElement.GetProperty("generations").EnumerateArray(),
            g => Assert.Equal(1.0, g.GetProperty("relativeToGeneration0").GetProperty("distinct2").GetDouble()));
        foreach (var file in Directory.GetFiles(_tool.PathOf("out-short")))
        {
            Assert.DoesNotContain("NaN", File.ReadAllText(file));
        }
    }

    [Fact]
    public void A_broken_budget_fails_with_an_msbuild_line_at_the_budget_field()
    {
        var policy = """
            {
              "corpus": { "include": ["builtin:dotnet-docs"], "maxBytes": 30000 },
              "model": { "layers": 1, "width": 32, "heads": 2, "context": 32 },
              "training": { "steps": 25, "batch": 8, "warmupSteps": 5, "seed": 3 },
              "lineage": { "generations": 2, "mode": "replace", "syntheticTokensPerGeneration": 1500, "sampling": { "temperature": 0.5 } },
              "evaluation": { "heldOutTokens": 2000 },
              "gate": { "failOnPredictedCollapse": false, "budget": { "perplexityIncrease": 0.01 } }
            }
            """;
        var (exit, error, gate, _, _) = Run(policy);
        Assert.Equal(1, exit);
        Assert.False(gate.GetProperty("passed").GetBoolean());
        Assert.Contains("surrogate", gate.GetProperty("predictionSource").GetString());
        var column = policy.Split('\n')[6].IndexOf("\"perplexityIncrease\"", StringComparison.Ordinal) + 1;
        Assert.Matches($@"collapsecheck\.json\(7,{column}\): error CC1010: held-out perplexity ×gen0 \(budget\) at generation 2 is \d+\.\d{{4}}, threshold 1\.0100; lower is better", error);
        Assert.DoesNotContain("CC1020", error);
    }

    [Fact]
    public void Several_seeds_give_per_seed_values_a_margin_and_the_same_bytes_twice()
    {
        var policy = TinyPolicies.OnDotnetDocs(mode: "accumulate").Replace("\"evaluation\"", "\"gate\": { \"seeds\": 2 },\n  \"evaluation\"");
        var first = Run(policy, "a.json");
        var second = Run(policy, "b.json");
        Assert.Equal(first.Text.Replace("a.json", "b.json"), second.Text);
        Assert.Equal([3, 4], first.Gate.GetProperty("seeds").EnumerateArray().Select(s => s.GetInt32()));
        Assert.Contains("standard deviation", first.Gate.GetProperty("marginMethod").GetString());
        var check = first.Gate.GetProperty("checks").EnumerateArray().First();
        Assert.Equal(2, check.GetProperty("perSeed").GetArrayLength());
        Assert.True(check.GetProperty("margin").GetDouble() > 0);
        Assert.Equal(first.Exit, second.Exit);

        // The console's generation table is one seed's, its gate table the seeds' mean: it says so, as the Markdown does.
        Assert.Contains("Seed 3 (the gate uses the mean of seeds 3, 4):\ngen  train tokens", first.Console);
    }
}
