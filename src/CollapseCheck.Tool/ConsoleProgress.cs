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
            .Start(context => result = work(new LiveProgress(context)));
        return result;
    }

    private static string Describe(GenerationResult r, PhaseTimings t) => string.Create(CultureInfo.InvariantCulture,
        $"generation {r.Generation}: held-out perplexity {r.HeldOut.Perplexity:F3}, generated entropy {r.Generated.UnigramEntropyBits:F3} bits ({t.TrainSeconds + t.EvaluateSeconds + t.SampleSeconds:F1} s)");

    private sealed class PlainProgress(TextWriter error) : ILineageProgress
    {
        public void LineageStarted(int seed, int index, int count)
        {
            if (count > 1)
            {
                error.WriteLine($"collapsecheck: lineage {index + 1} of {count} (seed {seed})");
            }
        }

        public void Preparing(string step) => error.WriteLine($"collapsecheck: {step}");

        public void PhaseStarted(int generation, LineagePhase phase, long total) =>
            error.WriteLine($"collapsecheck: generation {generation}: {phase.ToString().ToLowerInvariant()} ({total} {Unit(phase)})");

        public void GenerationFinished(GenerationResult result, PhaseTimings timings) =>
            error.WriteLine($"collapsecheck: {Describe(result, timings)}");
    }

    private sealed class LiveProgress(ProgressContext context) : ILineageProgress
    {
        private ProgressTask? _task;

        public void Preparing(string step)
        {
            Complete();
            _task = context.AddTask(step).IsIndeterminate();
        }

        public void PhaseStarted(int generation, LineagePhase phase, long total)
        {
            Complete();
            _task = context.AddTask($"gen {generation} {phase.ToString().ToLowerInvariant()}", maxValue: Math.Max(1, total));
        }

        public void Advanced(int generation, LineagePhase phase, long done) => _task?.Value(done);

        public void GenerationFinished(GenerationResult result, PhaseTimings timings) => Complete();

        // Only training reports steps; a phase that has ended is complete whatever it reported.
        private void Complete()
        {
            _task?.Value(_task.MaxValue);
            _task?.StopTask();
        }
    }

    private static string Unit(LineagePhase phase) => phase switch
    {
        LineagePhase.Train => "steps",
        LineagePhase.Evaluate => "held-out ids",
        _ => "tokens",
    };
}
