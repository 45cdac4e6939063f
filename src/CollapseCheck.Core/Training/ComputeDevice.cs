using System.Runtime.ExceptionServices;
using CollapseCheck.Diagnostics;
using CollapseCheck.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace CollapseCheck.Training;

/// <summary>Turns --device auto|cpu|cuda into a torch device, after the natives are loaded, and shards CPU work.</summary>
public static class ComputeDevice
{
    public static readonly string[] Names = ["auto", "cpu", "cuda"];

    /// <summary>
    /// Shards a CPU batch is split into, each run on its own thread. A constant, not the core count: results must
    /// not depend on the machine. Each shard runs <see cref="CpuIntraOpThreads"/> torch threads.
    /// </summary>
    public const int CpuShards = 2;

    /// <summary>Overrides <see cref="CpuIntraOpThreads"/>: faster on big CPUs, but reports then differ from a default run's.</summary>
    public const string ThreadsEnvironmentVariable = NumericsVariables.IntraOpThreads;

    /// <summary>More is a slip (a core count times something): 2,000 threads took a minute just to start.</summary>
    public const int MaxIntraOpThreads = 256;

    /// <summary>
    /// Torch threads per shard on CPU: 1 unless <see cref="ThreadsEnvironmentVariable"/> says otherwise. Not derived
    /// from the core count, because MKL's and ATen's kernels split their sums differently with more threads, and a
    /// laptop and a CI runner with the same CPU must write the same report. Not capped at this machine's cores either:
    /// verifying a snapshot made with 32 threads needs 32, whatever the machine. A value that is not a count is refused
    /// (CC0040): 'abc', 0 or 1.5 used to run with 1 thread without a word.
    /// </summary>
    public static int CpuIntraOpThreads =>
        Environment.GetEnvironmentVariable(ThreadsEnvironmentVariable) is not { Length: > 0 } value ? 1
        : int.TryParse(value.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= MaxIntraOpThreads ? n
        : throw Errors.BadArgument($"{ThreadsEnvironmentVariable} must be a whole number of torch threads per shard from 1 to {MaxIntraOpThreads}, but is '{value}'; unset it for the default, 1");

    public static Device Resolve(string requested, string? libTorchFolder = null)
    {
        TorchNative.EnsureLoaded(libTorchFolder);
        switch (requested)
        {
            case "cpu":
                InitializeDeviceType(DeviceType.CPU);
                UseCpuThreads();
                return CPU;
            case "cuda":
                if (!TryCuda(out var why))
                {
                    throw Errors.CudaUnavailable(why);
                }

                return CUDA;
            case "auto":
                if (TryCuda(out _))
                {
                    return CUDA;
                }

                UseCpuThreads();
                return CPU;
            default:
                throw Errors.BadArgument($"--device must be one of {string.Join(", ", Names)}, but is '{requested}'");
        }
    }

    /// <summary>
    /// Why CUDA cannot work when the libtorch in use has no CUDA library at all (the packaged CPU build), or null:
    /// TorchSharp's own words ("did not initialise on the current machine") sent users looking for a driver problem.
    /// </summary>
    private static string? CpuOnlyLibTorch() =>
        TorchNative.Current is { } native && OperatingSystem.IsLinux() && !File.Exists(Path.Combine(native.LibTorchFolder, "libtorch_cuda.so"))
            ? $"the libtorch in use ({native.LibTorchSource}) is a CPU-only build, with no libtorch_cuda.so in {native.LibTorchFolder}"
            : null;

    public static bool TryCuda(out string why)
    {
        try
        {
            InitializeDeviceType(DeviceType.CUDA);
            why = cuda.is_available() ? "" : "no CUDA device is visible to libtorch";
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // TorchSharp's first line ends by announcing a native trace on the lines after it.
            var line = e.Message.Split('\n')[0];
            var trace = line.IndexOf(" Trace from", StringComparison.Ordinal);
            why = CpuOnlyLibTorch() ?? (trace > 0 ? line[..trace] : line).TrimEnd('.', ':', ' ');
        }

        return why.Length == 0;
    }

    /// <summary>
    /// Set before any shard thread touches torch: each thread takes its OpenMP thread count when it first runs an op.
    /// </summary>
    public static void UseCpuThreads() => set_num_threads(CpuIntraOpThreads);

    /// <summary>One shard on an accelerator (a single stream is already busy); <see cref="CpuShards"/> on CPU.</summary>
    public static int ShardsFor(Device device, int rows) => device.type == DeviceType.CPU ? Math.Min(CpuShards, rows) : 1;

    /// <summary>Rows [start, start+count) of shard <paramref name="shard"/>: contiguous, sizes differing by at most one.</summary>
    public static (long Start, long Count) ShardRows(long rows, int shards, int shard)
    {
        var start = rows * shard / shards;
        return (start, rows * (shard + 1) / shards - start);
    }

    /// <summary>Runs every shard, concurrently when there are several; the first failure is rethrown as is.</summary>
    public static void ForEachShard(int shards, Action<int> run)
    {
        if (shards == 1)
        {
            run(0);
            return;
        }

        try
        {
            Parallel.For(0, shards, new ParallelOptions { MaxDegreeOfParallelism = shards }, run);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
    }
}
