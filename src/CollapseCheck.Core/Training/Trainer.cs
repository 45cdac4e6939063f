using CollapseCheck.Common;
using CollapseCheck.Modeling;
using CollapseCheck.Policy;
using TorchSharp;
using static CollapseCheck.Native.HeldScalars;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CollapseCheck.Training;

/// <param name="FinalLoss">Mean training loss over the last tenth of the steps, nats per token.</param>
/// <param name="LossCurve">Mean loss of each tenth of the run, in order.</param>
public sealed record TrainingResult(double FinalLoss, IReadOnlyList<double> LossCurve, long Tokens);

/// <summary>
/// AdamW with linear warmup and cosine decay to a tenth of the peak rate, gradient clipping, weight decay on
/// matrices only. Windows of context+1 tokens are drawn at seeded random offsets.
/// </summary>
/// <remarks>
/// The loop never waits on the device: the data lives there once, offsets are uploaded in chunks, the optimizer is
/// fused over flat buffers and the losses are read back once at the end. On CPU each batch is split into
/// <see cref="ComputeDevice.CpuShards"/> shards whose forward and backward passes run on their own threads and
/// add into the same gradient buffer: the small matrices of these models leave one core's worth of intra-op
/// parallelism idle, but two whole passes keep two cores busy.
/// </remarks>
public static class Trainer
{
    private const int OffsetChunkSteps = 256;

    public static TrainingResult Train(Gpt model, TokenStream data, TrainingPolicy policy, Device device, SplitMix64 rng, Action<int>? onStep = null)
    {
        var window = Math.Min(model.Config.Context, data.Length - 1);
        if (window < 2)
        {
            throw new ArgumentException($"training data holds {data.Length} ids; at least 3 are needed");
        }

        model.train();
        using var flat = FlatParameters.Adopt(model);
        using var optimizer = new FlatAdamW(flat, beta1: 0.9, beta2: 0.95, epsilon: 1e-8, policy.WeightDecay);
        using var stream = data.ToTensor(device);
        // 0..window uploaded once; arange(stop) would make an unheld Scalar inside TorchSharp (see HeldScalars).
        using var columns = tensor(Enumerable.Range(0, window + 1).Select(i => (long)i).ToArray(), device: device);
        using var tenths = zeros(10, dtype: ScalarType.Float64, device: device);
        var tenthSteps = new int[10];
        using var team = new ShardTeam(ComputeDevice.ShardsFor(device, policy.Batch));
        var batchTokens = (double)policy.Batch * window;
        Tensor? offsets = null;

        try
        {
            for (var step = 0; step < policy.Steps; step++)
            {
                if (step % OffsetChunkSteps == 0)
                {
                    offsets?.Dispose();
                    offsets = DrawOffsets(rng, Math.Min(OffsetChunkSteps, policy.Steps - step), policy.Batch, data.Length - window, device);
                }

                using var scope = NewDisposeScope();
                var rows = stream.take(offsets!.select(0, step % OffsetChunkSteps).unsqueeze(1).add(columns, One));
                flat.Gradients.zero_();
                var loss = ForwardBackward(model, rows, team, batchTokens);
                flat.ClipGradients(policy.GradientClip);
                optimizer.Step(LearningRate(policy, step));
                var tenth = Math.Min(9, step * 10 / policy.Steps);
                tenths.select(0, tenth).add_(loss, One);
                tenthSteps[tenth]++;
                onStep?.Invoke(step + 1);
            }
        }
        finally
        {
            offsets?.Dispose();
        }

        using var host = tenths.cpu();
        var sums = host.data<double>().ToArray();
        var curve = Enumerable.Range(0, 10).Where(t => tenthSteps[t] > 0).Select(t => sums[t] / tenthSteps[t]).ToArray();
        return new TrainingResult(curve[^1], curve, (long)policy.Steps * policy.Batch * window);
    }

    public static double LearningRate(TrainingPolicy policy, int step)
    {
        if (step < policy.WarmupSteps)
        {
            return policy.LearningRate * (step + 1) / policy.WarmupSteps;
        }

        var decaySteps = Math.Max(1, policy.Steps - policy.WarmupSteps);
        var progress = Math.Min(1.0, (double)(step - policy.WarmupSteps) / decaySteps);
        var floor = policy.LearningRate * 0.1;
        return floor + (policy.LearningRate - floor) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }

    /// <summary>
    /// Mean cross-entropy of the whole batch, its gradient added into the parameters' gradients. Each shard scales
    /// its summed loss by the whole batch's token count, so the shards' gradients add up to the batch mean's; with
    /// two shards the order they land in cannot change a bit (a + b = b + a in floating point).
    /// </summary>
    private static Tensor ForwardBackward(Gpt model, Tensor rows, ShardTeam team, double batchTokens)
    {
        var shards = team.Shards;
        var losses = new Tensor[shards];
        void Run(int shard)
        {
            using var scope = NewDisposeScope();
            using var tokens = batchTokens.ToScalar();
            var (start, count) = ComputeDevice.ShardRows(rows.shape[0], shards, shard);
            var part = rows.narrow(0, start, count);
            var logits = model.forward(part.narrow(1, 0, part.shape[1] - 1));
            var loss = F.cross_entropy(logits.reshape(-1, logits.shape[2]), part.narrow(1, 1, part.shape[1] - 1).reshape(-1), reduction: nn.Reduction.Sum).div_(tokens);
            loss.backward();
            losses[shard] = loss.detach().DetachFromDisposeScope();
        }

        try
        {
            team.Run(Run);
            var total = losses[0].to(ScalarType.Float64);
            for (var s = 1; s < shards; s++)
            {
                total = total.add(losses[s], One);
            }

            return total;
        }
        finally
        {
            foreach (var loss in losses)
            {
                loss?.Dispose();
            }
        }
    }

    /// <summary>The same draws, row by row, as the loop used to make per step; one upload per chunk of steps.</summary>
    private static Tensor DrawOffsets(SplitMix64 rng, int steps, int batch, int range, Device device)
    {
        var offsets = new long[steps * batch];
        for (var i = 0; i < offsets.Length; i++)
        {
            offsets[i] = rng.NextInt64(range);
        }

        return tensor(offsets, [steps, batch], device: device);
    }
}
