using System.Diagnostics;
using CollapseCheck.Corpus;
using CollapseCheck.Lineage;
using CollapseCheck.Native;
using CollapseCheck.Policy;
using CollapseCheck.Reporting;
using CollapseCheck.Training;

namespace CollapseCheck.Running;

/// <param name="PolicyPath">collapsecheck.json, or null for the embedded default.</param>
/// <param name="OutputFolder">Where reports go; null: collapsecheck-out beside the policy (or in the current folder).</param>
public sealed record RunOptions(string? PolicyPath, string? OutputFolder, string Device = "auto", int? Seed = null, string? LibTorch = null);

public sealed record RunOutcome(LineagePolicyFile Policy, LineageReport Report, RunManifest Manifest, string OutputFolder, IReadOnlyList<string> Files);

/// <summary>`collapsecheck run`: policy → corpus → lineage → reports. Nothing is written unless everything before succeeded.</summary>
public static class RunJob
{
    public const string ReportFile = "collapsecheck-report.json";
    public const string ManifestFile = "collapsecheck-run.json";

    public static LineagePolicyFile LoadPolicy(string? path) => path is null ? PolicyLoader.Default : PolicyLoader.Load(path);

    public static string DefaultOutputFolder(string? policyPath) =>
        Path.Combine(policyPath is null ? Directory.GetCurrentDirectory() : Path.GetDirectoryName(Path.GetFullPath(policyPath))!, "collapsecheck-out");

    public static RunOutcome Execute(RunOptions options, ILineageProgress? progress = null, CancellationToken cancellation = default)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var policy = LoadPolicy(options.PolicyPath);
        var baseFolder = options.PolicyPath is null ? Directory.GetCurrentDirectory() : Path.GetDirectoryName(Path.GetFullPath(options.PolicyPath))!;
        var corpus = PreparedCorpus.Prepare(policy, CorpusLoader.Load(policy.Corpus, baseFolder, policy));

        var device = ComputeDevice.Resolve(options.Device, options.LibTorch);
        var seed = options.Seed ?? policy.Training.Seed;
        var result = new LineageRunner(policy, corpus, device, progress).Run(seed, cancellation);
        cancellation.ThrowIfCancellationRequested();

        var report = ReportBuilder.Build(policy, result);
        var manifest = RunManifest.Create(started, clock.Elapsed.TotalSeconds, options.PolicyPath, result, TorchNative.Current, TorchSharp.torch.get_num_threads());
        var folder = Path.GetFullPath(options.OutputFolder ?? DefaultOutputFolder(options.PolicyPath));
        AtomicFile.WriteAll(folder, [(ReportFile, ReportJson.Serialize(report)), (ManifestFile, ReportJson.Serialize(manifest))]);
        return new RunOutcome(policy, report, manifest, folder, [Path.Combine(folder, ReportFile), Path.Combine(folder, ManifestFile)]);
    }
}
