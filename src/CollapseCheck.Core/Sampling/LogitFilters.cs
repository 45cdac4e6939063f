using TorchSharp;
using static TorchSharp.torch;

namespace CollapseCheck.Sampling;

/// <summary>Temperature, top-k and top-p applied to logits [B, V] on their own device.</summary>
public static class LogitFilters
{
    public static Tensor Apply(Tensor logits, double temperature, int topK, double topP)
    {
        using var temperatureScalar = temperature.ToScalar();
        using var minusInfinity = double.NegativeInfinity.ToScalar();
        using var mass = topP.ToScalar();
        var x = temperature == 1.0 ? logits : logits.div(temperatureScalar);
        if (topK > 0 && topK < x.shape[1])
        {
            // Keep the k largest; ties with the k-th value survive, as in PyTorch's reference samplers.
            var (values, _) = x.topk(topK, dim: 1);
            var kth = values.narrow(1, topK - 1, 1);
            x = x.masked_fill(x.lt(kth), minusInfinity);
        }

        if (topP < 1.0)
        {
            // Nucleus: keep the smallest prefix (by descending probability) whose mass reaches p;
            // the most likely token always stays.
            var (sorted, order) = x.sort(dim: 1, descending: true);
            var cumulative = sorted.softmax(1).cumsum(1);
            var massBefore = cumulative - sorted.softmax(1);
            var dropSorted = massBefore.ge(mass);
            var drop = zeros_like(dropSorted).scatter_(1, order, dropSorted.to(dropSorted.dtype)).to(ScalarType.Bool);
            x = x.masked_fill(drop, minusInfinity);
        }

        return x;
    }
}
