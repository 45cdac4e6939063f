using System.Text.Json.Nodes;
using CollapseCheck.Diagnostics;
using CollapseCheck.Policy;
using CollapseCheck.Reporting;
using CollapseCheck.Snapshots;

namespace CollapseCheck.Tool.Tests;

/// <summary>The snapshot workflow end to end, on real tiny lineages.</summary>
public class VerifyTests : IDisposable
{
    private readonly ToolRunner _tool = new();

    public void Dispose() => _tool.Dispose();

    [Fact]
    public void Run_accept_verify_then_a_changed_mode_is_caught_and_accepted()
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(mode: "accumulate"));
        Assert.Equal(0, _tool.Run("run", policy, "--device", "cpu").Exit);

        // No snapshot yet: exit 1, the received files are written, and the message says how to accept.
        var (missing, _, missingError) = _tool.Run("verify", policy);
        Assert.Equal(1, missing);
        Assert.Contains("error CC2002:", missingError);
        Assert.Contains("collapsecheck accept", missingError);
        Assert.True(File.Exists(_tool.PathOf("collapsecheck-report.received.json")));
        Assert.True(File.Exists(_tool.PathOf("collapsecheck-report.received.md")));

        Assert.Equal(0, _tool.Run("accept", policy).Exit);
        Assert.True(File.Exists(_tool.PathOf("collapsecheck-report.verified.json")));
        Assert.False(File.Exists(_tool.PathOf("collapsecheck-report.received.json")));

        // A second run of the same policy verifies.
        Assert.Equal(0, _tool.Run("run", policy, "--device", "cpu").Exit);
        var (same, sameOut, _) = _tool.Run("verify", policy);
        Assert.Equal(0, same);
        Assert.Contains("Verified", sameOut);

        // Changing the mode changes the report: verify fails, writes received files and shows the diff.
        _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(mode: "accumulate-subsample"));
        Assert.Equal(0, _tool.Run("run", policy, "--device", "cpu").Exit);
        var (changed, changedOut, changedError) = _tool.Run("verify", policy);
        Assert.Equal(1, changed);
        Assert.Contains("error CC2001:", changedError);
        // Located at the changed field in the policy, which the pull request changed, where a CI annotation then lands.
        Assert.Contains($"{PolicyLoader.Load(policy).Locations["lineage.mode"]}: error CC2001:", changedError);
        Assert.Contains("policy.lineage.mode: \"accumulate\" (verified) → \"accumulate-subsample\" (received)", changedOut);
        Assert.Contains("+ Policy: mode `accumulate-subsample`", changedOut);
        Assert.Contains("- Policy: mode `accumulate`", changedOut);
        Assert.True(File.Exists(_tool.PathOf("collapsecheck-report.received.md")));

        Assert.Equal(0, _tool.Run("accept", policy).Exit);
        Assert.Equal(0, _tool.Run("verify", policy).Exit);
    }

    [Fact]
    public void Run_with_verify_does_both_and_accept_without_received_files_says_so()
    {
        var policy = _tool.Write("tiny.json", TinyPolicies.OnDotnetDocs(mode: "accumulate", generations: 1));
        var (exit, _, error) = _tool.Run("run", policy, "--device", "cpu", "--verify");
        Assert.Equal(1, exit);
        Assert.Contains("tiny.collapsecheck-report.verified.json", error);
        // The advice works as typed: a bare 'accept' would look for collapsecheck.json's received files.
        // The path is quoted as the shell needs (a temp folder may hold a space); CommandAdviceTests checks the quoting.
        Assert.Contains($"run {Errors.Command("accept", policy)} ({Errors.Command("accept", policy, local: true)} for a local tool)", error);
        Assert.Equal(0, _tool.Run("accept", policy).Exit);
        Assert.Equal(0, _tool.Run("run", policy, "--device", "cpu", "--verify").Exit);

        var (again, _, againError) = _tool.Run("accept", policy);
        Assert.Equal(1, again);
        Assert.Contains("error CC2003:", againError);
    }

    [Fact]
    public void A_report_made_before_the_policy_changed_is_stale_not_verified()
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 1));
        Assert.Equal(0, _tool.Run("run", policy, "--device", "cpu").Exit);
        Assert.Equal(1, _tool.Run("verify", policy).Exit);
        Assert.Equal(0, _tool.Run("accept", policy).Exit);

        _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 1).Replace("\"steps\": 25", "\"steps\": 30"));
        var (exit, _, error) = _tool.Run("verify", policy);
        Assert.Equal(1, exit);
        Assert.Contains("collapsecheck.json(6,17): error CC2005:", error);
        Assert.Contains($"training.steps is 25 there and 30 here; run {Errors.Command("run", policy)} again", error);
        Assert.DoesNotContain("--verify --", error);
        Assert.False(File.Exists(_tool.PathOf("collapsecheck-report.received.json")), "a stale report must not become a received snapshot");

        // The verify section says how to compare, not what was run: loosening it needs no new run.
        _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 1).Replace("\"evaluation\"", "\"verify\": { \"tolerance\": 0.001 },\n  \"evaluation\""));
        var (loosened, _, loosenedError) = _tool.Run("verify", policy);
        Assert.Equal(0, loosened);
        Assert.DoesNotContain("CC2005", loosenedError);

        // A list item is located at the item.
        _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 1).Replace("[\"builtin:dotnet-docs\"]", "[\"builtin:dotnet-docs\", \"more/*.txt\"]"));
        var (listed, _, listedError) = _tool.Run("verify", policy);
        Assert.Equal(1, listed);
        Assert.Contains("collapsecheck.json(3,50): error CC2005: ", listedError);
        Assert.Contains("corpus.include[1] is (absent) there and \"more/*.txt\" here", listedError);

        // A --seed run is another policy's report too, and the message says which option made it.
        _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 1));
        Assert.Equal(0, _tool.Run("run", policy, "--device", "cpu", "--seed", "4").Exit);
        var (reseeded, _, reseededError) = _tool.Run("verify", policy);
        Assert.Equal(1, reseeded);
        Assert.Contains("error CC2005:", reseededError);
        Assert.Contains($"training.seed is 4 there and 3 here; run {Errors.Command("run", policy)} again (or, to check a run made with --seed 4, {Errors.Command("run", policy, extra: "--verify --seed 4")})", reseededError);

        // A run --verify with an override checks against the policy it ran with, not the file's.
        _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 1));
        var (again, _, againError) = _tool.Run("run", policy, "--device", "cpu", "--tolerance", "0.5", "--verify");
        Assert.Equal(1, again);
        Assert.Contains("error CC2001:", againError);
        Assert.DoesNotContain("CC2005", againError);
    }

    [Fact]
    public void Verify_without_a_report_says_to_run_first()
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs());
        var (exit, _, error) = _tool.Run("verify", policy);
        Assert.Equal(1, exit);
        Assert.Contains("error CC2004:", error);
    }

    [Theory]
    [InlineData("{\n  \"schemaVersion\": 1,\n  \"policy\": {", 3, 14)]
    [InlineData("{}", 1, 1)]
    [InlineData("{ \"policy\": 5 }", 1, 1)]
    public void A_report_that_is_not_json_is_located_not_an_internal_error(string text, int line, int column)
    {
        var policy = WithMinimalReportAndSnapshot();
        _tool.Write("collapsecheck-out/collapsecheck-report.json", text);
        var (exit, _, error) = _tool.Run("verify", policy);
        Assert.Equal(2, exit);
        Assert.Contains($"collapsecheck-report.json({line},{column}): error CC0031: not a valid report or snapshot", error);
        Assert.DoesNotContain("CC0099", error);
    }

    /// <summary>A merge conflict in the committed snapshot: accept must still be the way out, so the received files are written.</summary>
    [Theory]
    [InlineData("{\n  \"a\": 1,\n<<<<<<< HEAD\n", 3, 1)]
    [InlineData("[]", 1, 1)]
    [InlineData("null", 1, 1)]
    [InlineData("{ \"policy\": {},\n  \"a\": 1,\n  \"a\": 2 }", 3, 3)]
    public void A_snapshot_that_is_not_a_report_is_located_and_accept_replaces_it(string text, int line, int column)
    {
        var policy = WithMinimalReportAndSnapshot();
        _tool.Write("collapsecheck-report.verified.json", text);
        var (exit, _, error) = _tool.Run("verify", policy);
        Assert.Equal(1, exit);
        Assert.Contains($"collapsecheck-report.verified.json({line},{column}): error CC2006: the verified snapshot is not a report", error);
        Assert.Contains("collapsecheck accept", error);
        Assert.True(File.Exists(_tool.PathOf("collapsecheck-report.received.json")));

        Assert.Equal(0, _tool.Run("accept", policy).Exit);
        Assert.Equal(0, _tool.Run("verify", policy).Exit);
    }

    [Fact]
    public void Crlf_snapshots_verify_and_a_hand_edit_of_the_markdown_is_still_caught()
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 1));
        Assert.Equal(0, _tool.Run("run", policy, "--device", "cpu").Exit);
        Assert.Equal(1, _tool.Run("verify", policy).Exit); // no snapshot yet: the received files are written
        Assert.Equal(0, _tool.Run("accept", policy).Exit);
        var json = _tool.PathOf("collapsecheck-report.verified.json");
        var markdown = _tool.PathOf("collapsecheck-report.verified.md");

        // What a Windows checkout without '*.verified.* text eol=lf' holds, and an editor that drops the last newline.
        File.WriteAllText(json, File.ReadAllText(json).Replace("\n", "\r\n"));
        File.WriteAllText(markdown, File.ReadAllText(markdown).Replace("\n", "\r\n").TrimEnd());
        var (exit, _, error) = _tool.Run("verify", policy);
        Assert.True(exit == 0, error);

        File.WriteAllText(markdown, File.ReadAllText(markdown).Replace("**Verdict: ", "**Verdict (hand edit): "));
        var (edited, editedOut, editedError) = _tool.Run("verify", policy);
        Assert.Equal(1, edited);
        Assert.Contains("error CC2001:", editedError);
        Assert.Contains("the Markdown report differs", editedError);
        Assert.Contains("- **Verdict (hand edit): ", editedOut);
    }

    [Fact]
    public void Two_policies_in_one_folder_keep_their_own_reports_and_verify_each()
    {
        var a = _tool.Write("a.json", TinyPolicies.OnDotnetDocs(mode: "accumulate", generations: 1));
        var b = _tool.Write("b.json", TinyPolicies.OnDotnetDocs(mode: "replace", generations: 1));
        Assert.Equal(1, _tool.Run("run", a, "--device", "cpu", "--verify").Exit); // no snapshot yet
        Assert.Equal(0, _tool.Run("accept", a).Exit);
        _tool.Run("run", b, "--device", "cpu");

        Assert.True(File.Exists(_tool.PathOf("a.collapsecheck-out/collapsecheck-report.json")));
        Assert.True(File.Exists(_tool.PathOf("b.collapsecheck-out/collapsecheck-report.json")));
        var (exit, _, error) = _tool.Run("verify", a);
        Assert.True(exit == 0, error);
    }

    [Fact]
    public void Loosening_the_verify_tolerance_needs_no_accept_with_either_command()
    {
        var text = TinyPolicies.OnDotnetDocs(generations: 1);
        var policy = WithAcceptedSnapshot(text);

        _tool.Write("collapsecheck.json", text.Replace("\"evaluation\"", "\"verify\": { \"tolerance\": 0.001 },\n  \"evaluation\""));
        var (verify, _, verifyError) = _tool.Run("verify", policy);
        Assert.True(verify == 0, verifyError);
        var (rerun, rerunOut, rerunError) = _tool.Run("run", policy, "--device", "cpu", "--verify");
        Assert.True(rerun == 0, rerunOut + rerunError);
    }

    [Fact]
    public void A_snapshot_from_other_numerics_is_compared_exactly_but_for_its_measured_values()
    {
        var text = TinyPolicies.OnDotnetDocs(generations: 1);
        var policy = WithAcceptedSnapshot(text);
        var verified = _tool.PathOf("collapsecheck-report.verified.json");
        var snapshot = JsonNode.Parse(File.ReadAllText(verified))!;
        var fingerprint = snapshot["numerics"]!["fingerprint"]!.GetValue<string>();
        Assert.Matches("^[0-9a-f]{16}$", fingerprint);
        Assert.StartsWith("cpu ", snapshot["numerics"]!["machine"]!.GetValue<string>());

        // What a run on another CPU leaves: other numerics, and measured values, the synthetic share among them, drifted.
        void Snapshot(Action<JsonNode> edit)
        {
            var copy = snapshot.DeepClone();
            edit(copy);
            File.WriteAllText(verified, copy.ToJsonString());
        }

        static void Drifted(JsonNode r)
        {
            r["generations"]![1]!["heldOut"]!["perplexity"] = 99.5;
            r["generations"]![1]!["trainingSet"]!["sources"]!["synthetic@1"] = 1234;
        }

        // Another processor, the same libtorch and threads.
        var machine = snapshot["numerics"]!["machine"]!.GetValue<string>();
        var processor = machine.Split("; ")[0];
        void Foreign(JsonNode r) => r["numerics"] = new JsonObject
        {
            ["machine"] = machine.Replace(processor, "cpu x64 Other CPU (AVX2)"),
            ["fingerprint"] = "0123456789abcdef",
        };

        Snapshot(r =>
        {
            Drifted(r);
            Foreign(r);
        });
        File.Delete(_tool.PathOf("collapsecheck-report.received.json"));
        var summary = _tool.PathOf("summary.md");
        _tool.Environment = new Dictionary<string, string> { ["GITHUB_ACTIONS"] = "true", ["GITHUB_WORKSPACE"] = _tool.Folder, ["GITHUB_STEP_SUMMARY"] = summary }.GetValueOrDefault;
        var (exit, output, error) = _tool.Run("verify", policy);
        _tool.Environment = _ => null;
        Assert.StartsWith("**Snapshot: verified** apart from its measured values against `collapsecheck-report.verified.json`. Numerics differ: ", File.ReadAllText(summary));
        Assert.True(exit == 0, output + error);
        // What differs comes first, not at the end of two long descriptions.
        Assert.Contains($"Numerics differ: the snapshot's cpu x64 Other CPU (AVX2) (0123456789abcdef) against this run's {processor} ({fingerprint}).", output);
        Assert.Contains("measured values were not compared", output);
        Assert.Contains("Verified: the report matches", output);
        Assert.Contains("apart from its measured values", output);
        // In GitHub Actions a notice on the snapshot, which passes the job but shows in the pull request.
        Assert.Contains("::notice file=collapsecheck-report.verified.json,title=CC2007::Numerics differ: ", output);
        // This run's numbers are left for accept, to make the snapshot where the comparison can be exact.
        Assert.True(File.Exists(_tool.PathOf("collapsecheck-report.received.json")));

        // Everything else still must match.
        Snapshot(r =>
        {
            Drifted(r);
            Foreign(r);
            r["model"]!["parameters"] = 1;
        });
        var (changed, changedOut, changedError) = _tool.Run("verify", policy);
        Assert.Equal(1, changed);
        Assert.Contains("1 field(s) differ (the snapshot has other numerics, so measured numbers were not compared", changedError);
        // Anything but a policy field is located at its line in the snapshot (here all one line).
        var written = File.ReadAllText(verified);
        Assert.Contains($"collapsecheck-report.verified.json(1,{written.IndexOf("\"parameters\"", written.IndexOf("\"model\"", StringComparison.Ordinal), StringComparison.Ordinal) + 1}): error CC2001:", changedError);
        Assert.Contains("model.parameters: 1 (verified)", changedOut);

        // otherMachineTolerance compares the headline ones loosely, and leaves counts that swing with the sample alone.
        Snapshot(r =>
        {
            Drifted(r);
            Foreign(r);
        });
        _tool.Write("collapsecheck.json", text.Replace("\"evaluation\"", "\"verify\": { \"otherMachineTolerance\": 0.05 },\n  \"evaluation\""));
        var (loose, looseOut, looseError) = _tool.Run("verify", policy);
        Assert.Equal(1, loose);
        Assert.Contains("headline measured numbers may differ by a relative 0.05 (verify.otherMachineTolerance)", looseError);
        Assert.Contains("generations.1 (generation 1).heldOut.perplexity: 99.5 (verified)", looseOut);
        Assert.DoesNotContain("synthetic@1", looseOut);

        // Every headline value is among them: bits per byte, and the ratio a gate check measured.
        Snapshot(r =>
        {
            Foreign(r);
            r["generations"]![1]!["heldOut"]!["bitsPerByte"] = 99.5;
            r["gate"]!["checks"]![0]!["measured"] = 99.5;
        });
        var (headline, headlineOut, _) = _tool.Run("verify", policy);
        Assert.Equal(1, headline);
        Assert.Contains("heldOut.bitsPerByte: 99.5 (verified)", headlineOut);
        Assert.Contains("gate.checks.0 (generation 1, held-out perplexity ×gen0).measured: 99.5 (verified)", headlineOut);

        // The same numerics compare every measured value within verify.tolerance.
        _tool.Write("collapsecheck.json", text);
        Snapshot(Drifted);
        var (same, sameOut, sameError) = _tool.Run("verify", policy);
        Assert.Equal(1, same);
        Assert.Contains("2 field(s) differ (measured numbers may differ by a relative 1E-05, other fields not at all)", sameError);
        Assert.DoesNotContain("Numerics differ", sameOut);

        // A snapshot made before reports recorded numerics is another machine's to a report that records them...
        Snapshot(r => r.AsObject().Remove("numerics"));
        var (earlier, earlierOut, earlierError) = _tool.Run("verify", policy);
        Assert.True(earlier == 0, earlierOut + earlierError);
        Assert.Contains("the snapshot's are not recorded (an earlier version made it)", earlierOut);

        // ...and compared exactly with one that does not either, as both versions compared them.
        var report = _tool.PathOf("collapsecheck-out/collapsecheck-report.json");
        var received = JsonNode.Parse(File.ReadAllText(report))!.AsObject();
        received.Remove("numerics");
        File.WriteAllText(report, received.ToJsonString());
        Snapshot(r =>
        {
            Drifted(r);
            r.AsObject().Remove("numerics");
        });
        Assert.Equal(1, _tool.Run("verify", policy).Exit);

        // CUDA: never bit for bit, nothing to accept for it.
        received["device"] = "cuda";
        File.WriteAllText(report, received.ToJsonString());
        File.Delete(_tool.PathOf("collapsecheck-report.received.json"));
        var (cuda, cudaOut, cudaError) = _tool.Run("verify", policy);
        Assert.True(cuda == 0, cudaOut + cudaError);
        Assert.Contains("This run is on CUDA, whose numbers do not repeat bit for bit, so measured values were not compared", cudaOut);
        Assert.DoesNotContain("accept", cudaOut);
        Assert.False(File.Exists(_tool.PathOf("collapsecheck-report.received.json")));

        // A CPU run against a CUDA snapshot: this run's numbers repeat, so they are offered as the snapshot.
        received["device"] = "cpu";
        File.WriteAllText(report, received.ToJsonString());
        Snapshot(r => r["device"] = "cuda");
        var (fromCuda, fromCudaOut, fromCudaError) = _tool.Run("verify", policy);
        Assert.True(fromCuda == 0, fromCudaOut + fromCudaError);
        Assert.Contains("The snapshot comes from CUDA, whose numbers do not repeat bit for bit", fromCudaOut);
        Assert.Contains("collapsecheck accept", fromCudaOut);
        Assert.True(File.Exists(_tool.PathOf("collapsecheck-report.received.json")));
    }

    [Fact]
    public void Accept_names_the_options_a_report_was_made_with_and_refuses_one_of_an_earlier_policy()
    {
        var text = TinyPolicies.OnDotnetDocs(generations: 1);
        var policy = _tool.Write("collapsecheck.json", text);
        Assert.Equal(1, _tool.Run("run", policy, "--device", "cpu", "--seed", "5", "--verify").Exit); // no snapshot yet
        var (accepted, acceptedOut, _) = _tool.Run("accept", policy);
        Assert.Equal(0, accepted);
        Assert.Contains($"Note: it was made with --seed 5, which the policy file does not say, so only runs given the same match it: {Errors.Command("run", policy, extra: "--verify --seed 5")}", acceptedOut);
        Assert.Equal(0, _tool.Run("run", policy, "--device", "cpu", "--seed", "5", "--verify").Exit);

        // Received files of the policy as it was before an edit: no run of the file reproduces them.
        _tool.Write("collapsecheck.json", text.Replace("\"steps\": 25", "\"steps\": 26"));
        Assert.Equal(1, _tool.Run("run", policy, "--device", "cpu", "--seed", "5", "--verify").Exit);
        _tool.Write("collapsecheck.json", text);
        var (exit, _, error) = _tool.Run("accept", policy);
        Assert.Equal(1, exit);
        Assert.Contains("error CC2005:", error);
        Assert.Contains("training.steps is 26 there and 25 here", error);
        Assert.True(File.Exists(_tool.PathOf("collapsecheck-report.received.json")));
    }

    [Fact]
    public async Task Other_kernels_change_measured_values_only_and_verify_says_the_numerics_differ()
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 2));
        Assert.Equal(1, _tool.Run("run", policy, "--device", "cpu", "--verify").Exit); // no snapshot yet
        Assert.Equal(0, _tool.Run("accept", policy).Exit);

        // ATen's and MKL's baseline kernels, which every x86-64 CPU has, instead of this CPU's widest: the way a run
        // on another processor differs, on this one.
        var kernels = new Dictionary<string, string> { ["ATEN_CPU_CAPABILITY"] = "default", ["MKL_ENABLE_INSTRUCTIONS"] = "SSE4_2" };
        using var process = _tool.StartProcess(_tool.Folder, kernels, "run", policy, "--device", "cpu", "--cache", "off", "--verify");
        var reading = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
        await process.WaitForExitAsync();
        var (output, error) = ((await reading)[0], (await reading)[1]);
        Assert.True(process.ExitCode == 0, output + error);
        Assert.Contains("Numerics differ:", output);
        Assert.Contains("ATEN_CPU_CAPABILITY=default, MKL_ENABLE_INSTRUCTIONS=SSE4_2 (", output);

        // Not a formality: compared exactly, the reports differ, and only in fields the report lists as measured.
        var differences = ReportComparer.Compare(
            File.ReadAllText(_tool.PathOf("collapsecheck-report.verified.json")),
            File.ReadAllText(_tool.PathOf("collapsecheck-report.received.json")),
            ReportBuilder.MeasuredFields, 0, ["numerics"]);
        Assert.NotEmpty(differences);
        Assert.All(differences, d => Assert.True(ReportBuilder.MeasuredFields.Any(p => ReportComparer.Matches(p, d.Path.Split('.'))), d.Path));
    }

    /// <summary>collapsecheck.json holding <paramref name="text"/>, run, and its report accepted as the snapshot.</summary>
    private string WithAcceptedSnapshot(string text)
    {
        var policy = _tool.Write("collapsecheck.json", text);
        Assert.Equal(1, _tool.Run("run", policy, "--device", "cpu", "--verify").Exit); // no snapshot yet
        Assert.Equal(0, _tool.Run("accept", policy).Exit);
        return policy;
    }

    /// <summary>The smallest report verify reads past, as report and snapshot: valid JSON echoing this very policy.</summary>
    private string WithMinimalReportAndSnapshot()
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs());
        var echo = ReportJson.Serialize(ReportBuilder.Echo(PolicyLoader.Load(policy)));
        _tool.Write("collapsecheck-out/collapsecheck-report.json", $"{{ \"policy\": {echo} }}");
        _tool.Write("collapsecheck-report.verified.json", $"{{ \"policy\": {echo} }}");
        return policy;
    }
}
