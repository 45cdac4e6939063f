using System.Text.Json;
using CollapseCheck.Policy;

namespace CollapseCheck.Tool.Tests;

/// <summary>Real lineages through the real CLI: TorchSharp training on the SDK's docs, tiny sizes.</summary>
public class LineageEndToEndTests : IDisposable
{
    private readonly ToolRunner _tool = new();

    public void Dispose() => _tool.Dispose();

    private (string Report, JsonDocument Json) RunTo(string policy, string outFolder, params string[] extra) =>
        RunTo(policy, outFolder, 0, extra);

    private (string Report, JsonDocument Json) RunTo(string policy, string outFolder, int expectedExit, params string[] extra)
    {
        var (exit, stdout, stderr) = _tool.Run(["run", policy, "--out", _tool.PathOf(outFolder), "--device", "cpu", .. extra]);
        Assert.True(exit == expectedExit, $"exit {exit}\n{stdout}\n{stderr}");
        var text = File.ReadAllText(Path.Combine(_tool.PathOf(outFolder), "collapsecheck-report.json"));
        return (text, JsonDocument.Parse(text));
    }

    [Fact]
    public void A_gate_failure_under_a_tolerance_override_says_where_the_tolerance_came_from()
    {
        // Tolerance 0 on a 25-step model: its perplexity rises a few percent beyond the theory's (1.037 against 1.003).
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs().Replace("\"evaluation\"", "\"gate\": { \"tolerance\": 0.25 },\n  \"evaluation\""));
        var (exit, stdout, error) = _tool.Run("run", policy, "--device", "cpu", "--tolerance", "0");
        Assert.Equal(1, exit);
        Assert.Contains($"{PolicyLoader.Load(policy).Locations["gate.tolerance"]}: error CC100", error);
        Assert.Contains("(tolerance 0 from --tolerance, not this line's)", error);
        // The table of a failing gate names the long run in words, as a passing verdict does, not by its JSON name.
        Assert.Contains("long run: accumulate converges to a floor", stdout);
    }

    [Theory]
    // 25 steps of a 1-layer model barely learn token frequencies; 400 steps of the default model learn context.
    [InlineData(25, true)]
    [InlineData(400, false)]
    public void A_generation_0_no_better_than_token_frequencies_is_warned_about(int steps, bool undertrained)
    {
        var tiny = TinyPolicies.OnDotnetDocs(generations: 1).Replace("\"steps\": 25", $"\"steps\": {steps}");
        var policy = _tool.Write("collapsecheck.json", undertrained ? tiny : tiny.Replace("\"layers\": 1, \"width\": 32", "\"layers\": 2, \"width\": 64"));
        var diagnostics = _tool.PathOf("diagnostics.json");
        var (exit, _, stderr) = _tool.Run("run", policy, "--out", _tool.PathOf("out"), "--device", "cpu", "--diagnostics", diagnostics);
        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_tool.PathOf("out"), "collapsecheck-report.json")));
        var generation0 = json.RootElement.GetProperty("generations")[0].GetProperty("heldOut").GetProperty("perplexity").GetDouble();
        var unigram = json.RootElement.GetProperty("reference").GetProperty("unigramPerplexity").GetDouble();

        Assert.Equal(undertrained, generation0 >= unigram);
        // At training.steps, what it says to raise; in --diagnostics as the console's warning, which the MSBuild task logs as one.
        var stepsAt = PolicyLoader.Load(policy).Locations["training.steps"];
        Assert.Equal(undertrained, stderr.Contains($"{stepsAt}: warning CC1030: generation 0's held-out perplexity", StringComparison.Ordinal));
        using var found = JsonDocument.Parse(File.ReadAllText(diagnostics));
        var notices = found.RootElement.GetProperty("diagnostics").EnumerateArray()
            .Where(d => d.GetProperty("code").GetString() == "CC1030" && d.GetProperty("severity").GetString() == "warning" && d.GetProperty("line").GetInt32() == stepsAt.Line)
            .ToList();
        Assert.Equal(undertrained ? 1 : 0, notices.Count);
        // What the MSBuild package compares with its own version (CC0054).
        Assert.Equal(CollapseCheck.Reporting.ToolInfo.Version, found.RootElement.GetProperty("toolVersion").GetString());
        Assert.Equal(undertrained, File.ReadAllText(Path.Combine(_tool.PathOf("out"), "collapsecheck-report.md")).Contains("**Warning:** generation 0's", StringComparison.Ordinal));
    }

    [Fact]
    public void Same_policy_and_seed_give_a_byte_identical_report_and_a_different_seed_does_not()
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs());
        var (first, _) = RunTo(policy, "a");
        var (second, _) = RunTo(policy, "b");
        var (reseeded, _) = RunTo(policy, "c", "--seed", "4");
        Assert.Equal(first, second);
        Assert.NotEqual(first, reseeded);
        foreach (var file in new[] { "collapsecheck-report.md", "collapsecheck-report.svg" })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(_tool.PathOf("a"), file)), File.ReadAllBytes(Path.Combine(_tool.PathOf("b"), file)));
        }
    }

    [Fact]
    public void The_report_has_every_generation_with_its_measurements_and_the_manifest_holds_the_machine_facts()
    {
        // Replace collapses by theory, so the gate fails (exit 1), but the report is written for review.
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(mode: "replace"));
        var (text, json) = RunTo(policy, "out", expectedExit: 1);
        var root = json.RootElement;
        Assert.Equal(2, root.GetProperty("schemaVersion").GetInt32());
        Assert.Equal("replace", root.GetProperty("policy").GetProperty("lineage").GetProperty("mode").GetString());
        Assert.Equal(25, root.GetProperty("policy").GetProperty("training").GetProperty("steps").GetInt32());
        var generations = root.GetProperty("generations").EnumerateArray().ToList();
        Assert.Equal(3, generations.Count);
        foreach (var g in generations)
        {
            var perplexity = g.GetProperty("heldOut").GetProperty("perplexity").GetDouble();
            Assert.InRange(perplexity, 1.0, root.GetProperty("reference").GetProperty("uniformPerplexity").GetDouble() * 1.5);
            Assert.InRange(g.GetProperty("generated").GetProperty("unigramEntropyBits").GetDouble(), 0.5, 8.1);
            Assert.Equal(1500, g.GetProperty("generated").GetProperty("tokens").GetInt64());
        }

        Assert.Equal(1500, generations[2].GetProperty("trainingSet").GetProperty("sources").GetProperty("synthetic@2").GetInt64());
        Assert.Equal(1.0, generations[0].GetProperty("relativeToGeneration0").GetProperty("perplexity").GetDouble());
        Assert.DoesNotContain(Environment.MachineName, text);
        Assert.DoesNotContain(_tool.Folder, text);

        var manifest = File.ReadAllText(Path.Combine(_tool.PathOf("out"), "collapsecheck-run.json"));
        Assert.Contains(Environment.MachineName, manifest);
        Assert.Contains("trainSeconds", manifest);
    }

    [Fact]
    public void A_cancelled_run_leaves_no_report()
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs());
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            CollapseCheck.Running.RunJob.Execute(new CollapseCheck.Running.RunOptions(policy, _tool.PathOf("out"), "cpu"), null, cancel.Token));
        Assert.False(File.Exists(Path.Combine(_tool.PathOf("out"), "collapsecheck-report.json")));
    }

    [CtrlCFact]
    public void Ctrl_C_stops_a_run_mid_training_with_its_message_exit_130_and_no_report()
    {
        var (exit, stderr) = StopMidTraining("-INT");
        Assert.Equal(130, exit);
        Assert.Contains("collapsecheck: stopping at the next step; Ctrl+C again ends the process at once.", stderr);
        Assert.Contains(Cli.CancelledMessage, stderr);
        Assert.False(Directory.Exists(_tool.PathOf("out")));
    }

    [UnixFact]
    public void SIGTERM_stops_a_run_with_exit_143_no_report_and_says_so_in_the_diagnostics_file()
    {
        var diagnostics = _tool.PathOf("diagnostics.json");
        var (exit, stderr) = StopMidTraining("-TERM", "--diagnostics", diagnostics);
        Assert.Equal(143, exit);
        Assert.Contains("collapsecheck: SIGTERM: stopping at the next step; a second signal ends the process at once.", stderr);
        Assert.Contains(Cli.CancelledMessage, stderr);
        Assert.False(Directory.Exists(_tool.PathOf("out")));

        // The MSBuild task reads this file: the entry names the signal, where it used to find no error and guess.
        using var json = JsonDocument.Parse(File.ReadAllText(diagnostics));
        Assert.Equal(143, json.RootElement.GetProperty("exitCode").GetInt32());
        var entry = Assert.Single(json.RootElement.GetProperty("diagnostics").EnumerateArray());
        Assert.Equal("CC0060", entry.GetProperty("code").GetString());
        Assert.Equal("error", entry.GetProperty("severity").GetString());
        Assert.Equal("stopped by SIGTERM, exit code 143: cancelled; no report was written.", entry.GetProperty("message").GetString());
    }

    [UnixFact]
    public void A_run_stops_when_the_build_that_started_it_is_gone()
    {
        // The MSBuild task names its process in COLLAPSECHECK_OWNER_PID; here a stand-in, killed mid-training as a
        // SIGTERMed build dies (without cancelling its tasks). The tool used to train on, orphaned.
        using var owner = System.Diagnostics.Process.Start("sleep", "600");
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs().Replace("\"steps\": 25", "\"steps\": 1000000"));
        var diagnostics = _tool.PathOf("diagnostics.json");
        using var tool = _tool.StartProcess(null, new Dictionary<string, string> { ["COLLAPSECHECK_OWNER_PID"] = owner.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            "run", policy, "--out", _tool.PathOf("out"), "--device", "cpu", "--cache", "off", "--diagnostics", diagnostics);
        try
        {
            string? line;
            while ((line = tool.StandardError.ReadLine()) is not null && !line.Contains("generation 0: train", StringComparison.Ordinal))
            {
            }

            Assert.NotNull(line);
            Thread.Sleep(TimeSpan.FromSeconds(1.5));
            Assert.False(tool.HasExited, "the tool stopped while its owner still ran");
            owner.Kill();
            owner.WaitForExit();

            var rest = ToolRunner.ReadToEndOnItsOwnThread(tool.StandardError);
            Assert.True(tool.WaitForExit(TimeSpan.FromSeconds(30)), "the tool trained on after its owner had gone");
            Assert.Equal(143, tool.ExitCode);
            Assert.Contains($"collapsecheck: the build that started this run (process {owner.Id}) has ended: stopping at the next step.", rest.Result);
            Assert.False(Directory.Exists(_tool.PathOf("out")));
            using var json = JsonDocument.Parse(File.ReadAllText(diagnostics));
            var entry = Assert.Single(json.RootElement.GetProperty("diagnostics").EnumerateArray());
            Assert.Equal($"stopped by the end of the build that started it (process {owner.Id}), exit code 143: cancelled; no report was written.", entry.GetProperty("message").GetString());
        }
        finally
        {
            if (!tool.HasExited)
            {
                tool.Kill(entireProcessTree: true);
            }

            if (!owner.HasExited)
            {
                owner.Kill();
            }
        }
    }

    /// <summary>Starts a run long enough that the signal lands inside generation 0's training, where it used to kill the process, and sends it.</summary>
    private (int Exit, string Stderr) StopMidTraining(string signal, params string[] extra)
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs().Replace("\"steps\": 25", "\"steps\": 1000000"));
        var (_, exit, rest) = _tool.SignalAfter(["run", policy, "--out", _tool.PathOf("out"), "--device", "cpu", "--cache", "off", .. extra],
            "generation 0: train", signal, settle: TimeSpan.FromMilliseconds(500), exitWithin: TimeSpan.FromMinutes(1));
        return (exit, rest);
    }

    [Fact]
    public void An_unwritable_output_folder_is_exit_2_and_names_the_folder()
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 1));
        // A name longer than file systems allow passes every check that can be made up front, and fails only
        // when the reports are written (an --out that is, or runs through, a file is refused before training).
        var unwritable = Path.Combine(_tool.Folder, new string('x', 300));
        var (exit, _, error) = _tool.Run("run", policy, "--out", unwritable, "--device", "cpu");
        Assert.Equal(2, exit);
        Assert.Contains("error CC0030:", error);
        Assert.Contains(unwritable, error);
        Assert.DoesNotContain(Directory.GetFileSystemEntries(_tool.Folder), e => Path.GetFileName(e).StartsWith("xxx", StringComparison.Ordinal));
    }

    [Fact]
    public void Init_writes_a_starter_policy_that_runs_and_refuses_to_overwrite()
    {
        var target = _tool.PathOf("collapsecheck.json");
        var (exit, stdout, _) = _tool.Run("init", target);
        Assert.Equal(0, exit);
        Assert.Contains("eol=lf", stdout);
        Assert.Contains("//", File.ReadAllText(target));

        var (again, _, error) = _tool.Run("init", target);
        Assert.Equal(2, again);
        Assert.Contains("--force", error);

        // A folder gets the policy inside it.
        Directory.CreateDirectory(_tool.PathOf("policies"));
        var (inFolder, written, _) = _tool.Run("init", _tool.PathOf("policies"));
        Assert.Equal(0, inFolder);
        Assert.Contains($"Wrote {_tool.PathOf("policies/collapsecheck.json")}", written);
        Assert.Equal(File.ReadAllText(target), File.ReadAllText(_tool.PathOf("policies/collapsecheck.json")));
        Assert.Equal(0, _tool.Run("init", _tool.PathOf("new") + "/").Exit);
        Assert.True(File.Exists(_tool.PathOf("new/collapsecheck.json")));

        // A new name without an extension is a folder to make too, not a policy file named like one.
        Assert.Equal(0, _tool.Run("init", _tool.PathOf("gates")).Exit);
        Assert.True(File.Exists(_tool.PathOf("gates/collapsecheck.json")));

        // A policy behind a link is overwritten where it is, and the link stays a link.
        var shared = _tool.Write("shared/policy.json", "{ }");
        var link = _tool.PathOf("linked.json");
        File.CreateSymbolicLink(link, shared);
        var (linkedExit, linkedOut, _) = _tool.Run("init", link, "--force");
        Assert.Equal(0, linkedExit);
        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.Equal(File.ReadAllText(target), File.ReadAllText(shared));
        // The advice names the link: that project's reports and snapshots go beside it, not beside the shared file.
        Assert.Contains($"Wrote {shared} (through the link {link})", linkedOut);
        // Quoted as a shell word where the path needs it (a temp folder with a space in it).
        Assert.Matches(@"linked\.json""? --verify", linkedOut);

        // '-' is standard input to the other commands: no folder of that name.
        var (dash, _, dashError) = _tool.Run("init", "-");
        Assert.Equal(2, dash);
        Assert.Contains("'-' (standard input for the other commands) is none", dashError);
        Assert.False(Directory.Exists(_tool.PathOf("-")));
    }

    /// <summary>
    /// init into a folder another collapsecheck is writing in (a verify there that hangs): it says it waits, and Ctrl+C
    /// ends the wait with no policy written. It used to wait its 60 s in silence.
    /// </summary>
    [CtrlCFact]
    public void Ctrl_C_while_init_waits_for_another_writer_stops_the_wait_and_writes_no_policy()
    {
        var target = _tool.PathOf("collapsecheck.json");
        using (new FileStream(_tool.PathOf(".collapsecheck-writing.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose))
        {
            var (said, exit, rest) = _tool.SignalAfter(["init", target], "waiting up to 60 s", "-INT", TimeSpan.Zero, exitWithin: TimeSpan.FromSeconds(20));
            Assert.Equal($"collapsecheck: another collapsecheck is writing to '{_tool.Folder}'; waiting up to 60 s for it to finish (Ctrl+C stops waiting)", said);
            Assert.Equal(130, exit);
            Assert.Contains("collapsecheck: cancelled while another writer held the folder; the policy was not written.", rest);
        }

        Assert.False(File.Exists(target));
        Assert.Equal(0, _tool.Run("init", target).Exit);
        Assert.True(File.Exists(target));
    }

    [Fact]
    public void The_console_says_when_the_real_text_was_measured_smaller_than_the_samples_as_the_markdown_does()
    {
        // 10 kB: about 1,000 held-out bytes against 1,500 sampled tokens per generation.
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 1).Replace("\"maxBytes\": 30000", "\"maxBytes\": 10000"));
        var (exit, stdout, stderr) = _tool.Run("run", policy, "--device", "cpu", "--cache", "off");
        Assert.True(exit is 0 or 1, stderr);

        var line = stdout.Split('\n').Single(l => l.StartsWith("real held-out text (", StringComparison.Ordinal));
        var caveat = line[(line.IndexOf('(') + 1)..line.IndexOf("): ", StringComparison.Ordinal)];
        Assert.StartsWith("all ", caveat);
        Assert.Contains($"| real | {caveat} |", File.ReadAllText(_tool.PathOf("collapsecheck-out/collapsecheck-report.md")));

        // The gate table's cells start under their headers.
        var lines = stdout.Split('\n');
        var header = lines.Single(l => l.StartsWith("gen  ppl ×gen0", StringComparison.Ordinal));
        var gateRow = lines[Array.IndexOf(lines, header) + 1];
        var cells = System.Text.RegularExpressions.Regex.Split(gateRow.Trim(), @"\s{2,}");
        Assert.Equal(header.IndexOf("entropy", StringComparison.Ordinal), gateRow.IndexOf(cells[2], StringComparison.Ordinal));
        Assert.Equal(header.IndexOf("diversity", StringComparison.Ordinal), gateRow.LastIndexOf(cells[3], StringComparison.Ordinal));

        // evaluation.heldOutTokens (2,000) did not bind: said, with the count the run then scores.
        var scored = System.Text.RegularExpressions.Regex.Match(stdout, @"(\d+) held-out tokens scored per generation").Groups[1].Value;
        Assert.Contains($"evaluation.heldOutTokens asks for 2000 tokens; the held-out split has {scored} to score, so all of them are", stderr);
    }

    [Fact]
    public void A_bare_run_beside_a_policy_does_not_replace_that_policys_reports()
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 1));
        Assert.InRange(_tool.Run("run", policy, "--device", "cpu").Exit, 0, 1);
        var report = _tool.PathOf("collapsecheck-out/collapsecheck-report.json");
        var before = File.ReadAllBytes(report);

        using var bare = _tool.StartProcess(_tool.Folder, "run", "--device", "cpu");
        var stderr = bare.StandardError.ReadToEnd();
        bare.WaitForExit();

        Assert.Equal(2, bare.ExitCode);
        Assert.Contains("holds the reports of collapsecheck.json, which the embedded default would replace; pass collapsecheck.json to run that policy, or -o DIR", stderr);
        Assert.Equal(before, File.ReadAllBytes(report));
    }

    /// <summary>Two policies given one -o (two projects, one CollapseCheckOutput) replace each other's reports: said, at each turn.</summary>
    [Fact]
    public void A_run_that_replaces_another_policys_reports_in_a_shared_output_folder_warns()
    {
        var first = _tool.Write("a/collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 1));
        var second = _tool.Write("b/collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 1));
        var shared = _tool.PathOf("shared-out");
        var warning = $"warning CC0034: '{shared}' held the reports of {first}, which this run replaced; give each policy its own output folder";

        var (exit, _, stderr) = _tool.Run("run", first, "-o", shared, "--device", "cpu");
        Assert.True(exit is 0 or 1, stderr);
        Assert.DoesNotContain("CC0034", stderr);

        (exit, _, stderr) = _tool.Run("run", second, "-o", shared, "--device", "cpu");
        Assert.True(exit is 0 or 1, stderr);
        Assert.Contains(warning, stderr);

        // Its own reports again, or a policy since moved away: nothing to say.
        (exit, _, stderr) = _tool.Run("run", second, "-o", shared, "--device", "cpu");
        Assert.True(exit is 0 or 1, stderr);
        Assert.DoesNotContain("CC0034", stderr);
        Assert.InRange(_tool.Run("run", first, "-o", shared, "--device", "cpu").Exit, 0, 1);

        // One policy linked into two projects is two policies: each project's reports belong beside its own link.
        Directory.CreateDirectory(_tool.PathOf("c"));
        var linked = _tool.PathOf("c/collapsecheck.json");
        File.CreateSymbolicLink(linked, first);
        (exit, _, stderr) = _tool.Run("run", linked, "-o", shared, "--device", "cpu");
        Assert.True(exit is 0 or 1, stderr);
        Assert.Contains(warning, stderr);

        Assert.InRange(_tool.Run("run", first, "-o", shared, "--device", "cpu").Exit, 0, 1);
        File.Move(first, _tool.PathOf("a/moved.json"));
        (exit, _, stderr) = _tool.Run("run", second, "-o", shared, "--device", "cpu");
        Assert.True(exit is 0 or 1, stderr);
        Assert.DoesNotContain("CC0034", stderr);
    }

    [Fact]
    public void Doctor_reports_the_native_setup()
    {
        var (exit, stdout, stderr) = _tool.Run("doctor");
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("libtorch:", stdout);
        Assert.Contains("native patch:", stdout);
        Assert.Contains("tensor check: ok", stdout);
        Assert.Matches(@"numerics:     cpu .+, fingerprint [0-9a-f]{16} \(", stdout);
    }

    /// <summary>
    /// A container with no home folder (HOME=/nonexistent) and no COLLAPSECHECK_CACHE: the run goes on, with the
    /// generation cache off (warning CC0032), the docs parsed afresh and, where the native patch is needed, a private
    /// copy that is gone once loaded. It used to stop with CC0030 before training.
    /// </summary>
    [LinuxFact]
    public void A_run_with_no_home_folder_warns_and_runs_without_the_user_cache()
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 1));
        var temp = Directory.CreateDirectory(_tool.PathOf("tmp")).FullName;
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var environment = new Dictionary<string, string>
        {
            ["HOME"] = "/nonexistent",
            ["XDG_CACHE_HOME"] = "",
            ["COLLAPSECHECK_CACHE"] = "",
            ["TMPDIR"] = temp,
            // Where the libtorch package is, as the tests' own process found it.
            ["NUGET_PACKAGES"] = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } packages ? packages : Path.Combine(home, ".nuget", "packages"),
        };

        var (exit, stdout, stderr) = _tool.RunProcess(_tool.Folder, environment, TimeSpan.FromMinutes(3), "run", policy, "--device", "cpu");
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("warning CC0032: the generation cache is off for this run: there is no home folder (HOME is '/nonexistent')", stderr);
        Assert.True(File.Exists(_tool.PathOf("collapsecheck-out/collapsecheck-report.json")));
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(_tool.PathOf("collapsecheck-out/collapsecheck-run.json")));
        var native = manifest.RootElement.GetProperty("native");
        Assert.True(File.Exists(native.GetProperty("libTorchSharpSource").GetString()), native.ToString());
        if (stderr.Contains("a copy with that need marked weak", StringComparison.Ordinal))
        {
            Assert.Contains("the copy was made for this run only, in a private temporary folder, since there is no home folder", stderr);

            // The manifest names no file that is gone, and says why there is none.
            Assert.Equal(JsonValueKind.Null, native.GetProperty("libTorchSharp").ValueKind);
            Assert.StartsWith("there is no home folder", native.GetProperty("privateCopyBecause").GetString());
        }

        // The private copy and its folder are gone.
        Assert.Empty(Directory.GetFileSystemEntries(temp));
    }

    /// <summary>COLLAPSECHECK_CACHE naming a file: said before training, as no home folder is; it used to be found after it, as "could not find a part of the path".</summary>
    [LinuxFact]
    public void A_cache_variable_naming_a_file_warns_before_training_and_runs_without_the_user_cache()
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 1));
        var file = _tool.Write("not-a-folder", "");
        var temp = Directory.CreateDirectory(_tool.PathOf("tmp")).FullName;
        var (exit, stdout, stderr) = _tool.RunProcess(_tool.Folder, new Dictionary<string, string> { ["COLLAPSECHECK_CACHE"] = file, ["TMPDIR"] = temp },
            TimeSpan.FromMinutes(3), "run", policy, "--device", "cpu");
        Assert.True(exit == 0, stdout + stderr);
        var warning = $"warning CC0032: the generation cache is off for this run: COLLAPSECHECK_CACHE is '{file}', a file, not a folder";
        Assert.Contains(warning, stderr);
        Assert.True(stderr.IndexOf(warning, StringComparison.Ordinal) < stderr.IndexOf("generation 0: train", StringComparison.Ordinal), stderr);
        Assert.Equal("", File.ReadAllText(file));
    }

    /// <summary>A user cache that cannot be written (read-only; here under /proc, which refuses even root): doctor still loads the library.</summary>
    [LinuxFact]
    public void A_user_cache_that_cannot_be_written_gets_a_private_native_copy_that_is_gone_once_loaded()
    {
        var temp = Directory.CreateDirectory(_tool.PathOf("tmp")).FullName;
        var (exit, stdout, stderr) = _tool.RunProcess(null, new Dictionary<string, string> { ["COLLAPSECHECK_CACHE"] = "/proc/collapsecheck-cache", ["TMPDIR"] = temp }, TimeSpan.FromMinutes(2), "doctor");
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("tensor check: ok", stdout);
        var native = stdout.Split('\n').Single(l => l.StartsWith("native patch:", StringComparison.Ordinal));
        if (native.StartsWith("native patch: applied", StringComparison.Ordinal))
        {
            Assert.Contains($"loaded {temp}/collapsecheck-native-", native);
            Assert.Contains("(a private copy for this process, removed once loaded: the user cache '/proc/collapsecheck-cache/native/", native);

            // With no usable temporary folder either: CC0030 naming it, not an internal error.
            var nowhere = _tool.RunProcess(null, new Dictionary<string, string> { ["COLLAPSECHECK_CACHE"] = "/proc/collapsecheck-cache", ["TMPDIR"] = "/proc/collapsecheck-tmp" }, TimeSpan.FromMinutes(2), "doctor");
            Assert.Equal(2, nowhere.Exit);
            Assert.Contains("error CC0030: cannot write to '/proc/collapsecheck-tmp/'", nowhere.Out + nowhere.Error);
            Assert.Contains("set TMPDIR to a writable folder", nowhere.Out + nowhere.Error);
            Assert.DoesNotContain("CC0099", nowhere.Out + nowhere.Error);
        }

        Assert.Empty(Directory.GetFileSystemEntries(temp));
    }

    /// <summary>The executable keeps freed buffers in glibc's heap (the speed-up README Performance measures) unless the environment sets the allocator.</summary>
    [LinuxFact]
    public void Doctor_as_a_process_says_what_the_allocator_does_with_freed_buffers()
    {
        Assert.Contains("allocator:    freed buffers up to 32 MB stay in the heap (glibc mapping threshold 32 MB, trim threshold 256 MB)", Doctor(new Dictionary<string, string>()));
        Assert.Contains("allocator:    as the environment sets it (MALLOC_*_ or GLIBC_TUNABLES); collapsecheck leaves it",
            Doctor(new Dictionary<string, string> { ["MALLOC_TRIM_THRESHOLD_"] = "1048576" }));

        string Doctor(Dictionary<string, string> environment)
        {
            var (exit, stdout, stderr) = _tool.RunProcess(null, environment, TimeSpan.FromMinutes(2), "doctor");
            Assert.True(exit == 0, stdout + stderr);
            return stdout;
        }
    }
}
