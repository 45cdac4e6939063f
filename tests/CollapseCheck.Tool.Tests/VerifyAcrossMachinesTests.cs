using System.Text.Json.Nodes;
using CollapseCheck.Reporting;
using CollapseCheck.Snapshots;

namespace CollapseCheck.Tool.Tests;

/// <summary>Snapshots made on another kind of machine (processor, kernels, CUDA): what verify compares and says.</summary>
public class VerifyAcrossMachinesTests : IDisposable
{
    private readonly ToolRunner _tool = new();

    public void Dispose() => _tool.Dispose();

    [Fact]
    public void A_snapshot_from_other_numerics_is_compared_exactly_but_for_its_measured_values()
    {
        var text = TinyPolicies.OnDotnetDocs(generations: 1);
        var policy = _tool.WithAcceptedSnapshot(text);
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
        // At the snapshot's fingerprint, the field that made the comparison loose.
        var fingerprintLine = File.ReadAllLines(_tool.PathOf("collapsecheck-report.verified.json")).ToList().FindIndex(l => l.Contains("\"0123456789abcdef\"", StringComparison.Ordinal)) + 1;
        Assert.Contains($"::notice file=collapsecheck-report.verified.json,line={fingerprintLine},col=", output);
        Assert.Contains(",title=CC2007::Numerics differ: ", output);
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
        Assert.Contains("2 field(s) differ (measured numbers may differ by a relative 0.00001, other fields not at all)", sameError);
        Assert.DoesNotContain("Numerics differ", sameOut);

        // Every schema-2 report records its numerics: a snapshot of that schema without them, or with them mangled, was
        // edited (a hand merge), and would compare no measured value and pass a drift; it fails, at the field, and accept mends it.
        var numericsMessage = "error CC2001: the report differs from the verified snapshot: its numerics (numerics.machine and numerics.fingerprint, "
            + "strings that decide how measured values compare) are missing or not in shape, though every schema-2 report records them";
        Snapshot(r =>
        {
            Drifted(r);
            r.AsObject().Remove("numerics");
        });
        var (dropped, droppedOut, droppedError) = _tool.Run("verify", policy);
        Assert.True(dropped == 1, droppedOut + droppedError);
        Assert.Contains(numericsMessage, droppedError);
        Assert.Contains("the snapshot's are not recorded (an earlier version made it, or the field was edited)", droppedOut);
        Snapshot(r => r["numerics"]!["fingerprint"] = 7);
        var (mangled, _, mangledError) = _tool.Run("verify", policy);
        Assert.Equal(1, mangled);
        var mangledAt = File.ReadAllText(verified).IndexOf("\"numerics\"", StringComparison.Ordinal) + 1;
        Assert.Contains($"collapsecheck-report.verified.json(1,{mangledAt}): {numericsMessage}", mangledError);
        Assert.Equal(0, _tool.Run("accept", policy).Exit);
        Assert.Equal(0, _tool.Run("verify", policy).Exit);

        // Reports that both lack them (before schema 2) are compared exactly, as both versions compared them.
        var report = _tool.PathOf("collapsecheck-out/collapsecheck-report.json");
        var received = JsonNode.Parse(File.ReadAllText(report))!.AsObject();
        received.Remove("numerics");
        received["schemaVersion"] = 1;
        File.WriteAllText(report, received.ToJsonString());
        Snapshot(r =>
        {
            Drifted(r);
            r.AsObject().Remove("numerics");
            r["schemaVersion"] = 1;
        });
        var (bothEarlier, _, bothEarlierError) = _tool.Run("verify", policy);
        Assert.Equal(1, bothEarlier);
        Assert.Contains("2 field(s) differ (measured numbers may differ by a relative 0.00001, other fields not at all)", bothEarlierError);
        Assert.DoesNotContain("numerics", bothEarlierError);

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
        received["schemaVersion"] = ReportBuilder.SchemaVersion;
        File.WriteAllText(report, received.ToJsonString());
        Snapshot(r => r["device"] = "cuda");
        var (fromCuda, fromCudaOut, fromCudaError) = _tool.Run("verify", policy);
        Assert.True(fromCuda == 0, fromCudaOut + fromCudaError);
        Assert.Contains("The snapshot comes from CUDA, whose numbers do not repeat bit for bit", fromCudaOut);
        Assert.Contains("collapsecheck accept", fromCudaOut);
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
}
