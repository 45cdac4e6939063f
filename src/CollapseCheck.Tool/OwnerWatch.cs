using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace CollapseCheck.Tool;

/// <summary>
/// Checks once a second whether the build that started the tool (<see cref="BuildOwner.Variable"/>) still runs, and
/// calls back once when it does not. The owner's start time is compared too, so a process id the system has handed to
/// a new process since does not keep a run alive.
/// </summary>
internal sealed class OwnerWatch : IDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private readonly int _owner;
    private readonly DateTime _started;
    private readonly Action<int> _gone;
    private readonly Timer _timer;
    private int _told;

    private OwnerWatch(int owner, DateTime started, Action<int> gone)
    {
        _owner = owner;
        _started = started;
        _gone = gone;
        _timer = new Timer(_ => Check(), null, Period, Period);
    }

    /// <summary>
    /// Watches the process the variable names, if it names one: null when it is unset, not a process id, or names a
    /// process whose start the system will not say (another user's on Windows), which is then left alone. An owner
    /// already gone is reported at once.
    /// </summary>
    public static OwnerWatch? Start(string? variable, Action<int> gone)
    {
        if (!int.TryParse(variable, NumberStyles.None, CultureInfo.InvariantCulture, out var owner) || owner <= 0)
        {
            return null;
        }

        var started = StartOf(owner);
        if (started is null)
        {
            gone(owner);
            return null;
        }

        return started == DateTime.MinValue ? null : new OwnerWatch(owner, started.Value, gone);
    }

    private void Check()
    {
        if (StartOf(_owner) is { } started && (started == _started || started == DateTime.MinValue))
        {
            return;
        }

        if (Interlocked.Exchange(ref _told, 1) == 0)
        {
            _timer.Change(Timeout.Infinite, Timeout.Infinite);
            _gone(_owner);
        }
    }

    /// <summary>When the process started; null when there is no such process; DateTime.MinValue when it cannot be told.</summary>
    private static DateTime? StartOf(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return process.StartTime;
        }
        catch (ArgumentException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            // It exited between being found and being asked.
            return null;
        }
        catch (Win32Exception)
        {
            return DateTime.MinValue;
        }
    }

    public void Dispose() => _timer.Dispose();
}
