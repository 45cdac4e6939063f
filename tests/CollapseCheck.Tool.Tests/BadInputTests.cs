namespace CollapseCheck.Tool.Tests;

/// <summary>Every class of bad input: exit 2, a located diagnostic, and no report written.</summary>
public class BadInputTests : IDisposable
{
    private readonly ToolRunner _tool = new();

    public void Dispose() => _tool.Dispose();

    private void AssertRejected(string policyText, string code, int line, int column, string mentions)
    {
        var policy = _tool.Write("collapsecheck.json", policyText);
        var (exit, _, error) = _tool.Run("run", policy, "--out", _tool.PathOf("out"), "--device", "cpu");
        Assert.Equal(2, exit);
        Assert.Contains($"collapsecheck.json({line},{column}): error {code}:", error);
        Assert.Contains(mentions, error);
        Assert.False(Directory.Exists(_tool.PathOf("out")), "a rejected run must not create the output folder");
    }

    /// <summary>
    /// Allowed sizes can ask for terabytes: on Linux the kernel killed such a run after minutes without a word. Refused
    /// before any training, at training.batch (2.8 TB of activations: no machine runs it).
    /// </summary>
    [Fact]
    public void A_model_and_batch_no_machine_can_hold_are_refused_before_training() =>
        AssertRejected("{\n  \"corpus\": { \"include\": [\"builtin:dotnet-docs\"], \"maxBytes\": 30000 },\n  \"model\": { \"layers\": 1, \"width\": 4096, \"heads\": 4, \"context\": 4096 },\n  \"training\": { \"steps\": 1, \"batch\": 4096 }\n}",
            "CC0023", 4, 29, "do not fit in the CPU's memory (one training step holds at least");

    [Fact]
    public void A_folder_where_a_report_goes_is_refused_before_training()
    {
        // It passed the writability probe, and the rename onto it failed only after the whole lineage had trained.
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 1));
        Directory.CreateDirectory(_tool.PathOf("out/collapsecheck-report.svg"));
        var (exit, _, error) = _tool.Run("run", policy, "--out", _tool.PathOf("out"), "--device", "cpu");
        Assert.Equal(2, exit);
        Assert.Contains($"error CC0030: '{_tool.PathOf("out/collapsecheck-report.svg")}' is a folder where run writes a report file", error);
        Assert.DoesNotContain("train", error);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("1.5")]
    [InlineData("2000")]
    public void A_thread_count_that_is_not_one_is_refused_naming_the_variable(string threads)
    {
        // Read where the tool starts its threads, so in a process of its own: 'abc', 0 and 1.5 ran with 1 thread without
        // a word, and 2,000 took a minute to start.
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 1));
        var (exit, _, error) = _tool.RunProcess(null, new Dictionary<string, string> { ["COLLAPSECHECK_INTRAOP_THREADS"] = threads }, TimeSpan.FromMinutes(1),
            "run", policy, "--out", _tool.PathOf("out"), "--device", "cpu", "--cache", "off");
        Assert.Equal(2, exit);
        Assert.Contains($"error CC0040: COLLAPSECHECK_INTRAOP_THREADS must be a whole number of torch threads per shard from 1 to 256, but is '{threads}'", error);
        Assert.False(Directory.Exists(_tool.PathOf("out")));
    }

    /// <summary>
    /// A dozen paragraphs held out one, 9 tokens, and the run trained and failed the gate on their perplexity: a split
    /// below evaluation.heldOutTokens' own floor of 100 is refused before training, at corpus.heldOutFraction.
    /// </summary>
    [Fact]
    public void A_held_out_split_too_small_to_measure_is_refused_before_training()
    {
        _tool.Write("notes.txt", string.Join("\n\n", Enumerable.Range(0, 12).Select(i => $"Note {i} on the build.")));
        AssertRejected("{\n  \"corpus\": { \"include\": [\"notes.txt\"],\n    \"heldOutFraction\": 0.1 }\n}",
            "CC0014", 3, 5, "the held-out split has 21 tokens to score, fewer than 100 (evaluation.heldOutTokens' floor), whose perplexity would be noise; add text or raise corpus.heldOutFraction");
    }

    /// <summary>
    /// A model too big whatever the batch: 48 layers of width 4096 are 9.7 billion parameters, 155 GB of weights,
    /// gradients and AdamW state, which the activations alone (one token a step) did not count, and the kernel killed
    /// the run. Refused at model.width.
    /// </summary>
    [Fact]
    public void A_model_whose_parameters_no_machine_can_hold_is_refused_at_its_width() =>
        AssertRejected("{\n  \"corpus\": { \"include\": [\"builtin:dotnet-docs\"], \"maxBytes\": 30000 },\n  \"model\": { \"layers\": 48, \"width\": 4096, \"heads\": 64, \"context\": 8 },\n  \"training\": { \"steps\": 1, \"batch\": 1 }\n}",
            "CC0023", 3, 28, "GiB of weights, gradients and AdamW state for 9,");

    /// <summary>
    /// The managed heap's limit is not the machine's memory: libtorch allocates outside it. A DOTNET_GCHeapHardLimit (or
    /// .NET's 75 % of a container's limit) made CC0023 refuse a policy that trains in 2 GB.
    /// </summary>
    [LinuxFact]
    public async Task A_managed_heap_limit_does_not_refuse_a_policy_the_machine_can_train()
    {
        var policy = _tool.Write("collapsecheck.json", """
            { "corpus": { "include": ["builtin:dotnet-docs"], "maxBytes": 30000 },
              "model": { "layers": 1, "width": 32, "heads": 4, "context": 256 },
              "training": { "steps": 1, "batch": 256 },
              "lineage": { "generations": 1, "syntheticTokensPerGeneration": 300 } }
            """);
        // One step's activations: at least 4 × 256 × 256 × (10 × 32 + 2 × 257) bytes, 0.2 GB, above the 128 MB heap limit.
        using var tool = _tool.StartProcess(_tool.Folder, new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x8000000", ["COLLAPSECHECK_CACHE"] = _tool.PathOf("cache") },
            "run", policy, "--out", _tool.PathOf("out"), "--cache", "off");
        var stderr = tool.StandardError.ReadToEndAsync();
        await tool.StandardOutput.ReadToEndAsync();
        await tool.WaitForExitAsync();

        Assert.DoesNotContain("CC0023", await stderr);
        Assert.True(File.Exists(_tool.PathOf("out/collapsecheck-report.json")), await stderr);
    }

    [Fact]
    public void Unknown_field() =>
        AssertRejected("{\n  \"lineage\": { \"generation\": 3 }\n}", "CC0003", 2, 16, "'generation'");

    [Fact]
    public void Wrong_type() =>
        AssertRejected("{\n  \"lineage\": { \"generations\": \"five\" }\n}", "CC0004", 2, 31, "an integer");

    [Fact]
    public void Out_of_range_value() =>
        AssertRejected("{\n  \"corpus\": { \"heldOutFraction\": 1.5 }\n}", "CC0005", 2, 34, "heldOutFraction");

    [Fact]
    public void Unknown_mode() =>
        AssertRejected("{\n  \"lineage\": {\n    \"mode\": \"recycle\"\n  }\n}", "CC0006", 3, 13, "accumulate-subsample");

    [Fact]
    public void Every_bad_field_is_a_line_of_its_own_and_an_entry_in_the_diagnostics_file()
    {
        var policy = _tool.Write("collapsecheck.json", "{\n  \"lineage\": { \"generations\": \"five\" },\n  \"gate\": { \"seeds\": 99 }\n}");
        var diagnostics = _tool.PathOf("diagnostics.json");
        var (exit, _, error) = _tool.Run("run", policy, "--out", _tool.PathOf("out"), "--device", "cpu", "--diagnostics", diagnostics);

        Assert.Equal(2, exit);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains("collapsecheck.json(2,31): error CC0004: 'lineage.generations' must be an integer", lines[0]);
        Assert.Contains("collapsecheck.json(3,22): error CC0005: 'gate.seeds' must be an integer from 1 to 16", lines[1]);
        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(diagnostics));
        Assert.Equal(["CC0004", "CC0005"], document.RootElement.GetProperty("diagnostics").EnumerateArray().Select(d => d.GetProperty("code").GetString()));
        Assert.Equal(2, document.RootElement.GetProperty("exitCode").GetInt32());
        Assert.False(Directory.Exists(_tool.PathOf("out")));
    }

    [Fact]
    public void Syntax_error() =>
        AssertRejected("{\n  \"lineage\": { \"generations\": 3 \n  \"mode\": \"replace\" }\n}", "CC0002", 3, 3, "not valid JSON");

    [Fact]
    public void Missing_corpus_file()
    {
        var policy = "{\n  \"corpus\": { \"include\": [\"data/missing.txt\"] }\n}";
        AssertRejected(policy, "CC0011", 2, 27, "missing.txt");
    }

    [Fact]
    public void Corpus_glob_matching_nothing()
    {
        AssertRejected("{\n  \"corpus\": { \"include\": [\"data/**/*.txt\"] }\n}", "CC0010", 2, 27, "data/**/*.txt");
    }

    [Fact]
    public void Empty_corpus()
    {
        _tool.Write("data/a.txt", "\n\n   \n");
        AssertRejected("{\n  \"corpus\": { \"include\": [\"data/*.txt\"] }\n}", "CC0012", 2, 15, "no text");
    }

    [Fact]
    public void Missing_policy_file()
    {
        var (exit, _, error) = _tool.Run("run", _tool.PathOf("nope.json"), "--out", _tool.PathOf("out"));
        Assert.Equal(2, exit);
        Assert.Contains("error CC0001:", error);
        Assert.Contains("nope.json", error);
        Assert.False(Directory.Exists(_tool.PathOf("out")));
    }

    [Fact]
    public void Unknown_command_line_option_is_exit_2()
    {
        var (exit, _, error) = _tool.Run("run", "--devise", "cpu");
        Assert.Equal(2, exit);
        Assert.Contains("error CC0040:", error);
    }

    [Fact]
    public void A_libtorch_folder_without_libtorch_is_exit_2_with_what_to_do()
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 1));
        var (exit, _, error) = _tool.Run("run", policy, "--out", _tool.PathOf("out"), "--libtorch", _tool.Folder);
        Assert.Equal(2, exit);
        Assert.Contains($"error CC0020: --libtorch points at '{_tool.Folder}', which has no libtorch.so;", error);
        Assert.Contains("torch/lib", error);
        Assert.False(Directory.Exists(_tool.PathOf("out")));
        // Found before the corpus is read, which takes minutes on a big one.
        Assert.DoesNotContain("reading the corpus", error);

        var missing = _tool.PathOf("no-such-folder");
        Assert.Contains($"error CC0020: --libtorch points at '{missing}', which does not exist;", _tool.Run("doctor", "--libtorch", missing).Error);
    }

    [Fact]
    public void Unknown_device_is_exit_2()
    {
        var (exit, _, error) = _tool.Run("run", "--device", "tpu");
        Assert.Equal(2, exit);
        Assert.Contains("tpu", error);
    }

    /// <summary>
    /// Snapshots are named after the policy file: past the 242 bytes a staged copy leaves, verify said to review a
    /// received file it then failed to write, blaming the folder (CC0030 with .NAME.PID.tmp).
    /// </summary>
    [Theory]
    [InlineData("verify")]
    [InlineData("accept")]
    [InlineData("run", "--verify")]
    public void A_policy_name_too_long_for_its_snapshots_is_refused_first_with_the_longest_name_that_fits(string command, string? option = null)
    {
        var policy = _tool.Write(new string('p', 215) + ".json", "{}");
        var (exit, stdout, stderr) = _tool.Run([command, policy, .. option is null ? Array.Empty<string>() : [option]]);

        Assert.Equal(2, exit);
        Assert.Contains($"error CC0030: cannot write to '{Path.Combine(_tool.Folder, new string('p', 215))}.collapsecheck-report.received.json': its name is 250 bytes, and at most 242 fit", stderr);
        Assert.Contains("so give it a name of at most 212 bytes", stderr);
        Assert.DoesNotContain("CC2002", stderr + stdout);
        Assert.DoesNotContain("Gate:", stdout);
    }

    [UnixTheory]
    [InlineData("run", "/dev/stdin")]
    [InlineData("predict", "/dev/stdin")]
    [InlineData("verify", "/dev/stdin")]
    [InlineData("run", "-")]
    [InlineData("predict", "-")]
    [InlineData("verify", "-")]
    [InlineData("accept", "-")]
    public async Task A_policy_piped_in_reads_its_corpus_from_the_current_folder_and_has_no_folder_for_reports(string command, string policy)
    {
        // The CC0001 message names /dev/stdin for piping a policy in: run then wrote /dev/stdin.collapsecheck-out/ (as
        // root; anyone else read a puzzling CC0030), and a relative glob looked under /dev.
        _tool.Write("data/a.txt", string.Join("\n\n", Enumerable.Range(0, 40).Select(i => $"Paragraph {i} of the team's own notes on how the model reads text.")));
        using var tool = _tool.StartProcess(_tool.Folder, new Dictionary<string, string>(), redirectInput: true, [command, policy, .. command == "predict" ? new[] { "--json" } : []]);
        await tool.StandardInput.WriteAsync("""{ "corpus": { "include": ["data/*.txt"] } }""");
        tool.StandardInput.Close();
        var stderr = tool.StandardError.ReadToEndAsync();
        var stdout = await tool.StandardOutput.ReadToEndAsync();
        await tool.WaitForExitAsync();

        if (command == "predict")
        {
            Assert.True(tool.ExitCode == 0, await stderr);
            Assert.Contains("1 file(s) matching data/*.txt", stdout);
            return;
        }

        Assert.Equal(2, tool.ExitCode);
        Assert.Contains("error CC0040:", await stderr);
        Assert.Contains(command == "run" ? "the policy comes from standard input, a pipe, which has no folder for its reports beside it: pass -o DIR" : "snapshots live beside their policy file, and the policy comes from standard input, a pipe", await stderr);
        Assert.False(Directory.Exists("/dev/stdin.collapsecheck-out"));
    }

    [LinuxFact]
    public void A_policy_kept_in_dev_shm_is_a_file_in_a_folder_like_any_other()
    {
        // /dev/shm, a RAM disk CI jobs use: taken for a pipe, its relative globs read the current folder's.
        var folder = Directory.CreateDirectory(Path.Combine("/dev/shm", "collapsecheck-test-" + Guid.NewGuid().ToString("N"))).FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "a.txt"), string.Join("\n\n", Enumerable.Range(0, 40).Select(i => $"Paragraph {i} of notes kept on a RAM disk.")));
            var policy = Path.Combine(folder, "collapsecheck.json");
            File.WriteAllText(policy, """{ "corpus": { "include": ["*.txt"] } }""");
            Assert.False(CollapseCheck.Running.RunJob.IsPiped(policy));
            Assert.Equal(folder, CollapseCheck.Running.RunJob.PolicyFolder(policy));
            var (exit, stdout, error) = _tool.Run("predict", policy, "--json");
            Assert.True(exit == 0, error);
            Assert.Contains("1 file(s) matching *.txt", stdout);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [UnixFact]
    public async Task A_policy_redirected_from_a_file_into_dev_stdin_is_piped_too_and_run_verify_refuses_it_before_training()
    {
        // `< policy.json` makes /dev/stdin a link to a plain file, which the kind check took for a policy of that folder.
        var policy = _tool.Write("p.json", TinyPolicies.OnDotnetDocs(generations: 1));
        foreach (var args in new[] { "run /dev/stdin", $"run /dev/stdin -o '{_tool.PathOf("out")}' --verify" })
        {
            var (exit, stdout, stderr) = await InShell("sh", $"{args} < '{policy}'");

            Assert.Equal(2, exit);
            Assert.Contains(args.Contains("--verify") ? "snapshots live beside their policy file" : "pass -o DIR", stderr);
            Assert.DoesNotContain("generation 0", stderr + stdout);
        }

        Assert.False(Directory.Exists("/dev/stdin.collapsecheck-out"));
    }

    [UnixFact]
    public async Task A_piped_policys_report_is_the_same_whichever_stream_carried_it()
    {
        // policy.source was the stream's name: "stdin" for `< p.json`, "63" for <(cat p.json), whatever fd the shell chose.
        var policy = _tool.Write("p.json", TinyPolicies.OnDotnetDocs(generations: 1));
        var reports = new List<string>();
        foreach (var (name, args) in new[] { ("stdin", $"/dev/stdin -o out-stdin < '{policy}'"), ("fd", $"<(cat '{policy}') -o out-fd") })
        {
            var (exit, stdout, stderr) = await InShell("bash", $"run {args} --cache off");
            Assert.True(exit == 0, stderr + stdout);
            reports.Add(File.ReadAllText(_tool.PathOf($"out-{name}/collapsecheck-report.json")));
        }

        Assert.Contains("\"source\": \"piped\"", reports[0]);
        Assert.Equal(reports[0], reports[1]);
    }

    /// <summary>The built tool run by a shell in the test's folder: <paramref name="arguments"/> may redirect or substitute.</summary>
    private async Task<(int Exit, string Stdout, string Stderr)> InShell(string shell, string arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo(shell, ["-c", $"dotnet '{Path.Combine(AppContext.BaseDirectory, "collapsecheck.dll")}' {arguments}"])
        {
            WorkingDirectory = _tool.Folder,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        CiEnvironment.Remove(start.Environment);
        using var tool = System.Diagnostics.Process.Start(start)!;
        var stdout = tool.StandardOutput.ReadToEndAsync();
        var stderr = await tool.StandardError.ReadToEndAsync();
        await tool.WaitForExitAsync();
        return (tool.ExitCode, await stdout, stderr);
    }
}
