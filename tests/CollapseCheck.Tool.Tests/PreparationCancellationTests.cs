using CollapseCheck.Lineage;
using CollapseCheck.Running;

namespace CollapseCheck.Tool.Tests;

/// <summary>
/// Ctrl+C before training: reading, tokenizing and the theory each stop partway, not at their end. The token is
/// cancelled when a step is announced; the step after it must then never be announced.
/// </summary>
public sealed class PreparationCancellationTests : IDisposable
{
    private readonly ToolRunner _tool = new();

    public void Dispose() => _tool.Dispose();

    [Theory]
    [InlineData("reading the corpus", "tokenizing")]
    [InlineData("tokenizing", "the theory")]
    [InlineData("the theory", "generation 0: train")]
    public void A_run_cancelled_during_a_step_stops_inside_it(string cancelledDuring, string neverReached)
    {
        // Glob files, so reading goes through the per-file check; a biased sampler, so the theory runs the surrogate.
        for (var i = 0; i < 3; i++)
        {
            _tool.Write($"data/{i}.txt", string.Join("\n\n", Enumerable.Range(0, 200).Select(p => $"Paragraph {p} of file {i}: the cat sat on the mat.")));
        }

        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(extraLineage: """, "sampling": { "temperature": 0.8 }""")
            .Replace("\"builtin:dotnet-docs\"", "\"data/*.txt\""));
        using var cancel = new CancellationTokenSource();
        var progress = new CancellingProgress(cancelledDuring, cancel);

        Assert.ThrowsAny<OperationCanceledException>(() =>
            RunJob.Execute(new RunOptions(policy, _tool.PathOf("out"), "cpu"), progress, cancel.Token));
        Assert.Contains(progress.Steps, s => s.StartsWith(cancelledDuring, StringComparison.Ordinal));
        Assert.DoesNotContain(progress.Steps, s => s.StartsWith(neverReached, StringComparison.Ordinal));
        Assert.False(Directory.Exists(_tool.PathOf("out")));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_run_cancelled_after_a_generation_says_it_is_cached_only_when_it_is(bool cacheOn)
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 2));
        using var cancel = new CancellationTokenSource();
        var progress = new CancellingProgress("generation 0 finished", cancel);
        var options = new RunOptions(policy, _tool.PathOf("out"), "cpu", CacheFolder: cacheOn ? _tool.PathOf("cache") : null);

        var e = Assert.ThrowsAny<OperationCanceledException>(() => RunJob.Execute(options, progress, cancel.Token));

        Assert.Equal(cacheOn ? 1 : null, (e as LineageCancelledException)?.GenerationsInCache);
        Assert.Equal(cacheOn
            ? "collapsecheck: cancelled; no report was written (1 finished generation stays in the cache, so a rerun resumes there)."
            : Cli.CancelledMessage, Cli.Cancelled(e));
    }

    [Fact]
    public void A_run_cancelled_after_a_generation_says_why_a_cache_it_could_not_write_kept_nothing()
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 2));
        // A file where the cache folder should be: unwritable even for root, which read-only permissions are not.
        var notAFolder = _tool.Write("cache", "a file, not a folder");
        using var cancel = new CancellationTokenSource();
        var progress = new CancellingProgress("generation 0 finished", cancel);
        var options = new RunOptions(policy, _tool.PathOf("out"), "cpu", CacheFolder: notAFolder);

        var e = Assert.ThrowsAny<OperationCanceledException>(() => RunJob.Execute(options, progress, cancel.Token));

        Assert.Equal(0, Assert.IsType<LineageCancelledException>(e).GenerationsInCache);
        var said = Cli.Cancelled(e);
        Assert.StartsWith($"collapsecheck: cancelled; no report was written, and the generation cache '{notAFolder}' could not be written (", said);
        Assert.EndsWith("); the next run recomputes what it could not keep.", said);
        Assert.DoesNotContain("resumes", said);
    }

    [Fact]
    public void A_rerun_is_promised_only_the_generations_before_the_first_the_cache_could_not_take()
    {
        // Generation 1 cannot be stored (a file where its folder goes) and generation 2 can: a rerun recomputes from
        // generation 1 on, whatever is cached after it, so only generation 0 is reused.
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 2));
        var loaded = RunJob.LoadPolicy(policy);
        // The key names the libtorch build, which is known once it is loaded.
        _ = Training.ComputeDevice.Resolve("cpu");
        var keys = GenerationCache.KeysFor(loaded, RunJob.PrepareCorpus(loaded, policy), "cpu", loaded.Training.Seed);
        var blocker = Path.Combine(_tool.PathOf("cache"), keys.For(1)[..32]);
        _tool.Write(blocker, "not a folder");
        using var cancel = new CancellationTokenSource();
        var progress = new CancellingProgress("generation 2 finished", cancel)
        {
            OnStep = step => { if (step == "generation 1 finished") { File.Delete(blocker); } },
        };

        var e = Assert.ThrowsAny<OperationCanceledException>(() =>
            RunJob.Execute(new RunOptions(policy, _tool.PathOf("out"), "cpu", CacheFolder: _tool.PathOf("cache")), progress, cancel.Token));

        Assert.Equal(1, Assert.IsType<LineageCancelledException>(e).GenerationsInCache);
        Assert.StartsWith("collapsecheck: cancelled; no report was written (1 finished generation stays in the cache, so a rerun resumes there), but the generation cache", Cli.Cancelled(e));
        Assert.True(File.Exists(Path.Combine(blocker, "g2.json")), "generation 2 was stored once the way was clear");
    }

    [Fact]
    public void A_run_cancelled_after_some_generations_were_cached_and_one_was_not_says_both()
    {
        var why = "the generation cache '/c' could not be written (No space left on device); the next run recomputes what it could not keep";

        var said = Cli.Cancelled(new LineageCancelledException(2, why, new OperationCanceledException()));

        Assert.Equal($"collapsecheck: cancelled; no report was written (2 finished generations stay in the cache, so a rerun resumes there), but {why}.", said);
    }

    [Fact]
    public void A_run_cancelled_before_any_generation_finished_promises_no_cache()
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 1));
        using var cancel = new CancellationTokenSource();
        var progress = new CancellingProgress("the theory", cancel);
        var options = new RunOptions(policy, _tool.PathOf("out"), "cpu", CacheFolder: _tool.PathOf("cache"));

        var e = Assert.ThrowsAny<OperationCanceledException>(() => RunJob.Execute(options, progress, cancel.Token));

        Assert.IsNotType<LineageCancelledException>(e);
        Assert.Equal(Cli.CancelledMessage, Cli.Cancelled(e));
    }

    [Fact]
    public void Predict_stops_when_cancelled()
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs());
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => PredictJob.Execute(policy, cancellation: cancel.Token));
    }

    /// <summary>Records each step and cancels when one starts with <c>cancelAt</c>.</summary>
    private sealed class CancellingProgress(string cancelAt, CancellationTokenSource cancel) : ILineageProgress
    {
        public List<string> Steps { get; } = [];

        public Action<string>? OnStep { get; init; }

        public void Preparing(string step) => Record(step);

        public void PhaseStarted(int generation, LineagePhase phase, long total) =>
            Record($"generation {generation}: {phase.ToString().ToLowerInvariant()}");

        public void GenerationFinished(GenerationResult result, PhaseTimings timings) => Record($"generation {result.Generation} finished");

        private void Record(string step)
        {
            Steps.Add(step);
            OnStep?.Invoke(step);
            if (step.StartsWith(cancelAt, StringComparison.Ordinal))
            {
                cancel.Cancel();
            }
        }
    }
}
