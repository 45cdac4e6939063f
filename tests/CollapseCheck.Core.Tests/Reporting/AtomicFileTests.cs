using CollapseCheck.Diagnostics;
using CollapseCheck.Reporting;

namespace CollapseCheck.Core.Tests.Reporting;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("collapsecheck-atomic-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    [Fact]
    public void Every_file_is_replaced_and_nothing_else_is_left_in_the_folder()
    {
        File.WriteAllText(PathOf("report.json"), "old");

        AtomicFile.WriteAll(_folder, [("report.json", "new"), ("run.json", "first")]);

        Assert.Equal("new", File.ReadAllText(PathOf("report.json")));
        Assert.Equal("first", File.ReadAllText(PathOf("run.json")));
        Assert.Equal(["report.json", "run.json"], Directory.GetFileSystemEntries(_folder).Select(Path.GetFileName).Order());
    }

    /// <summary>The staged copy's name is what the file system refuses; "cannot write to the folder" blamed the folder.</summary>
    [Fact]
    public void A_name_too_long_for_its_staged_copy_is_refused_by_name_before_anything_is_written()
    {
        var tooLong = new string('r', AtomicFile.MaxNameLength + 1);
        var fits = new string('f', AtomicFile.MaxNameLength);

        var e = Assert.Throws<CollapseCheckException>(() => AtomicFile.WriteAll(_folder, [("first.json", "a"), (tooLong, "b")]));

        Assert.Equal("CC0030", e.Code);
        Assert.StartsWith($"cannot write to '{PathOf(tooLong)}': its name is {AtomicFile.MaxNameLength + 1} bytes, and at most {AtomicFile.MaxNameLength} fit", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_folder));
        AtomicFile.WriteAll(_folder, [(fits, "c")]);
        Assert.Equal("c", File.ReadAllText(PathOf(fits)));
    }

    [Fact]
    public void What_is_read_once_the_folder_is_locked_is_read_under_the_lock_and_before_the_new_set()
    {
        File.WriteAllText(PathOf("run.json"), "earlier");
        string? seen = null;
        var held = false;

        AtomicFile.WriteAll(_folder, [("run.json", "new")], locked: () =>
        {
            seen = File.ReadAllText(PathOf("run.json"));
            try
            {
                using var _ = new FileStream(PathOf(".collapsecheck-writing.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                held = true;
            }
        });

        Assert.Equal("earlier", seen);
        Assert.True(held, "the callback ran without the folder's lock");
        Assert.Equal("new", File.ReadAllText(PathOf("run.json")));
    }

    [Fact]
    public async Task A_write_waits_while_another_writer_holds_the_folder_and_then_lands_whole()
    {
        // What another run writing the same output folder holds while it stages and renames its set.
        var held = new FileStream(PathOf(".collapsecheck-writing.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        var write = Task.Run(() => AtomicFile.WriteAll(_folder, [("report.json", "second"), ("run.json", "second")]));

        await Task.Delay(500);
        Assert.False(write.IsCompleted, "the write did not wait for the other writer");
        Assert.False(File.Exists(PathOf("report.json")));

        held.Dispose();
        await write.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["report.json", "run.json"], Directory.GetFileSystemEntries(_folder).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task A_write_waiting_for_another_writer_says_so_after_a_second_and_a_cancellation_stops_it_with_nothing_written()
    {
        using var held = new FileStream(PathOf(".collapsecheck-writing.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        using var cancellation = new CancellationTokenSource();
        var said = new System.Collections.Concurrent.ConcurrentQueue<(string Message, TimeSpan At)>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var write = Task.Run(() => AtomicFile.WriteAll(_folder, [("report.json", "new"), ("run.json", "new")], cancellation.Token, m => said.Enqueue((m, clock.Elapsed))));

        for (var waited = 0; said.IsEmpty && waited < 300; waited++)
        {
            await Task.Delay(100);
        }

        Assert.Equal([$"another collapsecheck is writing to '{_folder}'; waiting up to 60 s for it to finish (Ctrl+C stops waiting)"], said.Select(s => s.Message));
        // Not before a second of waiting (timed from before the write began, so a loaded machine cannot make it early).
        Assert.True(said.Single().At >= TimeSpan.FromSeconds(1), $"said after {said.Single().At}");
        cancellation.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => write.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal([".collapsecheck-writing.lock"], Directory.GetFileSystemEntries(_folder).Select(Path.GetFileName));
        Assert.Single(said);
    }

    [Fact]
    public void A_failure_part_way_puts_back_the_files_already_replaced()
    {
        // The third target cannot be written (a folder stands there), after the first two were replaced.
        File.WriteAllText(PathOf("report.json"), "old report");
        Directory.CreateDirectory(PathOf("report.svg"));
        File.WriteAllText(PathOf("run.json"), "old run");

        var error = Assert.Throws<CollapseCheckException>(() =>
            AtomicFile.WriteAll(_folder, [("report.json", "new report"), ("report.md", "new md"), ("report.svg", "new svg"), ("run.json", "new run")]));

        Assert.Equal("CC0030", error.Code);
        Assert.Equal("old report", File.ReadAllText(PathOf("report.json")));
        Assert.False(File.Exists(PathOf("report.md")), "a file the failed write created is removed");
        Assert.Equal("old run", File.ReadAllText(PathOf("run.json")));
        Assert.Equal(["report.json", "report.svg", "run.json"], Directory.GetFileSystemEntries(_folder).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void A_killed_writers_staged_copies_are_named_as_interrupted_and_the_next_write_removes_them()
    {
        // A process that has ended: its id names no running writer.
        using var ended = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("dotnet", "--version") { RedirectStandardOutput = true })!;
        ended.WaitForExit();
        var dead = ended.Id;
        File.WriteAllText(PathOf("collapsecheck-report.json"), "new");
        File.WriteAllText(PathOf("collapsecheck-report.md"), "old");
        File.WriteAllText(PathOf($".collapsecheck-report.json.{dead}.old"), "old");
        File.WriteAllText(PathOf($".collapsecheck-report.md.{dead}.tmp"), "new");
        // Not a torn set: the folder probe's leftover, and this process's own (a write under way).
        File.WriteAllText(PathOf($".collapsecheck-probe.{dead}.tmp"), "");
        File.WriteAllText(PathOf($".collapsecheck-report.svg.{Environment.ProcessId}.tmp"), "");
        // Nor a user's file of that shape in a folder verify writes into.
        File.WriteAllText(PathOf(".settings.json.20240101.old"), "keep");
        string[] set = ["collapsecheck-report.json", "collapsecheck-report.md", "collapsecheck-report.svg"];

        Assert.Equal([PathOf($".collapsecheck-report.json.{dead}.old"), PathOf($".collapsecheck-report.md.{dead}.tmp")], AtomicFile.Interrupted(_folder, set));

        AtomicFile.WriteAll(_folder, [("collapsecheck-report.json", "newer"), ("collapsecheck-report.md", "newer")]);
        Assert.Empty(AtomicFile.Interrupted(_folder, set));
        Assert.Equal("keep", File.ReadAllText(PathOf(".settings.json.20240101.old")));
        Assert.False(File.Exists(PathOf($".collapsecheck-report.md.{dead}.tmp")));
        Assert.Equal("newer", File.ReadAllText(PathOf("collapsecheck-report.md")));
    }
}
