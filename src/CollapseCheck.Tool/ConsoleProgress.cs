using System.Diagnostics;
using System.Globalization;
using CollapseCheck.Lineage;
using Spectre.Console;

namespace CollapseCheck.Tool;

/// <summary>
/// Progress on stderr: live bars when stderr is a terminal, one plain line per phase otherwise
/// (CI logs, redirected output, tests), so logs stay readable and stdout carries only results.
/// </summary>
internal static class ConsoleProgress
{
    public static T Run<T>(ToolOutput output, Func<ILineageProgress, T> work)
    {
        var interactive = ReferenceEquals(output.Error, Console.Error) && !Console.IsErrorRedirected
            && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));
        if (!interactive)
        {
            return work(new PlainProgress(output.Error));
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        T result = default!;
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var live = new LiveProgress(context);
                result = work(live);
                // predict ends on its theory step, which nothing after it completes.
                live.Complete();
            });
        return result;
    }

    private static string Describe(GenerationResult r, PhaseTimings t) => string.Create(CultureInfo.InvariantCulture,
        $"generation {r.Generation}: held-out perplexity {r.HeldOut.Perplexity:F3}, generated entropy {r.Generated.UnigramEntropyBits:F3} bits ({t.TrainSeconds + t.EvaluateSeconds + t.SampleSeconds:F1} s{(t.Cached ? " when computed; from the cache now" : "")})");

    private sealed class PlainProgress(TextWriter error) : ILineageProgress
    {
        /// <summary>A log line per unit of a long step would bury the rest; one at most this often shows it is alive.</summary>
        private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(10);

        private readonly Lock _lock = new();
        private readonly Stopwatch _sinceLastLine = new();
        private string _step = "";

        public void LineageStarted(int seed, int index, int count)
        {
            if (count > 1)
            {
                error.WriteLine($"collapsecheck: lineage {index + 1} of {count} (seed {seed})");
            }
        }

        public void Preparing(string step)
        {
            lock (_lock)
            {
                _step = step;
                _sinceLastLine.Restart();
                error.WriteLine($"collapsecheck: {step}");
            }
        }

        public void PreparingAdvanced(long done, long total, string units)
        {
            lock (_lock)
            {
                if (_sinceLastLine.Elapsed >= HeartbeatInterval && done < total)
                {
                    _sinceLastLine.Restart();
                    error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"collapsecheck: {_step}: {done} of {total} {units} done ({100.0 * done / total:F0} %)"));
                }
            }
        }

        public void PhaseStarted(int generation, LineagePhase phase, long total) =>
            error.WriteLine($"collapsecheck: generation {generation}: {phase.ToString().ToLowerInvariant()} ({total} {Unit(phase)})");

        public void GenerationFinished(GenerationResult result, PhaseTimings timings) =>
            error.WriteLine($"collapsecheck: {Describe(result, timings)}");
    }

    private sealed class LiveProgress(ProgressContext context) : ILineageProgress
    {
        private readonly Lock _lock = new();
        private ProgressTask? _task;

        public void Preparing(string step)
        {
            Complete();
            _task = context.AddTask(step).IsIndeterminate();
        }

        public void PreparingAdvanced(long done, long total, string units)
        {
            // Workers report in any order; the lock keeps the highest count, so the bar never moves back.
            lock (_lock)
            {
                if (_task is { } task)
                {
                    task.IsIndeterminate(false);
                    task.MaxValue = total;
                    task.Value = Math.Max(task.Value, done);
                }
            }
        }

        public void PhaseStarted(int generation, LineagePhase phase, long total)
        {
            Complete();
            _task = context.AddTask($"gen {generation} {phase.ToString().ToLowerInvariant()}", maxValue: Math.Max(1, total));
        }

        public void Advanced(int generation, LineagePhase phase, long done) => _task?.Value(done);

        public void GenerationFinished(GenerationResult result, PhaseTimings timings) => Complete();

        // Only training reports steps; a phase that has ended is complete whatever it reported.
        public void Complete()
        {
            _task?.Value(_task.MaxValue);
            _task?.StopTask();
        }
    }

    private static string Unit(LineagePhase phase) => phase switch
    {
        LineagePhase.Train => "steps",
        LineagePhase.Evaluate => "held-out tokens",
        _ => "tokens",
    };
}
