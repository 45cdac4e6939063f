using CollapseCheck.Modeling;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CollapseCheck.Training;

/// <param name="Nats">Summed negative log-likelihood of every scored token, in nats.</param>
/// <param name="Tokens">Tokens scored.</param>
/// <param name="Bytes">UTF-8 bytes those tokens stand for.</param>
public sealed record EvaluationResult(double Nats, long Tokens, long Bytes)
{
    public double NatsPerToken => Nats / Tokens;

    /// <summary>exp(mean NLL); lower is better.</summary>
    public double Perplexity => Math.Exp(NatsPerToken);

    /// <summary>Total information per byte of text; comparable across tokenizers; lower is better.</summary>
    public double BitsPerByte => Bytes == 0 ? double.NaN : Nats / Math.Log(2) / Bytes;
}

/// <summary>Scores a stream in consecutive, non-overlapping windows: each token is predicted once.</summary>
public static class Evaluator
{
    public static EvaluationResult Evaluate(Gpt model, TokenStream stream, Func<int, int> byteLength, Device device, int batch = 32)
    {
        model.eval();
        using var noGrad = no_grad();
        var context = model.Config.Context;
        var ids = stream.Ids;
        var starts = new List<int>();
        for (var s = 0; s + 1 < ids.Length; s += context)
        {
            starts.Add(s);
        }

        double nats = 0;
        long tokens = 0, bytes = 0;
        for (var b = 0; b < starts.Count; b += batch)
        {
            // Windows of equal length batch together; the stream's last, shorter window goes alone.
            var group = starts.Skip(b).Take(batch).ToList();
            foreach (var lengthGroup in group.GroupBy(s => Math.Min(context, ids.Length - 1 - s)))
            {
                var length = lengthGroup.Key;
                var rows = lengthGroup.ToList();
                var buffer = new long[rows.Count * (length + 1)];
                for (var r = 0; r < rows.Count; r++)
                {
                    for (var i = 0; i <= length; i++)
                    {
                        buffer[r * (length + 1) + i] = ids[rows[r] + i];
                    }

                    for (var i = 1; i <= length; i++)
                    {
                        bytes += byteLength(ids[rows[r] + i]);
                    }
                }

                using var scope = NewDisposeScope();
                var t = tensor(buffer, [rows.Count, length + 1], device: device);
                var logits = model.forward(t.narrow(1, 0, length));
                var loss = F.cross_entropy(logits.reshape(-1, logits.shape[2]), t.narrow(1, 1, length).reshape(-1), reduction: nn.Reduction.Sum);
                nats += loss.to(ScalarType.Float64).item<double>();
                tokens += rows.Count * length;
            }
        }

        return new EvaluationResult(nats, tokens, bytes);
    }
}
