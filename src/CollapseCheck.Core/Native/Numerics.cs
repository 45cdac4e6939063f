using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using CollapseCheck.Training;

namespace CollapseCheck.Native;

/// <summary>
/// What a lineage's last bits depend on besides its inputs: the device, the processor (MKL and ATen pick kernels by
/// instruction set, and each rounds its sums its own way), libtorch's build, the torch threads and shards, and the
/// variables that steer those kernels. Two CPU runs with the same <see cref="Fingerprint"/> write the same bytes. Across
/// fingerprints a lineage's numbers drift apart: a last-bit difference in generation 0's weights changes a sampled
/// token somewhere, and every later generation trains on that text (on one AVX-512 Xeon, forcing the AVX2 kernels moved
/// generation 0's perplexity by 3e-5 and generation 3's distinct-2 by 17 %). So `verify` compares measured values
/// exactly only within one fingerprint. CUDA kernels are not bit-reproducible even on one GPU.
/// </summary>
/// <param name="Machine">For a reviewer: architecture, processor and its widest vector unit, libtorch, threads.</param>
/// <param name="Fingerprint">16 hex digits of a hash over everything listed above, in full.</param>
public sealed record Numerics(string Machine, string Fingerprint)
{
    /// <summary>Settings that make libtorch, MKL or oneDNN pick other kernels, and so other roundings.</summary>
    public static readonly IReadOnlyList<string> Variables = ["ATEN_CPU_CAPABILITY", "MKL_CBWR", "MKL_ENABLE_INSTRUCTIONS", "DNNL_MAX_CPU_ISA", "MKL_DEBUG_CPU_TYPE"];

    /// <summary>This process's numerics on <paramref name="device"/> ("cpu" or "cuda"); needs libtorch loaded.</summary>
    public static Numerics Current(string device)
    {
        var cpu = CpuIdentity();
        var threads = TorchSharp.torch.get_num_threads();
        var libTorch = TorchNative.Current;
        var variables = Variables.Select(v => (Name: v, Value: Environment.GetEnvironmentVariable(v)))
            .Where(v => !string.IsNullOrEmpty(v.Value)).Select(v => $"{v.Name}={v.Value}").ToList();

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text) => hash.AppendData(Encoding.UTF8.GetBytes(text + "\n"));
        Add($"{device} {RuntimeInformation.ProcessArchitecture}");
        Add(cpu);
        Add(typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString() ?? "");
        Add(LibTorchBuild(libTorch?.LibTorchFolder, withTimes: false));
        Add($"threads {threads} shards {ComputeDevice.CpuShards}");
        variables.ForEach(Add);
        var fingerprint = Convert.ToHexStringLower(hash.GetCurrentHash())[..16];

        var machine = device == "cpu"
            ? $"cpu {RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()} {ProcessorName(cpu)}; {LibTorchName(libTorch)}; "
                + $"{threads} torch thread{(threads == 1 ? "" : "s")} × {ComputeDevice.CpuShards} shards"
            : $"{device}; {LibTorchName(libTorch)}";
        return new Numerics(variables.Count == 0 ? machine : $"{machine}; {string.Join(", ", variables)}", fingerprint);
    }

    /// <summary>
    /// What decides which kernels run: on Linux the distinct model, vendor and instruction-set lines of /proc/cpuinfo
    /// (x64 and ARM spell them differently), on Windows PROCESSOR_IDENTIFIER; elsewhere only the architecture.
    /// </summary>
    public static string CpuIdentity()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                string[] keys = ["vendor_id", "cpu family", "model", "model name", "stepping", "flags", "CPU implementer", "CPU architecture", "CPU variant", "CPU part", "Features"];
                return string.Join("\n", File.ReadLines("/proc/cpuinfo")
                    .Select(line => line.Split(':', 2))
                    .Where(parts => parts.Length == 2 && keys.Contains(parts[0].Trim()))
                    .Select(parts => $"{parts[0].Trim()}={parts[1].Trim()}")
                    .Distinct()
                    .Order(StringComparer.Ordinal));
            }
        }
        catch (IOException)
        {
        }

        return Environment.GetEnvironmentVariable("PROCESSOR_IDENTIFIER") ?? "";
    }

    /// <summary>
    /// libtorch's libraries by name and size (and times, for the cache): a PyTorch upgraded in place keeps its folder
    /// but not its numbers. Times stay out of the fingerprint, since two restores of one package differ in them.
    /// </summary>
    public static string LibTorchBuild(string? folder, bool withTimes)
    {
        if (folder is null || !Directory.Exists(folder))
        {
            return "";
        }

        return string.Join(";", Directory.EnumerateFiles(folder, "*torch*")
            .Concat(Directory.EnumerateFiles(folder, "*c10*"))
            .Distinct()
            .Order(StringComparer.Ordinal)
            .Select(f => new FileInfo(f))
            .Select(f => withTimes ? $"{f.Name}:{f.Length}:{f.LastWriteTimeUtc.Ticks}" : $"{f.Name}:{f.Length}"));
    }

    /// <summary>"Intel(R) Xeon(R) Processor (AVX-512)": the model name and the widest x86 vector unit the flags list.</summary>
    private static string ProcessorName(string cpu)
    {
        var fields = cpu.Split('\n').Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToLookup(p => p[0], p => p[1]);
        var name = fields["model name"].FirstOrDefault() ?? fields["CPU part"].Select(p => $"part {p}").FirstOrDefault() ?? "processor";
        var flags = (fields["flags"].FirstOrDefault() ?? "").Split(' ');
        var vector = flags.Contains("avx512f") ? "AVX-512" : flags.Contains("avx2") ? "AVX2" : flags.Contains("avx") ? "AVX" : null;
        return vector is null ? name : $"{name} ({vector})";
    }

    private static string LibTorchName(NativeSetup? libTorch) => libTorch is null
        ? "libtorch"
        : libTorch.LibTorchSource.StartsWith("package ", StringComparison.Ordinal)
            ? libTorch.LibTorchSource["package ".Length..]
            : $"libtorch from {libTorch.LibTorchSource}";
}
