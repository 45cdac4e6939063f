using System.Runtime.InteropServices;

namespace CollapseCheck.Tool;

/// <summary>
/// While alive, the first Ctrl+C (or SIGTERM) cancels <see cref="Token"/> instead of ending the process, so a run stops
/// at its next training step, writes nothing and says so (exit 130); a second one ends the process at once.
/// System.CommandLine only listens once an action hands back a Task, so a synchronous run used to die mid-phase
/// without a word.
/// </summary>
internal sealed class SignalCancellation : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;

    public SignalCancellation()
    {
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
    }

    public CancellationToken Token => _source.Token;

    private void Cancel(PosixSignalContext signal)
    {
        signal.Cancel = !_source.IsCancellationRequested;
        _source.Cancel();
    }

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _source.Dispose();
    }
}
