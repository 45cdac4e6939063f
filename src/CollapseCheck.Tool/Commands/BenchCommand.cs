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
        var seconds = new Option<double>("--seconds") { Description = "Time budget per measured phase.", DefaultValueFactory = _ => 3.0 };
        var command = new Command("bench", "Training, evaluation and sampling speed of the default model and a 3.5M-parameter one.") { device, libTorch, json, seconds };
        command.SetAction(parsed =>
        {
            var torchDevice = ComputeDevice.Resolve(parsed.GetValue(device)!, parsed.GetValue(libTorch));
            var results = ModelBenchmark.Cases.Select(c =>
            {
                output.Error.WriteLine($"collapsecheck: benchmarking the {c.Name}…");
                return ModelBenchmark.Run(c, torchDevice, parsed.GetValue(seconds));
            }).ToList();
            if (parsed.GetValue(json))
            {
                output.Out.Write(ReportJson.Serialize(new { schemaVersion = 1, threads = TorchSharp.torch.get_num_threads(), results }));
                return 0;
            }

            var c = CultureInfo.InvariantCulture;
            output.Out.WriteLine($"device {results[0].Device}, {TorchSharp.torch.get_num_threads()} threads; tokens/s, higher is better; ms per decoding step, lower is better");
            foreach (var r in results)
            {
                output.Out.WriteLine(string.Create(c, $"{r.Name} ({r.Parameters:N0} parameters, batch {r.Batch}, context {r.Context}):"));
                output.Out.WriteLine(string.Create(c, $"  training {r.TrainTokensPerSecond,12:N0} tokens/s    evaluation {r.EvaluateTokensPerSecond,12:N0} tokens/s"));
                output.Out.WriteLine(string.Create(c, $"  sampling {r.SampleTokensPerSecondCached,12:N0} tokens/s with KV cache, {r.SampleTokensPerSecondUncached:N0} without (over {r.UncachedPositions} positions)"));
                output.Out.WriteLine(string.Create(c, $"  decoding step at positions 8–12: {r.SampleMsPerTokenEarly:F3} ms, at the last positions: {r.SampleMsPerTokenLate:F3} ms (×{r.SampleMsPerTokenLate / r.SampleMsPerTokenEarly:F2})"));
                output.Out.WriteLine(string.Create(c, $"  peak working set {r.PeakWorkingSetBytes / 1048576.0:F0} MiB"));
            }

            return 0;
        });
        return command;
    }
}
