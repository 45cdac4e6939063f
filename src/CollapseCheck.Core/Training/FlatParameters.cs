using TorchSharp;
using static CollapseCheck.Native.HeldScalars;
using static TorchSharp.torch;

namespace CollapseCheck.Training;

/// <summary>
/// A model's parameters re-homed as views into one contiguous buffer, and their gradients as views into a
/// second one, so that clipping and the optimizer run a handful of kernels over two tensors per step instead of
/// a handful per parameter (the "foreach"/fused optimizer idea, without needing one from the binding).
/// Matrices come first: weight decay applies to <see cref="Decayed"/>, the leading part of <see cref="Values"/>.
/// </summary>
public sealed class FlatParameters : IDisposable
{
    private FlatParameters(Tensor values, Tensor gradients, long decayedCount)
    {
        Values = values;
        Gradients = gradients;
        Decayed = values.narrow(0, 0, decayedCount);
    }

    public Tensor Values { get; }

    public Tensor Gradients { get; }

    /// <summary>Weight matrices and embeddings; norms' gains and biases are not decayed (it hurts tiny models).</summary>
    public Tensor Decayed { get; }

    /// <summary>
    /// Moves every parameter of <paramref name="model"/> into the flat buffers. The model keeps working as
    /// before; moving it to another device afterwards would undo the sharing, so do that first.
    /// </summary>
    public static FlatParameters Adopt(nn.Module model)
    {
        var parameters = model.parameters().OrderBy(p => p.dim() >= 2 ? 0 : 1).ToList();
        var total = parameters.Sum(p => p.numel());
        var decayedCount = parameters.Where(p => p.dim() >= 2).Sum(p => p.numel());
        var device = parameters[0].device;
        var values = zeros(total, device: device);
        var gradients = zeros(total, device: device);
        using (no_grad())
        using (NewDisposeScope())
        {
            // The views' wrappers go with the scope; the parameters and their gradients keep the storage alive.
            long offset = 0;
            foreach (var p in parameters)
            {
                var count = p.numel();
                var value = values.narrow(0, offset, count).view(p.shape);
                value.copy_(p);
                p.set_(value);
                p.grad = gradients.narrow(0, offset, count).view(p.shape);
                offset += count;
            }
        }

        return new FlatParameters(values, gradients, decayedCount);
    }

    /// <summary>
    /// Scales the gradients so their global L2 norm is at most <paramref name="maxNorm"/>, on the device:
    /// no host round trip, unlike reading the norm back to decide.
    /// </summary>
    public void ClipGradients(double maxNorm)
    {
        using var scope = NewDisposeScope();
        using var max = maxNorm.ToScalar();
        using var epsilon = 1e-6.ToScalar();
        // maxNorm / (norm + ε), capped at 1: the same kernels as the operators would run, with Scalars held.
        var scale = Gradients.norm().add_(epsilon, One).reciprocal_().mul_(max).clamp_max_(One);
        Gradients.mul_(scale);
    }

    public void Dispose()
    {
        Decayed.Dispose();
        Values.Dispose();
        Gradients.Dispose();
    }
}
