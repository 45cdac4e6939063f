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

/// <summary>
/// Scores a stream in consecutive, non-overlapping windows: each token is predicted once. Batches are spread over
/// the CPU shards and their losses summed in batch order, so the total does not depend on how many ran at once.
/// </summary>
public static class Evaluator
{
    /// <param name="bytesAt">The UTF-8 bytes the token at a position of the stream stands for.</param>
    public static EvaluationResult Evaluate(Gpt model, TokenStream stream, Func<int, int> bytesAt, Device device, int batch = 32)
    {
        model.eval();
        var context = model.Config.Context;
        var ids = stream.Ids;
        var starts = new List<int>();
        for (var s = 0; s + 1 < ids.Length; s += context)
        {
            starts.Add(s);
        }

        // Windows of equal length batch together; the stream's last, shorter window goes alone.
        var batches = starts.Chunk(batch)
            .SelectMany(group => group.GroupBy(s => Math.Min(context, ids.Length - 1 - s)).Select(g => (Length: g.Key, Rows: g.ToArray())))
            .ToArray();
        var nats = new double[batches.Length];
        var shards = ComputeDevice.ShardsFor(device, batches.Length);
        ComputeDevice.ForEachShard(shards, shard =>
        {
            using var noGrad = no_grad();
            var (first, count) = ComputeDevice.ShardRows(batches.Length, shards, shard);
            for (var b = first; b < first + count; b++)
            {
                nats[b] = Score(model, ids, batches[b].Rows, batches[b].Length, device);
            }
        });

        long tokens = 0, bytes = 0;
        foreach (var (length, rows) in batches)
        {
            tokens += (long)rows.Length * length;
            bytes += rows.Sum(r => Enumerable.Range(r + 1, length).Sum(i => (long)bytesAt(i)));
        }

        return new EvaluationResult(nats.Sum(), tokens, bytes);
    }

    private static double Score(Gpt model, int[] ids, int[] rows, int length, Device device)
    {
        var buffer = new long[rows.Length * (length + 1)];
        for (var r = 0; r < rows.Length; r++)
        {
            for (var i = 0; i <= length; i++)
            {
                buffer[r * (length + 1) + i] = ids[rows[r] + i];
            }
        }

        using var scope = NewDisposeScope();
        var t = tensor(buffer, [rows.Length, length + 1], device: device);
        var logits = model.forward(t.narrow(1, 0, length));
        var loss = F.cross_entropy(logits.reshape(-1, logits.shape[2]), t.narrow(1, 1, length).reshape(-1), reduction: nn.Reduction.Sum);
        return loss.to(ScalarType.Float64).item<double>();
    }
}
