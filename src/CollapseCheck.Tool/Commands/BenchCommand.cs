using System.CommandLine;
using System.Globalization;
using CollapseCheck.Benchmarks;
using CollapseCheck.Reporting;
using CollapseCheck.Training;

namespace CollapseCheck.Tool.Commands;

internal static class BenchCommand
{
    public static Command Create(ToolOutput output)
    {
        var device = CommonOptions.Device();
        var libTorch = CommonOptions.LibTorch();
        var json = new Option<bool>("--json") { Description = "Print the results as JSON on stdout." };
        var seconds = CommonOptions.Number("--seconds", "Time budget per measured phase of the model sizes, up to 3600; each phase still runs a few steps or passes at least, which take minutes for the 3.5M model on a small CPU (the lineage runs once, whatever it takes).",
            given => given is > 0 and <= 3600 ? null : $"--seconds must be above 0 and at most 3600 (an hour per phase), but is {Numbers.Plain(given)}");
        seconds.DefaultValueFactory = _ => 3.0;
        // Above a million TFLOP/s no utilisation is worth printing, and past 1.8e296 the peak in FLOP/s is infinity.
        var peak = CommonOptions.Number("--peak-tflops", "The device's peak TFLOP/s for the precision in use; adds model FLOPs utilisation (e.g. 67 for an H100 SXM in fp32).",
            given => given is > 0 and <= MostPeakTflops ? null : $"--peak-tflops must be above 0 and at most {MostPeakTflops:0} (TFLOP/s), but is {Numbers.Plain(given)}");
        var noLineage = new Option<bool>("--no-lineage") { Description = "Skip timing the default policy's lineage." };
        var precision = new Option<string>("--precision")
        {
            Description = "fp32, or bf16 (mixed precision, as training.precision: bf16).",
            DefaultValueFactory = _ => "fp32",
        };
        var models = new Option<string>("--model")
        {
            Description = $"Which model sizes: all, or one of {string.Join(", ", ModelBenchmark.Cases.Select(c => c.Key))}.",
            DefaultValueFactory = _ => "all",
        };
        // Checked while parsing, so every bad value is named in one go, as the parser's own errors are.
        CommonOptions.OneOf(precision, ["fp32", "bf16"]);
        models.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string>() is { } value && Selected(value).Length == 0)
            {
                r.AddError($"--model must be all or one of {string.Join(", ", ModelBenchmark.Cases.Select(c => c.Key))}, but is '{value}'");
            }
        });
        var command = new Command("bench", "Training, evaluation and sampling speed of the default model and a 3.5M-parameter one, and the default lineage's time by phase.")
        {
            device, libTorch, json, seconds, peak, noLineage, models, precision,
        };
        command.SetAction(parsed =>
        {
            using var signals = SignalCancellation.Announced(output.Error, "bench");
            var selected = Selected(parsed.GetValue(models)!);
            var secondsPerPhase = parsed.GetValue(seconds) ?? 3.0;
            var computeType = Modeling.Gpt.ComputeTypeFor(parsed.GetValue(precision));
            var torchDevice = ComputeDevice.Resolve(parsed.GetValue(device)!, parsed.GetValue(libTorch));
            var results = selected.Select(c =>
            {
                output.Error.WriteLine($"collapsecheck: benchmarking the {c.Name}…");
                return ModelBenchmark.Run(c, torchDevice, secondsPerPhase, computeType, phase => output.Error.WriteLine($"collapsecheck:   {phase}…"));
            }).ToList();
            LineageBenchResult? lineage = null;
            string? lineageSkipped = parsed.GetValue(noLineage) ? "--no-lineage" : null;
            if (lineageSkipped is null)
            {
                output.Error.WriteLine("collapsecheck: timing the default policy's lineage (no generation cache)…");
                try
                {
                    lineage = LineageBenchmark.Run(torchDevice, parsed.GetValue(precision)!);
                }
                catch (Diagnostics.CollapseCheckException e)
                {
                    // A machine without the SDK's reference docs (a bare runtime on a GPU box) still gets the model figures.
                    lineageSkipped = e.Message;
                    output.Error.WriteLine($"collapsecheck: the default lineage was not timed: {e.Message}");
                }
            }

            var peakFlops = parsed.GetValue(peak) * 1e12;
            var threads = TorchSharp.torch.get_num_threads();
            if (parsed.GetValue(json))
            {
                var utilisation = results.Select(r => peakFlops is { } p ? r.TrainFlopsPerSecond / p : (double?)null).ToList();
                output.Out.Write(ReportJson.Serialize(new { schemaVersion = 3, threads, shards = ComputeDevice.CpuShards, allocator = Native.NativeHeap.Status, precision = parsed.GetValue(precision), peakFlopsPerSecond = peakFlops, results, trainModelFlopsUtilisation = utilisation, lineage, lineageSkipped }));
                return 0;
            }

            var c = CultureInfo.InvariantCulture;
            output.Out.WriteLine($"device {results[0].Device}, {parsed.GetValue(precision)}, {threads} intra-op thread{(threads == 1 ? "" : "s")} × {ComputeDevice.CpuShards} shards on CPU; tokens/s, higher is better; ms, lower is better");
            // The allocator moves evaluation's figure by about 1.8× on a 2-core VM (README Performance).
            output.Out.WriteLine($"allocator: {Native.NativeHeap.Status}");
            foreach (var r in results)
            {
                var mfu = peakFlops is { } p ? string.Create(c, $", {100 * r.TrainFlopsPerSecond / p:F1} % of the {p / 1e12:0.###} TFLOP/s peak") : "";
                output.Out.WriteLine(string.Create(c, $"{r.Name} ({r.Parameters:N0} parameters, batch {r.Batch}, context {r.Context}):"));
                output.Out.WriteLine(string.Create(c, $"  training {r.TrainTokensPerSecond,12:N0} tokens/s ({r.TrainFlopsPerSecond / 1e9:F1} model GFLOP/s{mfu})"));
                output.Out.WriteLine(string.Create(c, $"  evaluation {r.EvaluateTokensPerSecond,10:N0} tokens/s"));
                output.Out.WriteLine(string.Create(c, $"  sampling {r.SampleTokensPerSecondCached,12:N0} tokens/s with KV cache, {r.SampleTokensPerSecondUncached:N0} without ({Uncached(r)})"));
                output.Out.WriteLine(string.Create(c, $"  decoding step at positions 8–12: {r.DecodeStepMsEarly:F3} ms, at positions {r.Context - 6}–{r.Context - 2}: {r.DecodeStepMsLate:F3} ms (×{r.DecodeStepMsLate / r.DecodeStepMsEarly:F2}; medians of several passes)"));
                output.Out.WriteLine(string.Create(c, $"  peak working set {r.PeakWorkingSetBytes / 1048576.0:F0} MiB"));
            }

            if (lineage is { } l)
            {
                output.Out.WriteLine(string.Create(c, $"default policy lineage ({l.Generations} generations, {l.Precision}): {l.TotalSeconds:F1} s"));
                output.Out.WriteLine(string.Create(c, $"  corpus {l.CorpusSeconds:F2} s, theory {l.TheorySeconds:F2} s, training {l.TrainSeconds:F2} s, evaluation {l.EvaluateSeconds:F2} s, sampling {l.SampleSeconds:F2} s, other {l.OtherSeconds:F2} s"));
            }

            return 0;
        });
        return command;
    }

    private const double MostPeakTflops = 1e6;

    /// <summary>
    /// Which positions the figure without the cache covers: cut short by the time budget, it leaves out the long
    /// prefixes that cost it most, so it flatters the uncached sampler against the cached one's whole contexts.
    /// </summary>
    private static string Uncached(BenchResult r) => r.UncachedPositions >= r.Context - 1
        ? $"over a whole context of {r.Context}"
        : $"over its first {r.UncachedPositions} positions of {r.Context} only, the cheap ones: over a whole context it is slower";

    private static BenchCase[] Selected(string name) => name is "all"
        ? ModelBenchmark.Cases
        : ModelBenchmark.Cases.Where(c => string.Equals(c.Key, name, StringComparison.OrdinalIgnoreCase)).ToArray();
}
