using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace CollapseCheck.Training;

/// <summary>
/// Runs the shards of many short jobs in a row: shard 0 on the calling thread, every other shard on a helper thread
/// of its own that spins for a while before it sleeps when waiting for the next job. One caller, one job at a time,
/// never from inside a job; dispose the team after its last <see cref="Run"/>.
/// </summary>
/// <remarks>
/// A training step on CPU takes about 10 ms, and through <see cref="Parallel.For(int, int, Action{int})"/> each
/// step handed its second shard to a thread-pool worker that had gone to sleep since the last one. A helper that
/// spins through the optimizer step between two jobs starts at once and keeps its core from idling: on a 2-core
/// VM the median training step went from 11.2 to 9.7 ms (nine alternating runs of each, same bits). A helper with
/// no job for two milliseconds sleeps, so a team left idle costs nothing. With fewer cores than shards nothing spins:
/// a spinning thread would take the core that the thread it waits for needs (a review measured 8.0 → 12.0 ms per
/// simulated step on one core).
/// </remarks>
public sealed class ShardTeam : IDisposable
{
    private readonly Helper[] _helpers;
    private readonly long _spinBeforeSleep;
    private Action<int>? _job;
    private int _posted;
    private int _running;
    private bool _disposed;

    public ShardTeam(int shards)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        // 2 ms: longer than an optimizer step, the gap between two training steps' jobs.
        _spinBeforeSleep = Environment.ProcessorCount >= shards ? Stopwatch.Frequency / 500 : 0;
        _helpers = Enumerable.Range(1, shards - 1).Select(shard => new Helper(this, shard)).ToArray();
    }

    public int Shards => _helpers.Length + 1;

    /// <summary>Runs <paramref name="job"/> for every shard at once and returns when all are done; the lowest shard's failure is rethrown as is.</summary>
    public void Run(Action<int> job)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // Two posts at once would let a helper skip a job number and its caller wait for it forever: refuse instead.
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            throw new InvalidOperationException("a ShardTeam runs one job at a time, and not from inside one of its jobs");
        }

        _job = job;
        var number = Interlocked.Increment(ref _posted);
        foreach (var helper in _helpers)
        {
            helper.Wake();
        }

        ExceptionDispatchInfo? failure = null;
        try
        {
            job(0);
        }
        catch (Exception e)
        {
            failure = ExceptionDispatchInfo.Capture(e);
        }

        foreach (var helper in _helpers)
        {
            var error = helper.AwaitFinished(number);
            failure ??= error;
        }

        _job = null;
        Volatile.Write(ref _running, 0);
        failure?.Throw();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Interlocked.Increment(ref _posted);
        foreach (var helper in _helpers)
        {
            helper.Wake();
            helper.Join();
        }
    }

    /// <summary>
    /// Spins until <paramref name="done"/> holds or the spin budget is spent; true when it holds. Yields now and then, so
    /// a thread of another process waiting for this core gets it.
    /// </summary>
    private bool SpinUntil(Func<bool> done)
    {
        var start = Stopwatch.GetTimestamp();
        for (var turn = 1; !done(); turn++)
        {
            if (Stopwatch.GetTimestamp() - start >= _spinBeforeSleep)
            {
                return false;
            }

            if (turn % 64 == 0)
            {
                Thread.Yield();
            }
            else
            {
                Thread.SpinWait(20);
            }
        }

        return true;
    }

    private sealed class Helper
    {
        private readonly ShardTeam _team;
        private readonly int _shard;
        private readonly Thread _thread;
        private readonly SemaphoreSlim _wake = new(0);
        private readonly SemaphoreSlim _finishedSignal = new(0);
        private int _sleeping;
        private int _callerSleeping;
        private int _finished;
        private ExceptionDispatchInfo? _error;

        public Helper(ShardTeam team, int shard)
        {
            _team = team;
            _shard = shard;
            _thread = new Thread(Loop) { IsBackground = true, Name = $"CollapseCheck shard {shard}" };
            _thread.Start();
        }

        public void Wake()
        {
            if (Volatile.Read(ref _sleeping) == 1)
            {
                _wake.Release();
            }
        }

        public ExceptionDispatchInfo? AwaitFinished(int number)
        {
            while (!_team.SpinUntil(() => Volatile.Read(ref _finished) == number))
            {
                // The same handshake as the helper's: say we sleep, look once more, then sleep.
                Interlocked.Exchange(ref _callerSleeping, 1);
                if (Volatile.Read(ref _finished) != number)
                {
                    _finishedSignal.Wait();
                }

                Volatile.Write(ref _callerSleeping, 0);
            }

            var error = _error;
            _error = null;
            return error;
        }

        public void Join()
        {
            _thread.Join();
            _wake.Dispose();
            _finishedSignal.Dispose();
        }

        private void Loop()
        {
            var seen = 0;
            while (true)
            {
                if (!_team.SpinUntil(() => Volatile.Read(ref _team._posted) != seen))
                {
                    // Announce the sleep (a full fence) before the last look, so a job posted in between is either seen
                    // here or finds _sleeping set and releases the semaphore; a spare release only costs one extra turn.
                    Interlocked.Exchange(ref _sleeping, 1);
                    if (Volatile.Read(ref _team._posted) == seen)
                    {
                        _wake.Wait();
                    }

                    Volatile.Write(ref _sleeping, 0);
                    continue;
                }

                seen = Volatile.Read(ref _team._posted);
                if (Volatile.Read(ref _team._disposed))
                {
                    return;
                }

                try
                {
                    _team._job!(_shard);
                }
                catch (Exception e)
                {
                    _error = ExceptionDispatchInfo.Capture(e);
                }

                Interlocked.Exchange(ref _finished, seen);
                if (Volatile.Read(ref _callerSleeping) == 1)
                {
                    _finishedSignal.Release();
                }
            }
        }
    }
}
