using System.Runtime.InteropServices;

namespace CollapseCheck.Tool;

/// <summary>
/// While alive, the first Ctrl+C (or SIGTERM) cancels <see cref="Token"/> instead of ending the process, so a command
/// stops at its next step, writes nothing and says so; a second one ends the process at once. The end of the build
/// that started the tool (<see cref="BuildOwner"/>) cancels it as SIGTERM does.
/// System.CommandLine only listens once an action hands back a Task, so a synchronous run used to die mid-phase
/// without a word.
/// </summary>
internal sealed class SignalCancellation : IDisposable
{
    // Never disposed: a handler already running when the registrations go may still cancel it, and without a timer
    // it holds nothing that needs freeing.
    private readonly CancellationTokenSource _source = new();
    private readonly TextWriter _error;
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;
    private readonly OwnerWatch? _owner;
    private int _exitCode;
    private string _cause = "";

    public SignalCancellation(TextWriter error)
    {
        _error = error;
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        _owner = OwnerWatch.Start(Environment.GetEnvironmentVariable(BuildOwner.Variable), owner => Stop(143,
            $"the end of the build that started it (process {owner})",
            $"collapsecheck: the build that started this run (process {owner}) has ended: stopping at the next step."));
    }

    public CancellationToken Token => _source.Token;

    /// <summary>
    /// Runs <paramref name="work"/> with Ctrl+C and SIGTERM turned into cancellation; when one stops it, says what
    /// <paramref name="cancelled"/> makes of the cancellation and ends with the signal's exit code through
    /// <see cref="SignalledException"/>. A signal that came too late to stop anything is owned up to, so "stopping"
    /// is not the last word of a command that then finished.
    /// </summary>
    public static T Run<T>(TextWriter error, Func<CancellationToken, T> work, Func<OperationCanceledException, string> cancelled)
    {
        using var signals = new SignalCancellation(error);
        T result;
        try
        {
            result = work(signals.Token);
        }
        catch (OperationCanceledException e) when (signals.Token.IsCancellationRequested)
        {
            throw new SignalledException(cancelled(e), signals.ExitCode, signals.Cause, e);
        }

        if (signals.Token.IsCancellationRequested)
        {
            error.WriteLine("collapsecheck: the signal came after the last step; the command finished and its results stand.");
        }

        return result;
    }

    /// <summary>
    /// For a command that writes nothing (bench): Ctrl+C and SIGTERM still end it at once, as by default, but it says
    /// so first, instead of ending with 130 or 143 and no word.
    /// </summary>
    public static IDisposable Announced(TextWriter error, string command)
    {
        void Say(PosixSignalContext signal) => error.WriteLine(
            $"collapsecheck: {command} stopped by {(signal.Signal == PosixSignal.SIGTERM ? "SIGTERM" : "Ctrl+C")}; it writes nothing, so nothing was left half-written.");
        return new Registrations(PosixSignalRegistration.Create(PosixSignal.SIGINT, Say), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Say));
    }

    private sealed class Registrations(params PosixSignalRegistration[] registrations) : IDisposable
    {
        public void Dispose() => Array.ForEach(registrations, r => r.Dispose());
    }

    /// <summary>What shells report for the signal that stopped the run: 128 + its number (130 Ctrl+C, 143 SIGTERM).</summary>
    public int ExitCode => _exitCode;

    /// <summary>What stopped the run, for --diagnostics: "SIGTERM", "Ctrl+C (SIGINT)" or the build's end.</summary>
    public string Cause => _cause;

    private void Cancel(PosixSignalContext signal)
    {
        if (_source.IsCancellationRequested)
        {
            return;
        }

        signal.Cancel = true;
        if (signal.Signal == PosixSignal.SIGTERM)
        {
            Stop(143, "SIGTERM", "collapsecheck: SIGTERM: stopping at the next step; a second signal ends the process at once.");
        }
        else
        {
            Stop(130, "Ctrl+C (SIGINT)", "collapsecheck: stopping at the next step; Ctrl+C again ends the process at once.");
        }
    }

    private void Stop(int exitCode, string cause, string line)
    {
        lock (_source)
        {
            if (_source.IsCancellationRequested)
            {
                return;
            }

            _exitCode = exitCode;
            _cause = cause;
            _error.WriteLine(line);
            _source.Cancel();
        }
    }

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _owner?.Dispose();
    }
}

/// <summary>A command stopped by a signal: <see cref="Cli"/> prints the message and exits with <see cref="ExitCode"/>.</summary>
internal sealed class SignalledException(string message, int exitCode, string cause, Exception inner) : OperationCanceledException(message, inner)
{
    public int ExitCode { get; } = exitCode;

    /// <summary>What stopped it, in the words of --diagnostics' CC0060: "SIGTERM", "Ctrl+C (SIGINT)", or the build's end.</summary>
    public string Cause { get; } = cause;
}
