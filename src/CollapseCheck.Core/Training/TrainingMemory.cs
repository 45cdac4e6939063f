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

    /// <summary>What this process may use: the machine's memory, or a container's limit where one is set.</summary>
    public static long AvailableBytes() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
}
