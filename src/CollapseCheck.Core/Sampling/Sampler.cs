using CollapseCheck.Common;
using CollapseCheck.Modeling;
using CollapseCheck.Policy;
using CollapseCheck.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace CollapseCheck.Sampling;

/// <summary>
/// Generates documents from a model: every row starts from the end-of-document id and runs until it
/// emits end-of-document or reaches the length limit. Batched, seeded, KV-cached; on CPU the batch is split into
/// shards decoded on their own threads.
/// </summary>
public sealed class Sampler(Gpt model, SamplingPolicy policy, int endOfDocumentId, Device device, int batch = 64)
{
    private readonly int _maxLength = Math.Min(policy.MaxLength ?? model.Config.Context, model.Config.Context);

    /// <summary>
    /// Documents whose lengths add up to exactly <paramref name="tokens"/> ids (the last one cut),
    /// not counting end-of-document ids. Empty documents are dropped. With dedupe, a document equal to an
    /// earlier one is dropped too.
    /// </summary>
    /// <exception cref="SamplingStalledException"><see cref="TokenBudget.StallAfter"/> documents in a row were dropped.</exception>
    public List<int[]> SampleTokens(long tokens, long seed, bool dedupe = false, CancellationToken cancellation = default)
    {
        var generators = NewGenerators(seed);
        try
        {
            var budget = new TokenBudget(tokens, dedupe);
            while (!budget.IsFull)
            {
                if (budget.IsStalled)
                {
                    throw new SamplingStalledException($"the model's last {budget.SkippedInARow} documents were all {budget.SkippedKind}, at {budget.Total} of {tokens} tokens", budget.SkippedOnlyEmpty);
                }

                cancellation.ThrowIfCancellationRequested();
                foreach (var doc in SampleRound(generators))
                {
                    budget.Offer(doc);
                }
            }

            return budget.Documents;
        }
        finally
        {
            foreach (var generator in generators)
            {
                generator?.Dispose();
            }
        }
    }

    /// <summary>
    /// One generator per shard, each seeded from <paramref name="seed"/> and its index: the text depends on the
    /// seed and the shard count (a constant per device), not on which thread runs first. On CUDA the one shard's
    /// entry is null: the device's default generator, seeded here, draws (see <see cref="DrawGenerator"/>).
    /// </summary>
    public Generator?[] NewGenerators(long seed) =>
        Enumerable.Range(0, ComputeDevice.ShardsFor(device, batch))
            .Select(s => DrawGenerator.Create((ulong)new SplitMix64((ulong)seed + (ulong)s * 0x9E3779B97F4A7C15UL).NextSeed(), device))
            .ToArray();

    /// <summary>The whole batch once, each shard's rows decoded on its own thread; documents in shard order.</summary>
    public List<int[]> SampleRound(Generator?[] generators)
    {
        // Set once, here: the shards' threads would otherwise both write the modules' training flags.
        model.eval();
        var shards = generators.Length;
        var rows = new List<int[]>[shards];
        ComputeDevice.ForEachShard(shards, s => rows[s] = SampleBatch(generators[s], (int)ComputeDevice.ShardRows(batch, shards, s).Count));
        return rows.SelectMany(r => r).ToList();
    }

    /// <summary>Next ids [B, 1] for logits [B, V]: the policy's filters, then a draw from the softmax, on the logits' device.</summary>
    public static Tensor Draw(Tensor logits, SamplingPolicy policy, Generator? generator) =>
        LogitFilters.Apply(logits, policy.Temperature, policy.TopK, policy.TopP).softmax(1).multinomial(1, replacement: true, generator: generator);

    /// <summary>One batch of rows, each cut at its first end-of-document.</summary>
    public List<int[]> SampleBatch(Generator? generator)
    {
        model.eval();
        return SampleBatch(generator, batch);
    }

    private List<int[]> SampleBatch(Generator? generator, int rowCount)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var cache = model.NewCache(rowCount, device);
        using var endOfDocument = endOfDocumentId.ToScalar();
        var next = full(rowCount, 1, endOfDocument, dtype: ScalarType.Int64, device: device);
        var finished = zeros(rowCount, dtype: ScalarType.Bool, device: device);
        var steps = new List<Tensor>(_maxLength);
        for (var position = 0; position < _maxLength; position++)
        {
            var logits = model.Decode(next, cache);
            next = Draw(logits, policy, generator);
            steps.Add(next);
            finished = finished.logical_or(next.squeeze(1).eq(endOfDocument));

            // Checking costs a device sync, so look only every few steps.
            if (position % 8 == 7 && finished.all().item<bool>())
            {
                break;
            }
        }

        var ids = cat(steps, 1).cpu().data<long>().ToArray();
        var length = steps.Count;
        var rows = new List<int[]>(rowCount);
        for (var r = 0; r < rowCount; r++)
        {
            var row = new List<int>(length);
            for (var i = 0; i < length; i++)
            {
                var id = (int)ids[r * length + i];
                if (id == endOfDocumentId)
                {
                    break;
                }

                row.Add(id);
            }

            rows.Add(row.ToArray());
        }

        return rows;
    }
}
