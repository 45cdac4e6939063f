using System.Collections.Concurrent;
using System.Text.Json;
using CollapseCheck.Lineage;
using CollapseCheck.Running;

namespace CollapseCheck.Tool.Tests;

public class PredictTests : IDisposable
{
    private readonly ToolRunner _tool = new();

    public void Dispose() => _tool.Dispose();

    [Fact]
    public async Task Without_a_policy_argument_a_policy_in_the_folder_is_named_and_not_used()
    {
        _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(mode: "replace", generations: 3));
        using var tool = _tool.StartProcess(_tool.Folder, "predict", "--json");
        var stderr = tool.StandardError.ReadToEndAsync();
        var stdout = await tool.StandardOutput.ReadToEndAsync();
        await tool.WaitForExitAsync();

        Assert.Equal(0, tool.ExitCode);
        var log = await stderr;
        Assert.Contains("no policy given, so the embedded default is used; pass collapsecheck.json to use the one in this folder", log);
        // Progress goes to stderr, as run's does, so a slow corpus or theory is not silent and stdout stays JSON.
        Assert.Contains("collapsecheck: reading the corpus", log);
        Assert.Contains("collapsecheck: the theory: the covariance ledger", log);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(5, json.RootElement.GetProperty("ledger").GetProperty("generations").GetArrayLength() - 1);
    }

    [Theory]
    [InlineData("replace", false)]
    [InlineData("mix", false)]
    [InlineData("accumulate-subsample", true)]
    public void The_subsample_size_n_is_named_only_where_the_mode_subsamples(string mode, bool subsamples)
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(mode: mode));

        var (exit, stdout, _) = _tool.Run("predict", policy);
        var (_, json, _) = _tool.Run("predict", policy, "--json");

        Assert.Equal(0, exit);
        Assert.Equal(subsamples, stdout.Contains(", n = ", StringComparison.Ordinal));
        // mix names its λ, the default 0.5 here, since it decides how much real text each generation draws.
        Assert.Equal(mode == "mix", stdout.Contains(", λ = 0.5 real share", StringComparison.Ordinal));
        using var report = JsonDocument.Parse(json);
        Assert.Equal(subsamples ? JsonValueKind.Number : JsonValueKind.Null, report.RootElement.GetProperty("ledger").GetProperty("trainingTokens").ValueKind);
    }

    [Fact]
    public void The_surrogate_reports_every_generation_of_every_run_as_it_finishes()
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(mode: "replace", generations: 2, extraLineage: """, "sampling": { "temperature": 0.8 }"""));
        var progress = new RecordingProgress();

        PredictJob.Execute(policy, progress);

        Assert.Equal(3, progress.Steps.Count);
        Assert.StartsWith("the theory: 16 runs of the bigram surrogate", progress.Steps[2]);
        // 16 runs × generations 0–2, each counted once, from the runs' threads.
        var surrogate = progress.Advances.Where(a => a.Units == "surrogate generations").ToList();
        Assert.Equal(Enumerable.Range(1, 16 * 3).Select(i => (long)i), surrogate.Select(a => a.Done).Order());
        Assert.All(surrogate, a => Assert.Equal(48L, a.Total));
    }

    [Fact]
    public void Tokenizing_with_a_tiktoken_vocabulary_counts_both_passes_over_the_training_split()
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 1).Replace("\"maxBytes\": 30000", "\"maxBytes\": 200000")
            .Replace("\"tokenizer\": \"byte\"", "\"tokenizer\": \"cl100k\""));
        var progress = new RecordingProgress();

        PredictJob.Execute(policy, progress);

        var documents = long.Parse(progress.Steps[1].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var passes = progress.Advances.Where(a => a.Units == "document passes").ToList();
        Assert.NotEmpty(passes);
        // Fitting reads the training split, encoding reads it and the held-out split: between N and 2N in all.
        Assert.All(passes, a => Assert.InRange(a.Total, documents + 1, 2 * documents));
        Assert.Equal(passes.Select(a => a.Done).Order(), passes.Select(a => a.Done));
        Assert.InRange(passes[^1].Done, documents + 1, passes[0].Total);
    }

    [Theory]
    [InlineData("accumulate", "", false)]
    [InlineData("accumulate", """, "sampling": { "temperature": 0.7 }""", true)]
    [InlineData("replace", """, "sampling": { "temperature": 0.7 }""", true)]
    // Replace trains on samples alone, cut at the context of 32 tokens, which leaves out 65 % of the docs' tokens.
    [InlineData("replace", "", true)]
    [InlineData("accumulate", """, "sampling": { "topK": 8 }""", true)]
    // A top-k past the vocabulary keeps every token: the sampler is the unbiased one, which the ledger models exactly.
    [InlineData("accumulate", """, "sampling": { "topK": 1000000 }""", false)]
    public void A_biased_samplers_long_run_is_owned_up_to_as_the_unbiased_ones(string mode, string sampling, bool caveat)
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(mode: mode, generations: 2, extraLineage: sampling));

        var sentence = PredictJob.Execute(policy).LongRun.Sentence;

        // Said first: behind the sentence, "converges to a floor" read as the verdict on a collapsing biased lineage.
        Assert.Equal(caveat, sentence.StartsWith("For the unbiased, uncut sampler the ledger models, not this policy's ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_user_cache_inside_a_corpus_glob_is_not_read_as_corpus()
    {
        // The docs' extracted text (and on Debian the patched native library) lands in the user cache, which a
        // COLLAPSECHECK_CACHE inside the checkout puts where data/** reads it: only generations/ was tagged.
        _tool.Write("data/a.txt", string.Join("\n\n", Enumerable.Range(0, 40).Select(i => $"Paragraph {i} of the team's own notes on how the model reads text.")));
        var policy = _tool.Write("collapsecheck.json", """
            { "corpus": { "include": ["builtin:dotnet-docs", "data/**/*"], "maxBytes": 60000 } }
            """);
        using var tool = _tool.StartProcess(_tool.Folder, new Dictionary<string, string> { ["COLLAPSECHECK_CACHE"] = _tool.PathOf("data/cache") }, "predict", policy, "--json");
        var stderr = tool.StandardError.ReadToEndAsync();
        var stdout = await tool.StandardOutput.ReadToEndAsync();
        await tool.WaitForExitAsync();

        Assert.True(tool.ExitCode == 0, await stderr);
        Assert.True(File.Exists(_tool.PathOf("data/cache/CACHEDIR.TAG")));
        using var json = JsonDocument.Parse(stdout);
        Assert.Contains("; 1 file(s) matching data/**/*", json.RootElement.GetProperty("corpus").GetProperty("description").GetString());
    }

    /// <summary>A probe's --diagnostics data/diag.json was read as corpus by the next run's data/**/*, so two identical runs differed.</summary>
    [Fact]
    public void The_diagnostics_file_is_not_read_as_corpus_by_the_next_run()
    {
        _tool.Write("data/a.txt", string.Join("\n\n", Enumerable.Range(0, 40).Select(i => $"Paragraph {i} of the team's own notes on how the model reads text.")));
        var policy = _tool.Write("collapsecheck.json", """{ "corpus": { "include": ["data/**/*"] } }""");
        var diagnostics = _tool.PathOf("data/diag.json");

        var (first, firstOut, _) = _tool.Run("predict", policy, "--json", "--diagnostics", diagnostics);
        var (second, secondOut, _) = _tool.Run("predict", policy, "--json", "--diagnostics", diagnostics);

        Assert.Equal((0, 0), (first, second));
        Assert.True(File.Exists(diagnostics));
        // A killed writer's staged copy of it is left out too.
        File.WriteAllText(_tool.PathOf($"data/.diag.json.{int.MaxValue}.tmp"), "{ \"half\": ");
        Assert.Equal(firstOut, _tool.Run("predict", policy, "--json", "--diagnostics", diagnostics).Out);
        Assert.Equal(firstOut, secondOut);
        Assert.EndsWith("1 file(s) matching data/**/*", JsonDocument.Parse(secondOut).RootElement.GetProperty("corpus").GetProperty("description").GetString());
    }

    /// <summary>A *.json export trained the model on its braces and keys without a word in the run's output.</summary>
    [Fact]
    public void Json_files_read_as_text_are_named_and_ndjson_is_read_as_records()
    {
        var records = string.Join("\n", Enumerable.Range(0, 40).Select(i => $"{{\"text\": \"Record {i} of the team's own notes.\"}}"));
        _tool.Write("data/records.ndjson", records);
        _tool.Write("data/export.json", records);
        var policy = _tool.Write("collapsecheck.json", """{ "corpus": { "include": ["data/*.ndjson", "data/*.json"] } }""");

        var (exit, _, error) = _tool.Run("predict", policy);
        Assert.Equal(0, exit);
        Assert.Contains("read 1 *.json file(s) as plain text, braces and keys included, e.g. 'data/export.json'; for one JSON record per line name them *.jsonl", error);
        Assert.DoesNotContain("records.ndjson'", error);
        // 40 records, and the .json file's 40 lines as one paragraph.
        Assert.Contains("tokenizing 41 documents", error);
    }

    /// <summary>A misspelt exclude let in the file it meant to keep out, without a word.</summary>
    [Fact]
    public void An_exclude_that_names_nothing_is_said_and_a_wildcard_one_is_not()
    {
        _tool.Write("data/a.txt", string.Join("\n\n", Enumerable.Range(0, 40).Select(i => $"Paragraph {i} of the team's own notes on how the model reads text.")));
        _tool.Write("data/good.txt", "Kept out.");
        var policy = _tool.Write("collapsecheck.json", """{ "corpus": { "include": ["data/*.txt"], "exclude": ["data/goood.txt", "data/*.bak", "data/a.txt-not"] } }""");

        var (exit, _, error) = _tool.Run("predict", policy);
        Assert.Equal(0, exit);
        Assert.Contains($"corpus.exclude 'data/goood.txt' names no file or folder in '{_tool.Folder}', so it leaves nothing out (a slip of a name?)", error);
        Assert.Contains("corpus.exclude 'data/a.txt-not' names no file", error);
        Assert.DoesNotContain("'data/*.bak'", error);
    }

    [Theory]
    [InlineData(80_000)]
    [InlineData(30)]
    public async Task A_truncated_docs_cache_is_extracted_again_to_the_same_corpus(int length)
    {
        // A probe's truncated cache file ran on a smaller corpus without a word (80,000 bytes), or stopped at CC0012,
        // "the corpus holds no text" (30 bytes), and stayed so for every run after.
        var policy = _tool.Write("collapsecheck.json", """{ "corpus": { "include": ["builtin:dotnet-docs"], "maxBytes": 200000 } }""");
        var cache = _tool.PathOf("cache");
        async Task<string> Predict()
        {
            using var tool = _tool.StartProcess(_tool.Folder, new Dictionary<string, string> { ["COLLAPSECHECK_CACHE"] = cache }, "predict", policy, "--json");
            var stderr = tool.StandardError.ReadToEndAsync();
            var stdout = await tool.StandardOutput.ReadToEndAsync();
            await tool.WaitForExitAsync();
            Assert.True(tool.ExitCode == 0, await stderr);
            return stdout;
        }

        var extracted = await Predict();
        var file = Directory.GetFiles(Path.Combine(cache, "corpus"), "dotnet-docs-*.tsv").Single();
        var whole = File.ReadAllBytes(file);
        File.WriteAllBytes(file, whole[..length]);

        Assert.Equal(extracted, await Predict());
        Assert.Equal(whole, File.ReadAllBytes(file));
    }

    [Theory]
    [InlineData(1024)]
    // The cut at 64 tokens is below the limit, so the ledger's rows hold with it: the reference keeps it too (an uncut
    // one read ×1.016–1.018 here against the ledger's ×1.014–1.015).
    [InlineData(64)]
    public void Where_only_the_sampler_is_biased_the_gates_perplexity_is_the_ledgers_times_the_samplers_effect(int context)
    {
        // Temperature 0.999 reshapes nothing that matters, so the gate should predict what temperature 1's ledger does.
        // The count model alone read about ×1.012 here against the ledger's ×1.006: it prices each held-out token a
        // generation lost at add-0.01, which a network never does.
        var policy = _tool.Write("collapsecheck.json", """
            {
              "corpus": { "include": ["builtin:dotnet-docs"], "maxBytes": 100000 },
              "model": { "context": CONTEXT },
              "lineage": { "mode": "mix", "realFraction": 0.75, "sampling": { "temperature": 0.999 } }
            }
            """.Replace("CONTEXT", context.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        var report = PredictJob.Execute(policy);

        Assert.Equal("surrogate", report.GateSource);
        Assert.Equal("ledger × sampler effect", report.GatePerplexity);
        foreach (var g in report.Generations.Skip(1))
        {
            var (ledger, gate, raw) = (g.PerplexityRatio, report.Gate[g.Generation].PerplexityRatio, report.Surrogate!.Generations[g.Generation].PerplexityRatio.Mean);
            Assert.True(Math.Abs(gate - ledger) < 0.0015, $"generation {g.Generation}: gate ×{gate}, ledger ×{ledger}");
            Assert.True(raw - ledger > 0.004, $"generation {g.Generation}: the surrogate alone ×{raw}, ledger ×{ledger}: the case no longer shows the add-δ term");
            // Entropy and diversity are the surrogate's own: the sampler's effect on them is what it models.
            Assert.Equal(report.Surrogate.Generations[g.Generation].EntropyRatio.Mean, report.Gate[g.Generation].EntropyRatio);
        }
    }

    [Theory]
    // Accumulate keeps the real pool: c·(K − 1) stays near 0.05. Replace at m = 1,500 reaches 1.6, where the ledger's
    // second-order perplexity and entropy are far from the count model's own. A context of 256 cuts few documents.
    [InlineData("accumulate", false)]
    [InlineData("replace", true)]
    public void An_unbiased_sampler_gets_the_surrogate_where_the_ledgers_second_order_terms_do_not_hold(string mode, bool surrogate)
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(mode: mode, generations: 2).Replace("\"context\": 32", "\"context\": 256"));

        var report = PredictJob.Execute(policy);

        Assert.Equal(surrogate, report.Surrogate is not null);
        Assert.Equal(surrogate ? "surrogate" : "ledger", report.GateSource);
        Assert.Equal(report.GateSource, report.GatePerplexity);
        Assert.StartsWith(surrogate ? "the surrogate (second order moved" : "the ledger (second order moved", report.GateBasis);
        // Replace keeps no real data: its long run alone fails run's gate, which predict now says.
        Assert.Equal(mode == "replace", report.FailsOnLongRun);
        Assert.Equal(surrogate, report.Exactness.Contains("second order, which holds while c·(K − 1) is small, and the lineage moves", StringComparison.Ordinal));
        Assert.DoesNotContain("draws other than the model", report.Exactness, StringComparison.Ordinal);
        Assert.DoesNotContain("unbiased sampler's long run", report.LongRun.Sentence, StringComparison.Ordinal);
        Assert.Equal(
            report.Generations.Select(g => surrogate ? report.Surrogate!.Generations[g.Generation].PerplexityRatio.Mean : g.PerplexityRatio),
            report.Gate.Select(g => g.PerplexityRatio));
    }

    [Fact]
    public void Seed_overrides_training_seed_as_runs_does_so_the_surrogate_matches_a_run_made_with_it()
    {
        var text = TinyPolicies.OnDotnetDocs(mode: "replace", generations: 2, extraLineage: """, "sampling": { "temperature": 0.7 }""");
        var policy = _tool.Write("collapsecheck.json", text);
        var seven = _tool.Write("seven.json", text.Replace("\"seed\": 3", "\"seed\": 7"));

        static double[] Entropy(PredictionReport r) => r.Surrogate!.Generations.Select(g => g.EntropyRatio.Mean).ToArray();
        var overridden = Entropy(PredictJob.Execute(policy, seed: 7));

        Assert.Equal(Entropy(PredictJob.Execute(seven)), overridden);
        Assert.NotEqual(Entropy(PredictJob.Execute(policy)), overridden);
        var (exit, stdout, _) = _tool.Run("predict", policy, "--seed", "7", "--json");
        Assert.Equal(0, exit);
        // The JSON keeps six significant digits.
        var printed = JsonDocument.Parse(stdout).RootElement.GetProperty("surrogate").GetProperty("generations")
            .EnumerateArray().Select(g => g.GetProperty("entropyRatio").GetProperty("mean").GetDouble()).ToArray();
        Assert.Equal(overridden.Length, printed.Length);
        Assert.All(overridden.Zip(printed), pair => Assert.Equal(pair.First, pair.Second, 5));
        // A saved prediction names the seed it was drawn from, or it could not be made again.
        Assert.Equal(7, JsonDocument.Parse(stdout).RootElement.GetProperty("seed").GetInt32());
        Assert.Contains("runs from seed 7 of the", _tool.Run("predict", policy, "--seed", "7").Out);
    }

    [Theory]
    [InlineData("")]
    [InlineData(""", "sampling": { "temperature": 0.7 }""")]
    public void Json_gate_rows_are_the_predictions_the_runs_gate_checks(string sampling)
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(mode: "replace", generations: 2, extraLineage: sampling));
        var (exit, json, _) = _tool.Run("predict", policy, "--json");
        Assert.Equal(0, exit);
        Assert.InRange(_tool.Run("run", policy, "--device", "cpu").Exit, 0, 1);

        using var predicted = JsonDocument.Parse(json);
        using var report = JsonDocument.Parse(File.ReadAllText(_tool.PathOf("collapsecheck-out/collapsecheck-report.json")));
        var gate = predicted.RootElement.GetProperty("gate").EnumerateArray().ToList();
        var generations = report.RootElement.GetProperty("generations").EnumerateArray().ToList();
        Assert.Equal(generations.Count, gate.Count);
        foreach (var (row, generation) in gate.Zip(generations))
        {
            var p = generation.GetProperty("predicted");
            // predict's JSON keeps six significant digits.
            Assert.Equal(p.GetProperty("perplexity").GetDouble(), row.GetProperty("perplexityRatio").GetDouble(), 5);
            Assert.Equal(p.GetProperty("unigramEntropy").GetDouble(), row.GetProperty("entropyRatio").GetDouble(), 5);
            Assert.Equal(p.GetProperty("giniSimpson").GetDouble(), row.GetProperty("diversityRatio").GetDouble(), 5);
        }
    }

    private sealed class RecordingProgress : ILineageProgress
    {
        public List<string> Steps { get; } = [];

        public ConcurrentQueue<(long Done, long Total, string Units)> Advances { get; } = new();

        public void Preparing(string step) => Steps.Add(step);

        public void PreparingAdvanced(long done, long total, string units) => Advances.Enqueue((done, total, units));
    }

    [Fact]
    public void A_greedy_sampler_with_dedupe_is_an_error_at_the_dedupe_field_not_an_internal_one()
    {
        // Top-k 1 makes every sampled document the same, so dedupe can keep only one: the budget can never fill.
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(mode: "replace", generations: 2,
            extraLineage: """, "sampling": { "topK": 1 }, "filters": { "dedupe": true }"""));
        var (exit, stdout, stderr) = _tool.Run("predict", policy);

        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        var error = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("error", StringComparison.Ordinal));
        Assert.StartsWith($"{policy}(7,", error);
        Assert.Contains("error CC0008: the sampler cannot produce the 1500 synthetic tokens per generation this policy asks for", error);
        Assert.Contains("turn lineage.filters.dedupe off", error);
    }

    [Fact]
    public void Json_goes_to_stdout_alone_with_the_ledger_per_generation()
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(mode: "replace", generations: 3));
        var (exit, stdout, _) = _tool.Run("predict", policy, "--json");
        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal(2, root.GetProperty("schemaVersion").GetInt32());
        var ledger = root.GetProperty("ledger");
        Assert.Equal(1500, ledger.GetProperty("syntheticTokensPerGeneration").GetDouble());
        var rows = ledger.GetProperty("generations").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2, 3], rows.Select(r => r.GetProperty("generation").GetInt32()));
        var n0 = ledger.GetProperty("realTokens").GetDouble();
        for (var g = 0; g <= 3; g++)
        {
            var c = rows[g].GetProperty("c").GetDouble();
            Assert.Equal(1 - c, rows[g].GetProperty("diversityRatio").GetDouble(), 6);
            Assert.Equal((1 - 1 / n0) * Math.Pow(1 - 1 / 1500.0, g), 1 - c, 6);
        }

        Assert.Equal("collapses", root.GetProperty("longRun").GetProperty("behaviour").GetString());
    }

    [Fact]
    public void Human_output_ends_with_the_long_run_sentence()
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(mode: "accumulate"));
        var (exit, stdout, _) = _tool.Run("predict", policy);
        Assert.Equal(0, exit);
        Assert.Contains("ppl ×gen0", stdout);
        // Not the run report's KL column, which is of the generated text: a like name for another quantity (from a review).
        Assert.Contains("  model KL bits ↓  ", stdout);
        Assert.Contains("model KL: the count model's expected KL(truth ‖ its bigram estimate); run's KL column is another quantity", stdout);
        Assert.Contains("Long run (converges-to-floor): accumulate converges to a floor", stdout.TrimEnd().Split('\n')[^1]);
        Assert.StartsWith("The gate checks against the ledger (", stdout.Split('\n')[1]);
    }

    [Fact]
    public void Human_output_says_when_the_long_run_alone_fails_runs_gate()
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(mode: "replace"));
        var (exit, stdout, _) = _tool.Run("predict", policy);
        Assert.Equal(0, exit);
        Assert.StartsWith("The gate checks against the surrogate (cut ", stdout.Split('\n')[1]);
        Assert.StartsWith("run's gate fails this policy on its long run alone (CC1020)", stdout.TrimEnd().Split('\n')[^1]);
    }

    [Fact]
    public void Predict_rejects_bad_policies_like_run()
    {
        var policy = _tool.Write("collapsecheck.json", "{ \"lineage\": { \"mode\": \"recycle\" } }");
        var (exit, stdout, error) = _tool.Run("predict", policy, "--json");
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Contains("error CC0006:", error);
    }
}
