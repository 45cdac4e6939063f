using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
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
    public static IReadOnlyList<string> Variables => NumericsVariables.Kernels;

    /// <summary>This process's numerics on <paramref name="device"/> ("cpu" or "cuda"); needs libtorch loaded.</summary>
    public static Numerics Current(string device)
    {
        var cpu = CpuIdentity();
        var kernelCpu = KernelDecidingIdentity(cpu);
        var threads = TorchSharp.torch.get_num_threads();
        var libTorch = TorchNative.Current;
        var variables = Variables.Select(v => (Name: v, Value: Environment.GetEnvironmentVariable(v)))
            .Where(v => !string.IsNullOrEmpty(v.Value)).Select(v => $"{v.Name}={v.Value}").ToList();

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text) => hash.AppendData(Encoding.UTF8.GetBytes(text + "\n"));
        Add($"{device} {RuntimeInformation.ProcessArchitecture}");
        Add(kernelCpu);
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

    /// <summary>What differs between the two machines first, so it is not lost at the end of two long descriptions.</summary>
    public static string Difference(Numerics? snapshot, Numerics? received)
    {
        if (snapshot is null || received is null)
        {
            return $"the snapshot's {(snapshot is null ? "are not recorded (an earlier version made it, or the field was edited)" : $"are {snapshot.Machine} ({snapshot.Fingerprint})")}; "
                + $"this run's {(received is null ? "are not recorded" : $"are {received.Machine} ({received.Fingerprint})")}";
        }

        var (a, b) = (snapshot.Machine.Split("; "), received.Machine.Split("; "));
        var (onlyA, onlyB) = (a.Except(b).ToList(), b.Except(a).ToList());
        var (a2, b2) = (string.Join("; ", onlyA), string.Join("; ", onlyB));
        return (onlyA.Count, onlyB.Count) switch
        {
            (0, 0) => $"both are {snapshot.Machine}, but the fingerprints differ ({snapshot.Fingerprint} in the snapshot, {received.Fingerprint} now: the vendor, model or instruction-set flags, the libtorch files or a kernel setting differ)",
            (0, _) => $"this run adds {b2} ({received.Fingerprint}; the snapshot's {snapshot.Fingerprint})",
            (_, 0) => $"the snapshot had {a2} ({snapshot.Fingerprint}; this run's {received.Fingerprint})",
            _ => $"the snapshot's {a2} ({snapshot.Fingerprint}) against this run's {b2} ({received.Fingerprint})",
        };
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
    /// The part of <see cref="CpuIdentity"/> that picks kernels: vendor, family, model and the instruction-set flags
    /// (x86: SSE, AVX, FMA, F16C, AMX; ARM: all features). Left out: the stepping and the flags a kernel, hypervisor or
    /// microcode update adds (mitigations, timers), so two runners of one kind still share a fingerprint. The
    /// generation cache keys on the whole identity instead: a miss there only costs time.
    /// </summary>
    internal static string KernelDecidingIdentity(string cpu) => !cpu.Contains('=')
        // Windows' PROCESSOR_IDENTIFIER, "Intel64 Family 6 Model 207 Stepping 2, GenuineIntel": all but the stepping.
        ? Regex.Replace(cpu, @"\s*Stepping \d+", "")
        : string.Join("\n", cpu.Split('\n').Select(line => line.Split('=', 2)).Where(p => p.Length == 2)
            .Where(p => p[0] != "stepping")
            .Select(p => p[0] == "flags" ? $"flags={string.Join(' ', p[1].Split(' ').Where(IsInstructionSetFlag))}" : $"{p[0]}={p[1]}")
            // Cores whose flags differed only in what a kernel adds now read the same: one line, not two.
            .Distinct());

    private static bool IsInstructionSetFlag(string flag) =>
        flag.StartsWith("sse", StringComparison.Ordinal) || flag.StartsWith("ssse", StringComparison.Ordinal)
        || flag.StartsWith("avx", StringComparison.Ordinal) || flag.StartsWith("amx", StringComparison.Ordinal)
        || flag is "fma" or "f16c";

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
        // Windows: PROCESSOR_IDENTIFIER ("Intel64 Family 6 Model 207 Stepping 2, GenuineIntel") is the whole identity.
        var name = fields["model name"].FirstOrDefault() ?? fields["CPU part"].Select(p => $"part {p}").FirstOrDefault()
            ?? (cpu.Length > 0 && !cpu.Contains('=') ? cpu : "processor");
        var flags = (fields["flags"].FirstOrDefault() ?? "").Split(' ');
        var vector = flags.Contains("avx512f") ? "AVX-512" : flags.Contains("avx2") ? "AVX2" : flags.Contains("avx") ? "AVX" : null;
        return vector is null ? name : $"{name} ({vector})";
    }

    /// <summary>
    /// Which libtorch, by what it is rather than how it was found: the NuGet package and version (also when --libtorch
    /// names the package's native folder), or the PyTorch version beside a torch/lib folder (torch/version.py), else a
    /// hash of its libraries' names and sizes, unless they are the package's own. Not the folder's name: a copy of the
    /// same files in another folder would write other report bytes.
    /// </summary>
    private static string LibTorchName(NativeSetup? libTorch) => LibTorchName(libTorch,
        NativeLocations.PackagedLibTorchFolders().FirstOrDefault(d => File.Exists(Path.Combine(d, NativeLocations.LibTorchFile))));

    /// <param name="packaged">The package's own native folder where it is on this machine: a copy of it elsewhere is named as the package.</param>
    internal static string LibTorchName(NativeSetup? libTorch, string? packaged)
    {
        if (libTorch is null)
        {
            return "libtorch";
        }

        if (libTorch.LibTorchSource.StartsWith("package ", StringComparison.Ordinal))
        {
            return libTorch.LibTorchSource["package ".Length..];
        }

        try
        {
            var version = Path.Combine(libTorch.LibTorchFolder, "..", "version.py");
            var line = File.Exists(version) ? File.ReadLines(version).FirstOrDefault(l => l.StartsWith("__version__", StringComparison.Ordinal)) : null;
            if (line?.Split('=', 2) is [_, var value])
            {
                return $"torch {value.Trim().Trim('\'', '"')}";
            }
        }
        catch (IOException)
        {
        }

        if (PackageOf(libTorch.LibTorchFolder) is { } package)
        {
            return package;
        }

        var build = LibTorchBuild(libTorch.LibTorchFolder, withTimes: false);
        if (packaged is not null && build.Length > 0 && LibTorchBuild(packaged, withTimes: false) == build)
        {
            // The same libraries by name and size, which the fingerprint already counts as the same build.
            return $"{NativeLocations.LibTorchPackage} {NativeLocations.LibTorchPackageVersion}";
        }

        return $"libtorch build {Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(build)))[..8]}";
    }

    /// <summary>"libtorch-cpu-linux-x64 2.10.0" for a NuGet package's PACKAGE/VERSION/runtimes/RID/native folder.</summary>
    internal static string? PackageOf(string folder)
    {
        var parts = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)).Split(Path.DirectorySeparatorChar);
        return parts is [.., var id, var version, "runtimes", _, "native"] && id.StartsWith("libtorch", StringComparison.OrdinalIgnoreCase)
            ? $"{id} {version}"
            : null;
    }
}
