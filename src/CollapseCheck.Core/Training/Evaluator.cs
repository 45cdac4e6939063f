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
        if (batches.Length == 0)
        {
            return new EvaluationResult(0, 0, 0);
        }

        var nats = new double[batches.Length];
        var shards = ComputeDevice.ShardsFor(device, batches.Length);
        // The stream goes up once, each batch is a view of it, and the losses come back once per shard: on a GPU a
        // per-batch upload and read-back each waited for the device, leaving it idle while the next batch was queued.
        using var onDevice = stream.ToTensor(device);
        ComputeDevice.ForEachShard(shards, shard =>
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var (first, count) = ComputeDevice.ShardRows(batches.Length, shards, shard);
            var losses = new Tensor[count];
            for (var b = 0; b < count; b++)
            {
                losses[b] = Score(model, onDevice, batches[first + b].Rows, batches[first + b].Length);
            }

            using var host = stack(losses).cpu();
            host.data<double>().CopyTo(nats, (int)first);
        });

        long tokens = 0, bytes = 0;
        foreach (var (length, rows) in batches)
        {
            tokens += (long)rows.Length * length;
            bytes += rows.Sum(r => Enumerable.Range(r + 1, length).Sum(i => (long)bytesAt(i)));
        }

        return new EvaluationResult(nats.Sum(), tokens, bytes);
    }

    /// <summary>Summed NLL of one batch, in nats, as a float64 scalar on the device.</summary>
    /// <remarks>A batch's windows are consecutive, each as long as the stride between them (the context, or the one
    /// short last window alone), so inputs and targets are two views of one stretch of the stream.</remarks>
    private static Tensor Score(Gpt model, Tensor stream, int[] rows, int length)
    {
        if (rows[^1] != rows[0] + (rows.Length - 1) * length)
        {
            throw new InvalidOperationException($"a batch's windows must be consecutive, {length} apart");
        }

        using var scope = NewDisposeScope();
        var span = (long)rows.Length * length;
        var inputs = stream.narrow(0, rows[0], span).view(rows.Length, length);
        var targets = stream.narrow(0, rows[0] + 1, span).reshape(-1);
        var logits = model.forward(inputs);
        var loss = F.cross_entropy(logits.reshape(-1, logits.shape[2]), targets, reduction: nn.Reduction.Sum);
        return loss.to(ScalarType.Float64).MoveToOuterDisposeScope();
    }
}
