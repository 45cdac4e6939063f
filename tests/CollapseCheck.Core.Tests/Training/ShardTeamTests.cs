using CollapseCheck.Training;

namespace CollapseCheck.Core.Tests.Training;

/// <summary>Each test runs whole, disposal included, under a deadline: a lost wake-up fails it instead of hanging the run.</summary>
public class ShardTeamTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public void Each_job_runs_every_shard_once_shard_zero_on_the_caller_the_others_on_threads_of_their_own() => WithinDeadline(() =>
    {
        using var team = new ShardTeam(3);
        var threads = new Thread?[3];
        var runs = new int[3];
        team.Run(shard =>
        {
            threads[shard] = Thread.CurrentThread;
            Interlocked.Increment(ref runs[shard]);
        });

        Assert.Equal([1, 1, 1], runs);
        Assert.Same(Thread.CurrentThread, threads[0]);
        Assert.Equal(3, threads.Distinct().Count());
    });

    [Fact]
    public void Back_to_back_jobs_and_jobs_after_an_idle_spell_all_complete() => WithinDeadline(() =>
    {
        using var team = new ShardTeam(2);
        var sums = new long[2];
        for (var job = 1; job <= 3000; job++)
        {
            // Now and then wait past the helper's spin, so it has gone to sleep and must be woken.
            if (job % 500 == 0)
            {
                Thread.Sleep(30);
            }

            var before = sums[1];
            var j = job;
            team.Run(shard => sums[shard] += j);
            Assert.Equal(before + j, sums[1]);
        }

        Assert.Equal(3000L * 3001 / 2, sums[0]);
        Assert.Equal(sums[0], sums[1]);
    });

    [Fact]
    public void A_helper_shards_failure_is_rethrown_as_is_and_the_team_keeps_working() => WithinDeadline(() =>
    {
        using var team = new ShardTeam(2);
        var failure = new InvalidOperationException("shard 1 failed");
        var thrown = Assert.Throws<InvalidOperationException>(() => team.Run(shard =>
        {
            if (shard == 1)
            {
                throw failure;
            }
        }));
        Assert.Same(failure, thrown);

        var ran = new bool[2];
        team.Run(shard => ran[shard] = true);
        Assert.Equal([true, true], ran);
    });

    [Fact]
    public void When_several_shards_fail_the_callers_own_failure_wins() => WithinDeadline(() =>
    {
        using var team = new ShardTeam(2);
        var thrown = Assert.Throws<ArgumentException>(() => team.Run(shard => throw (shard == 0 ? new ArgumentException("zero") : new InvalidOperationException("one"))));
        Assert.Equal("zero", thrown.Message);
    });

    [Fact]
    public void Dispose_ends_the_helper_threads_even_asleep_and_a_disposed_team_refuses_work() => WithinDeadline(() =>
    {
        var team = new ShardTeam(2);
        Thread? helper = null;
        team.Run(shard =>
        {
            if (shard == 1)
            {
                helper = Thread.CurrentThread;
            }
        });

        Thread.Sleep(30);
        team.Dispose();
        Assert.NotNull(helper);
        Assert.False(helper.IsAlive);
        Assert.Throws<ObjectDisposedException>(() => team.Run(_ => { }));
        team.Dispose();
    });

    [Fact]
    public void A_job_that_runs_the_team_again_is_refused_instead_of_hanging() => WithinDeadline(() =>
    {
        using var team = new ShardTeam(2);
        var thrown = Assert.Throws<InvalidOperationException>(() => team.Run(shard =>
        {
            if (shard == 0)
            {
                team.Run(_ => { });
            }
        }));
        Assert.Contains("one job at a time", thrown.Message);

        var ran = new bool[2];
        team.Run(shard => ran[shard] = true);
        Assert.Equal([true, true], ran);
    });

    [Fact]
    public void One_shard_runs_on_the_caller_alone() => WithinDeadline(() =>
    {
        using var team = new ShardTeam(1);
        Thread? ran = null;
        team.Run(_ => ran = Thread.CurrentThread);
        Assert.Same(Thread.CurrentThread, ran);
    });

    private static void WithinDeadline(Action test)
    {
        var task = Task.Factory.StartNew(test, TaskCreationOptions.LongRunning);
        Assert.True(Task.WhenAny(task, Task.Delay(s_deadline)).GetAwaiter().GetResult() == task, $"the test did not finish within {s_deadline.TotalSeconds} s: a lost wake-up");
        task.GetAwaiter().GetResult(); // the test's own assertion failures, unwrapped
    }
}
