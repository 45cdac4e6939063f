using CollapseCheck.Common;
using CollapseCheck.Modeling;
using CollapseCheck.Native;
using CollapseCheck.Policy;
using CollapseCheck.Sampling;
using CollapseCheck.Training;
using static TorchSharp.torch;

namespace CollapseCheck.Core.Tests.Native;

/// <summary>
/// Holds Core to the rule in <see cref="HeldScalars"/>: TorchSharp frees a Scalar from its finalizer, so a Scalar
/// nobody holds can be freed while libtorch reads it. The first tests read Core's compiled code; the last runs
/// the real loops while the collector runs nonstop, which is how the CI failure was reproduced.
/// </summary>
public class ScalarLifetimeTests
{
    private const string ImplicitScalar = "TorchSharp.Scalar::op_Implicit";

    private static readonly Lazy<HashSet<string>> s_makers = new(ScalarMakingTorchSharpMethods);

    [Fact]
    public void The_scan_finds_scalars_made_on_the_fly_where_they_are()
    {
        Assert.Contains("TorchSharp.torch/Tensor::add_(TorchSharp.torch/Tensor)", s_makers.Value);
        Assert.Contains("TorchSharp.torch/Tensor::op_Addition(TorchSharp.torch/Tensor,TorchSharp.torch/Tensor)", s_makers.Value);
        var here = Unheld(typeof(ScalarLifetimeTests).Assembly.Location)
            .Where(c => c.Caller.Contains(nameof(ScalarLifetimeTests)))
            .Select(c => c.Callee)
            .ToList();
        Assert.Contains(here, c => c.StartsWith(ImplicitScalar));
        Assert.Contains("TorchSharp.torch/Tensor::op_Addition(TorchSharp.torch/Tensor,TorchSharp.torch/Tensor)", here);
    }

    [Fact]
    public void Core_and_these_tests_pass_libtorch_no_scalar_that_nobody_holds()
    {
        // The tests too: the nonstop collector below runs while they do.
        var offenders = Unheld(typeof(Gpt).Assembly.Location)
            .Concat(Unheld(typeof(ScalarLifetimeTests).Assembly.Location).Where(c => !c.Caller.Contains(nameof(UnheldScalars))))
            .Select(c => $"{c.Caller} calls {c.Callee}")
            .Distinct()
            .ToList();
        Assert.True(offenders.Count == 0,
            "Pass libtorch a Scalar made in a `using` or HeldScalars.One (t.add(u, One) for t + u); see HeldScalars for why:\n"
            + string.Join("\n", offenders));
    }

    [Fact]
    public void Every_scalar_Core_makes_is_stored_before_it_is_used()
    {
        var made = IlCalls.In(typeof(Gpt).Assembly.Location)
            .Where(c => c.Callee.StartsWith("TorchSharp.ScalarExtensionMethods::To"))
            .ToList();
        Assert.NotEmpty(made);
        Assert.All(made, c => Assert.True(c.Next.StartsWith("stloc") || c.Next is "stfld" or "stsfld", $"{c.Caller}: {c.Callee} then {c.Next}"));
    }

    [Fact]
    public void Training_sampling_and_evaluation_give_the_same_numbers_while_the_collector_runs_nonstop()
    {
        TorchNative.EnsureLoaded();
        var quiet = TrainSampleEvaluate();
        var stressed = WhileCollecting(TrainSampleEvaluate);
        Assert.Equal(quiet, stressed);
    }

    private static IEnumerable<IlCall> Unheld(string assemblyPath) =>
        IlCalls.In(assemblyPath).Where(c => c.Callee.StartsWith(ImplicitScalar) || s_makers.Value.Contains(c.Callee));

    /// <summary>TorchSharp methods that make a Scalar inside, directly or through another such method.</summary>
    private static HashSet<string> ScalarMakingTorchSharpMethods()
    {
        var calls = IlCalls.In(typeof(TorchSharp.torch).Assembly.Location);
        var makers = calls
            .Where(c => c.Callee.StartsWith(ImplicitScalar) || c.Callee.StartsWith("TorchSharp.ScalarExtensionMethods::To"))
            .Select(c => c.Caller)
            .ToHashSet();
        int count;
        do
        {
            count = makers.Count;
            makers.UnionWith(calls.Where(c => makers.Contains(c.Callee)).Select(c => c.Caller).ToList());
        }
        while (makers.Count != count);

        return makers;
    }

    private static string TrainSampleEvaluate()
    {
        var config = new GptConfig(VocabularySize: 40, Layers: 2, Width: 32, Heads: 4, Context: 16);
        var rng = new SplitMix64(2);
        var documents = Enumerable.Range(0, 40).Select(_ => Enumerable.Range(0, 30).Select(i => (i * 7 + (int)rng.NextInt64(3)) % 39).ToArray()).ToList();
        var stream = new TokenStream(documents, 39);
        var policy = new TrainingPolicy(Steps: 150, Batch: 8, LearningRate: 0.01, WeightDecay: 0.1, WarmupSteps: 5, GradientClip: 1.0, Seed: 1, WarmStart: false);
        using var model = new Gpt(config, seed: 7);
        var training = Trainer.Train(model, stream, policy, CPU, new SplitMix64(9));
        var sampler = new Sampler(model, new SamplingPolicy(Temperature: 0.9, TopK: 20, TopP: 0.95, MaxLength: 16), endOfDocumentId: 39, CPU, batch: 8);
        var samples = sampler.SampleTokens(tokens: 1_000, seed: 3);
        var evaluation = Evaluator.Evaluate(model, stream, _ => 1, CPU);
        return $"{string.Join(",", training.LossCurve)} | {string.Join(";", samples.Select(s => string.Join(",", s)))} | {evaluation.Nats}";
    }

    private static T WhileCollecting<T>(Func<T> work)
    {
        var stop = false;
        var collector = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                // Generation 0 only: the Scalars in question are that young, and a full collection of the test
                // process's heap would stall the work it is meant to interrupt.
                GC.Collect(0);
                GC.WaitForPendingFinalizers();
            }
        });
        collector.Start();
        try
        {
            return work();
        }
        finally
        {
            Volatile.Write(ref stop, true);
            collector.Join();
        }
    }

    // Never called: compiled so the scan has an implicit conversion and a Tensor + Tensor to find.
    private static Tensor UnheldScalars(Tensor a, Tensor b) => a.mul(2.0) + b;
}
