using CollapseCheck.Common;
using CollapseCheck.Modeling;
using CollapseCheck.Policy;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CollapseCheck.Training;

/// <param name="FinalLoss">Mean training loss over the last tenth of the steps, nats per token.</param>
/// <param name="LossCurve">Mean loss of each tenth of the run, in order.</param>
public sealed record TrainingResult(double FinalLoss, IReadOnlyList<double> LossCurve, long Tokens);

/// <summary>
/// AdamW with linear warmup and cosine decay to a tenth of the peak rate, gradient clipping,
/// weight decay on matrices only. Windows of context+1 tokens are drawn at seeded random offsets.
/// </summary>
public static class Trainer
{
    public static TrainingResult Train(Gpt model, TokenStream data, TrainingPolicy policy, Device device, SplitMix64 rng, Action<int>? onStep = null)
    {
        var context = model.Config.Context;
        var window = Math.Min(context, data.Length - 1);
        if (window < 2)
        {
            throw new ArgumentException($"training data holds {data.Length} ids; at least 3 are needed");
        }

        model.train();
        using var optimizer = CreateOptimizer(model, policy);
        var tenths = new double[10];
        var tenthSteps = new int[10];
        var batchIds = new long[policy.Batch * (window + 1)];

        for (var step = 0; step < policy.Steps; step++)
        {
            SetLearningRate(optimizer, LearningRate(policy, step));
            FillBatch(data, rng, batchIds, window);
            using var scope = NewDisposeScope();
            var batch = tensor(batchIds, [policy.Batch, window + 1], device: device);
            var input = batch.narrow(1, 0, window);
            var target = batch.narrow(1, 1, window);
            var logits = model.forward(input);
            var loss = F.cross_entropy(logits.reshape(-1, logits.shape[2]), target.reshape(-1));
            optimizer.zero_grad();
            loss.backward();
            nn.utils.clip_grad_norm_(model.parameters(), policy.GradientClip);
            optimizer.step();

            var tenth = Math.Min(9, step * 10 / policy.Steps);
            tenths[tenth] += loss.item<float>();
            tenthSteps[tenth]++;
            onStep?.Invoke(step + 1);
        }

        var curve = tenths.Select((sum, i) => tenthSteps[i] == 0 ? double.NaN : sum / tenthSteps[i]).Where(x => !double.IsNaN(x)).ToArray();
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

    private static AdamW CreateOptimizer(Gpt model, TrainingPolicy policy)
    {
        // Decaying norms, biases and embeddings' scale hurts tiny models; decay only weight matrices.
        var parameters = model.parameters().ToList();
        var decayed = parameters.Where(p => p.dim() >= 2).ToList();
        var plain = parameters.Where(p => p.dim() < 2).ToList();
        return optim.AdamW(
            [
                new AdamW.ParamGroup(decayed, lr: policy.LearningRate, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: policy.WeightDecay, amsgrad: false, maximize: false),
                new AdamW.ParamGroup(plain, lr: policy.LearningRate, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0, amsgrad: false, maximize: false),
            ],
            lr: policy.LearningRate);
    }

    private static void SetLearningRate(AdamW optimizer, double rate)
    {
        foreach (var group in optimizer.ParamGroups)
        {
            group.LearningRate = rate;
        }
    }

    private static void FillBatch(TokenStream data, SplitMix64 rng, long[] into, int window)
    {
        var rows = into.Length / (window + 1);
        var ids = data.Ids;
        for (var r = 0; r < rows; r++)
        {
            var start = (int)rng.NextInt64(ids.Length - window);
            for (var i = 0; i <= window; i++)
            {
                into[r * (window + 1) + i] = ids[start + i];
            }
        }
    }
}
