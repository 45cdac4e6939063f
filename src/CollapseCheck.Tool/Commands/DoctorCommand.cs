using System.CommandLine;
using System.Runtime.InteropServices;
using CollapseCheck.Corpus;
using CollapseCheck.Diagnostics;
using CollapseCheck.Native;
using CollapseCheck.Reporting;
using CollapseCheck.Training;
using static TorchSharp.torch;

namespace CollapseCheck.Tool.Commands;

/// <summary>Everything that decides whether `run` can work here, checked and explained. Exit 2 when a check fails.</summary>
internal static class DoctorCommand
{
    public static Command Create(ToolOutput output)
    {
        var libTorch = CommonOptions.LibTorch();
        var command = new Command("doctor", "Check libtorch, the native patch, CUDA, threads and the builtin corpus.") { libTorch };
        command.SetAction(parsed =>
        {
            var o = output.Out;
            var failed = false;
            o.WriteLine($"collapsecheck {ToolInfo.Version}");
            o.WriteLine($"build:        {ToolInfo.Build} in {AppContext.BaseDirectory}");
            o.WriteLine($"runtime:      {RuntimeInformation.FrameworkDescription} on {RuntimeInformation.OSDescription} ({RuntimeInformation.ProcessArchitecture})");
            try
            {
                var setup = TorchNative.EnsureLoaded(parsed.GetValue(libTorch));
                o.WriteLine($"libtorch:     {setup.LibTorchFolder} ({setup.LibTorchSource})");
                o.WriteLine($"libstdc++:    {setup.LibStdCxx ?? "(not found)"}");
                o.WriteLine($"TorchSharp:   {setup.LibTorchSharpOriginal ?? "(TorchSharp's own search)"}");
                o.WriteLine(setup.Patched
                    ? $"native patch: applied — {setup.Decision!.Explanation}; loaded {setup.LibTorchSharpLoaded}{(setup.NotCachedBecause is { } notCached ? $" (a private copy for this process, removed once loaded: {notCached})" : setup.PatchWrittenNow ? " (written now)" : " (cached)")}"
                    : $"native patch: not needed — {setup.Decision?.Explanation ?? "not a Linux system"}");
                InitializeDeviceType(TorchSharp.DeviceType.CPU);
                ComputeDevice.UseCpuThreads();
                o.WriteLine($"allocator:    {Native.NativeHeap.Status}");
                o.WriteLine($"threads:      {ComputeDevice.CpuShards} CPU shards × {get_num_threads()} intra-op thread(s) each (of {Environment.ProcessorCount} logical processors)");
                var numerics = Numerics.Current("cpu");
                o.WriteLine($"numerics:     {numerics.Machine}, fingerprint {numerics.Fingerprint} (CPU reports repeat bit for bit under the same fingerprint)");
                o.WriteLine(ComputeDevice.TryCuda(out var why)
                    ? $"cuda:         available, {cuda.device_count()} device(s)"
                    : $"cuda:         not available ({why})");
                using var probe = ones(2, 2).matmul(ones(2, 2));
                o.WriteLine($"tensor check: ok (the sum of ones(2,2)·ones(2,2) is {probe.sum().item<float>()}, as it should be)");
            }
            catch (CollapseCheckException e)
            {
                output.Report(e);
                failed = true;
            }

            try
            {
                o.WriteLine($"corpus:       builtin:dotnet-docs from {DotnetDocsCorpus.Locate()}");
            }
            catch (CollapseCheckException e)
            {
                o.WriteLine($"corpus:       builtin:dotnet-docs unavailable ({e.Message})");
            }

            return failed ? 2 : 0;
        });
        return command;
    }
}
