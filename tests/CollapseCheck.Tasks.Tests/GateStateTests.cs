namespace CollapseCheck.Tasks.Tests;

public sealed class GateStateTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("collapsecheck-gatestate-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_corpus_file_edited_or_removed_after_the_run_started_is_named_so_the_gate_is_not_stamped()
    {
        var (kept, edited, removed) = (Path.Combine(_root, "a.txt"), Path.Combine(_root, "b.txt"), Path.Combine(_root, "c.txt"));
        foreach (var file in new[] { kept, edited, removed })
        {
            File.WriteAllText(file, "text");
            File.SetLastWriteTimeUtc(file, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        }

        File.WriteAllLines(Path.Combine(_root, "corpus.list"), [kept, edited, removed]);
        var state = new GateState(_root, "stamp", "", "corpus.list", "", "", "diagnostics.json");
        var started = new DateTime(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc);
        Assert.Null(state.CorpusChangedSince(started));

        File.SetLastWriteTimeUtc(edited, started.AddSeconds(1));
        Assert.Equal(edited, state.CorpusChangedSince(started));

        File.SetLastWriteTimeUtc(edited, started.AddSeconds(-1));
        File.Delete(removed);
        Assert.Equal(removed, state.CorpusChangedSince(started));
    }

    [Fact]
    public void A_corpus_folder_that_gained_a_file_after_the_run_started_is_named_too()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_root, "data")).FullName;
        Directory.SetLastWriteTimeUtc(folder, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        File.WriteAllLines(Path.Combine(_root, "corpus.folders"), [folder]);
        var state = new GateState(_root, "stamp", "", "", "corpus.folders", "", "diagnostics.json");
        var started = new DateTime(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc);
        Assert.Null(state.CorpusChangedSince(started));

        // A file added while the tool trained (a git pull) changes its folder's time, which no list of files shows.
        File.WriteAllText(Path.Combine(folder, "new.txt"), "text");
        Assert.Equal(folder, state.CorpusChangedSince(started));
    }

    [Fact]
    public void Verify_writing_its_received_files_in_a_corpus_folder_is_no_change_to_the_corpus()
    {
        // The policy's folder is a corpus folder (a **/*.txt from the project's), and verify writes beside the policy.
        File.WriteAllText(Path.Combine(_root, "notes.txt"), "text");
        File.WriteAllLines(Path.Combine(_root, "corpus.folders"), [_root + Path.DirectorySeparatorChar]);
        var state = new GateState(_root, "stamp", "", "", "corpus.folders", "", "diagnostics.json");
        var started = new DateTime(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc);
        var before = GateState.Listing(_root);

        File.WriteAllText(Path.Combine(_root, "collapsecheck-report.received.json"), "{}");
        File.WriteAllText(Path.Combine(_root, ".collapsecheck-report.received.md.4242.tmp"), "");
        Assert.Null(state.CorpusChangedSince(started, before));

        // Anything else that came or went is a change, whatever its time says (a file moved in keeps its own).
        var moved = Path.Combine(_root, "moved.txt");
        File.WriteAllText(moved, "text");
        File.SetLastWriteTimeUtc(moved, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        Assert.Equal(_root + Path.DirectorySeparatorChar, state.CorpusChangedSince(started, before));
        File.Delete(moved);

        // A file replaced under its own name by an older copy (cp -p, tar x) keeps the names as they were.
        var notes = Path.Combine(_root, "notes.txt");
        File.WriteAllText(notes, "other text");
        File.SetLastWriteTimeUtc(notes, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        Assert.Equal(_root + Path.DirectorySeparatorChar, state.CorpusChangedSince(started, before));
        File.Delete(notes);
        Assert.Equal(_root + Path.DirectorySeparatorChar, state.CorpusChangedSince(started, before));
        Assert.Equal(_root + Path.DirectorySeparatorChar, state.CorpusChangedSince(started));
    }

    [Fact]
    public void A_failure_is_replayed_only_to_a_build_that_waited_on_it_with_the_same_settings_and_unchanged_inputs()
    {
        var diagnostics = Path.Combine(_root, "diagnostics.json");
        var policy = Path.Combine(_root, "collapsecheck.json");
        File.WriteAllText(policy, "{}");
        var started = DateTime.UtcNow.AddMinutes(-1);
        File.SetLastWriteTimeUtc(policy, started.AddSeconds(-10));
        var state = new GateState(_root, "stamp", "", "", "", "", "diagnostics.json");
        string[] settings = ["collapsecheck.json", "collapsecheck-out/", "cpu", "", "", "False", ""];
        var waiting = started.AddSeconds(1);
        Assert.False(state.FailedSince(waiting, settings, [policy]));

        File.WriteAllText(diagnostics, """{"schemaVersion":1,"exitCode":1,"diagnostics":[{"severity":"error","code":"CC1020"}]}""");
        state.RecordFailure(started, settings);
        Assert.True(state.FailedSince(waiting, settings, [policy]));

        // Not to a build that started waiting after the failure (it may have been fixed since), nor with other settings.
        Assert.False(state.FailedSince(DateTime.UtcNow.AddSeconds(1), settings, [policy]));
        Assert.False(state.FailedSince(waiting, [.. settings[..^2], "True", ""], [policy]));

        // Nor when an input changed after the failed run started, or is gone.
        File.SetLastWriteTimeUtc(policy, started.AddSeconds(5));
        Assert.False(state.FailedSince(waiting, settings, [policy]));
        File.SetLastWriteTimeUtc(policy, started.AddSeconds(-10));
        Assert.False(state.FailedSince(waiting, settings, [policy, Path.Combine(_root, "gone.txt")]));

        // A run stopped by a signal, or one whose findings hold no error, says nothing of the policy.
        File.WriteAllText(diagnostics, """{"schemaVersion":1,"exitCode":143,"diagnostics":[{"severity":"error","code":"CC0060"}]}""");
        Assert.False(state.FailedSince(waiting, settings, [policy]));
        File.WriteAllText(diagnostics, "{ torn");
        Assert.False(state.FailedSince(waiting, settings, [policy]));

        // The next run forgets it.
        File.WriteAllText(diagnostics, """{"schemaVersion":1,"exitCode":1,"diagnostics":[{"severity":"error","code":"CC1020"}]}""");
        state.ForgetLastRun();
        Assert.False(state.FailedSince(waiting, settings, [policy]));
    }

    [Fact]
    public void Corpus_folders_are_recorded_so_that_a_trimmed_line_still_names_them()
    {
        // MSBuild's ReadLinesFromFile trims each line: a folder whose name ends in a space must survive it.
        var spaced = Directory.CreateDirectory(Path.Combine(_root, "data ")).FullName;
        var output = Directory.CreateDirectory(Path.Combine(_root, "out")).FullName;
        var file = Path.Combine(spaced, "a.txt");
        File.WriteAllText(file, "text");
        File.WriteAllText(Path.Combine(output, "collapsecheck-run.json"), System.Text.Json.JsonSerializer.Serialize(new
        {
            corpusFiles = new[] { file },
            corpusFolders = new[] { _root, spaced },
        }));
        var state = new GateState(_root, "stamp", "", "corpus.list", "corpus.folders", "", "diagnostics.json");

        Assert.Null(state.RecordCorpusFiles(output, DateTime.UtcNow.AddSeconds(-1)));
        var lines = File.ReadAllLines(Path.Combine(_root, "corpus.folders"));
        Assert.Equal([_root + Path.DirectorySeparatorChar, spaced + Path.DirectorySeparatorChar], lines);
        Assert.All(lines, line => Assert.True(Directory.Exists(line.Trim()), line));
        Assert.Equal([file], File.ReadAllLines(Path.Combine(_root, "corpus.list")));
    }
}
