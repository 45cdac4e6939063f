using CollapseCheck.Common;
using CollapseCheck.Modeling;
using CollapseCheck.Native;
using CollapseCheck.Policy;
using CollapseCheck.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CollapseCheck.Core.Tests.Training;

public class TrainerTests
{
    private static readonly GptConfig s_config = new(VocabularySize: 40, Layers: 2, Width: 32, Heads: 4, Context: 16);

    public TrainerTests() => TorchNative.EnsureLoaded();

    [Fact]
    public void Flat_parameters_are_the_model_parameters_and_collect_their_gradients()
    {
        using var model = new Gpt(s_config, seed: 3);
        using var ids = randint(0, 40, [2, 9], dtype: ScalarType.Int64);
        using var before = Logits(model, ids);
        using var flat = FlatParameters.Adopt(model);

        Assert.Equal(model.ParameterCount, flat.Values.numel());
        using (var same = Logits(model, ids))
        {
            Assert.True(same.eq(before).all().item<bool>(), "adopting must not change the model");
        }

        using (no_grad())
        using (var half = 0.5.ToScalar())
        {
            flat.Values.mul_(half);
        }

        using (var changed = Logits(model, ids))
        {
            Assert.False(changed.eq(before).all().item<bool>(), "the model's parameters must be views into the flat buffer");
        }

        using var loss = model.forward(ids).sum();
        loss.backward();
        Assert.True(flat.Gradients.abs().sum().item<float>() > 0);
        using var three = 3.0.ToScalar();
        using (no_grad())
        {
            flat.Gradients.fill_(three);
        }

        Assert.All(model.parameters(), p => Assert.True(p.grad!.eq(three).all().item<bool>(), "every gradient must be a view into the flat buffer"));
    }

    /// <summary>
    /// Against AdamW as PyTorch documents it (decoupled decay, bias-corrected moments), written out in doubles on the
    /// host from the same gradients: TorchSharp's own AdamW makes Scalars on the fly, which a collection can free
    /// mid-kernel (see HeldScalars), so it cannot serve as the reference.
    /// </summary>
    [Fact]
    public void Flat_AdamW_takes_the_steps_of_AdamW_written_out_on_the_host_with_decay_on_matrices_only()
    {
        const double rate = 0.01, beta1 = 0.9, beta2 = 0.95, epsilon = 1e-8, decay = 0.1;
        using var model = new Gpt(s_config, seed: 4);
        using var ids = randint(0, 40, [3, 16], dtype: ScalarType.Int64);
        var matrices = model.parameters().Where(p => p.dim() >= 2).Sum(p => p.numel());
        using var flat = FlatParameters.Adopt(model);
        using var adamW = new FlatAdamW(flat, beta1, beta2, epsilon, decay);
        Assert.Equal(matrices, flat.Decayed.numel());

        var initial = OnHost(flat.Values);
        var expected = (double[])initial.Clone();
        var first = new double[expected.Length];
        var second = new double[expected.Length];
        for (var step = 1; step <= 5; step++)
        {
            flat.Gradients.zero_();
            using (var loss = Loss(model, ids))
            {
                loss.backward();
            }

            var gradients = OnHost(flat.Gradients);
            adamW.Step(rate);
            for (var i = 0; i < expected.Length; i++)
            {
                expected[i] *= i < matrices ? 1 - rate * decay : 1;
                first[i] = beta1 * first[i] + (1 - beta1) * gradients[i];
                second[i] = beta2 * second[i] + (1 - beta2) * gradients[i] * gradients[i];
                var firstHat = first[i] / (1 - Math.Pow(beta1, step));
                var secondHat = second[i] / (1 - Math.Pow(beta2, step));
                expected[i] -= rate * firstHat / (Math.Sqrt(secondHat) + epsilon);
            }
        }

        var actual = OnHost(flat.Values);
        var worst = Enumerable.Range(0, expected.Length).MaxBy(i => Math.Abs(actual[i] - expected[i]) - 1e-4 * Math.Abs(expected[i]));
        Assert.True(Math.Abs(actual[worst] - expected[worst]) <= 1e-6 + 1e-4 * Math.Abs(expected[worst]),
            $"parameter {worst}: {actual[worst]} after five steps, AdamW gives {expected[worst]}");
        Assert.True(actual.Zip(initial).Count(p => p.First != p.Second) > actual.Length / 2, "the steps must move most parameters");
    }

    [Fact]
    public void Clipping_scales_the_gradients_to_the_norm_on_the_device_and_leaves_small_ones_alone()
    {
        using var model = new Gpt(s_config, seed: 5);
        using var flat = FlatParameters.Adopt(model);
        using (no_grad())
        {
            flat.Gradients.fill_(HeldScalars.One);
        }

        flat.ClipGradients(2.0);
        Assert.Equal(2.0, flat.Gradients.norm().item<float>(), 3);
        flat.ClipGradients(10.0);
        Assert.Equal(2.0, flat.Gradients.norm().item<float>(), 3);
    }

    [Fact]
    public void Sharded_and_unsharded_batches_give_the_same_gradient()
    {
        Assert.Equal((0, 3), ComputeDevice.ShardRows(7, 2, 0));
        Assert.Equal((3, 4), ComputeDevice.ShardRows(7, 2, 1));

        using var model = new Gpt(s_config, seed: 6);
        using var flat = FlatParameters.Adopt(model);
        using var rows = randint(0, 40, [6, 17], dtype: ScalarType.Int64);
        var (whole, sharded) = (Gradient(model, flat, rows, 1), Gradient(model, flat, rows, 2));
        Assert.True(sharded.allclose(whole, rtol: 1e-4, atol: 1e-7));
        Assert.True(Gradient(model, flat, rows, 2).eq(sharded).all().item<bool>(), "two shards must give the same bits every time");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Training_lowers_the_loss_and_repeats_bit_for_bit(bool mixedPrecision)
    {
        var rng = new SplitMix64(2);
        // A repeating pattern is learnable: the loss must fall well below the uniform model's ln(40) = 3.69 nats.
        var stream = new TokenStream(Enumerable.Range(0, 20).Select(_ => Enumerable.Range(0, 50).Select(i => (i * 7 + (int)rng.NextInt64(2)) % 39).ToArray()), 39);
        var policy = new TrainingPolicy(Steps: 60, Batch: 8, LearningRate: 0.01, WeightDecay: 0.1, WarmupSteps: 5, GradientClip: 1.0, Seed: 1, WarmStart: false);
        TrainingResult Once()
        {
            using var model = new Gpt(s_config, seed: 7) { ComputeType = mixedPrecision ? ScalarType.BFloat16 : null };
            return Trainer.Train(model, stream, policy, CPU, new SplitMix64(9));
        }

        var (a, b) = (Once(), Once());
        Assert.Equal(10, a.LossCurve.Count);
        Assert.True(a.FinalLoss < 2.0, $"final loss {a.FinalLoss}");
        Assert.True(a.LossCurve[0] > a.FinalLoss);
        Assert.Equal(a.LossCurve, b.LossCurve);
        Assert.Equal(60L * 8 * 16, a.Tokens);
    }

    private static Tensor Logits(Gpt model, Tensor ids)
    {
        using var _ = no_grad();
        return model.forward(ids);
    }

    private static double[] OnHost(Tensor values)
    {
        using var detached = values.detach();
        using var doubles = detached.to(ScalarType.Float64);
        return doubles.data<double>().ToArray();
    }

    private static Tensor Loss(Gpt model, Tensor ids)
    {
        using var logits = model.forward(ids.narrow(1, 0, ids.shape[1] - 1));
        return F.cross_entropy(logits.reshape(-1, 40), ids.narrow(1, 1, ids.shape[1] - 1).reshape(-1));
    }

    private static Tensor Gradient(Gpt model, FlatParameters flat, Tensor rows, int shards)
    {
        flat.Gradients.zero_();
        ComputeDevice.ForEachShard(shards, shard =>
        {
            using var scope = NewDisposeScope();
            using var tokens = (rows.shape[0] * 16.0).ToScalar();
            var (start, count) = ComputeDevice.ShardRows(rows.shape[0], shards, shard);
            var part = rows.narrow(0, start, count);
            using var logits = model.forward(part.narrow(1, 0, 16));
            F.cross_entropy(logits.reshape(-1, 40), part.narrow(1, 1, 16).reshape(-1), reduction: nn.Reduction.Sum).div(tokens).backward();
        });
        return flat.Gradients.clone();
    }
}
