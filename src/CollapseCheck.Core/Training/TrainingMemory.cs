using CollapseCheck.Modeling;

namespace CollapseCheck.Training;

/// <summary>
/// A lower bound on what one training step holds in memory, to refuse a policy the machine cannot train before any
/// work: on Linux a CPU allocation past the machine's memory is not an error libtorch can raise but the kernel's OOM
/// killer, which ended a probe's run after 3½ minutes without a word. Only what the step cannot avoid is counted, so a
/// policy this refuses could not have run; one it lets through may still fail, and then says so (CC0023).
/// </summary>
public static class TrainingMemory
{
    /// <summary>
    /// Bytes of the activations backpropagation keeps: per layer the block's inputs, queries, keys, values, attention
    /// output and MLP hidden state (about 10 × batch × context × width numbers), then the logits and their gradient
    /// (2 × batch × context × vocabulary). Not the attention weights (batch × heads × context²): the fused attention
    /// kernel need not hold them. 4 bytes a number, 2 under bf16.
    /// </summary>
    public static double ActivationBytes(GptConfig model, int batch, bool bf16)
    {
        double tokens = (double)batch * model.Context;
        return (bf16 ? 2 : 4) * tokens * (10.0 * model.Layers * model.Width + 2.0 * model.VocabularySize);
    }

    /// <summary>
    /// Bytes of the parameters' state, which the whole run holds: weights, gradients and AdamW's two moments, fp32 under
    /// bf16 too (the master weights), so 16 bytes a parameter, for at least the blocks' 12 × width² each (attention's
    /// four projections, the MLP's two of 4 × width) and the token and position embeddings. Training 48 layers of width
    /// 4096 (9.7 billion parameters) needs 155 GB before its first activation.
    /// </summary>
    public static double ParameterStateBytes(GptConfig model) =>
        16.0 * (12.0 * model.Layers * model.Width * model.Width + ((double)model.VocabularySize + model.Context) * model.Width);

    /// <summary>
    /// What this process may use: the machine's memory (/proc/meminfo), or a container's cgroup limit where it is lower.
    /// Not the GC's TotalAvailableMemoryBytes, which is the managed heap's limit: a DOTNET_GCHeapHardLimit, or .NET's
    /// 75 % of a container's limit, while libtorch allocates outside that heap. Elsewhere than Linux the GC's figure,
    /// which there is the machine's.
    /// </summary>
    public static long AvailableBytes()
    {
        if (!OperatingSystem.IsLinux())
        {
            return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        }

        var limits = new[] { MemTotal(), CgroupLimit("/sys/fs/cgroup/memory.max"), CgroupLimit("/sys/fs/cgroup/memory/memory.limit_in_bytes") };
        return limits.Where(l => l > 0).DefaultIfEmpty(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes).Min();
    }

    private static long MemTotal()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            var kilobytes = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
            return long.TryParse(kilobytes, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var kb) ? kb * 1024 : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>A cgroup's memory limit in bytes; 0 when there is none ("max", cgroup v1's near-2^63, or no such file).</summary>
    private static long CgroupLimit(string path)
    {
        try
        {
            return long.TryParse(File.ReadAllText(path).Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var bytes)
                && bytes < long.MaxValue / 2 ? bytes : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
