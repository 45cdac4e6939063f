using System.Text.Json;

namespace CollapseCheck.Tasks;

/// <summary>
/// What obj/collapsecheck keeps between builds so that an unchanged project skips the gate: the stamp a passing run
/// leaves, the corpus files the last run read (the next build's inputs) and the notices a pass logged (replayed by
/// the builds that skip it). Paths come from the targets relative to the project.
/// </summary>
/// <param name="diagnosticsFile">The tool's --diagnostics file, whose notices a pass keeps.</param>
internal sealed class GateState(string projectDirectory, string stampFile, string reportFile, string corpusListFile, string corpusFoldersFile, string noticesFile, string diagnosticsFile)
{
    public string Stamp => Path.GetFullPath(stampFile, projectDirectory);

    public string Diagnostics => Path.GetFullPath(diagnosticsFile, projectDirectory);

    /// <summary>
    /// Held while a build gates: a multi-targeting project's other frameworks wait, then find the stamp. The targets'
    /// clean deletes it by the same name ($(_CollapseCheckStamp).lock).
    /// </summary>
    public string LockFile => Stamp + ".lock";

    /// <summary>A stamp newer than every input, beside the report it vouches for.</summary>
    public bool IsCurrent(IEnumerable<string> inputs)
    {
        if (!File.Exists(Stamp) || (reportFile.Length > 0 && !File.Exists(Path.GetFullPath(reportFile, projectDirectory))))
        {
            return false;
        }

        var stamped = File.GetLastWriteTimeUtc(Stamp);
        return inputs.All(input => File.Exists(input) && File.GetLastWriteTimeUtc(input) <= stamped);
    }

    /// <summary>Where a failed run leaves when it started and what it was asked, for the builds that waited on it.</summary>
    private string FailureFile => Stamp + ".failed";

    /// <summary>After a run that failed with findings: see <see cref="FailedSince"/>.</summary>
    public void RecordFailure(DateTime started, string[] settings)
    {
        if (File.Exists(Diagnostics))
        {
            WriteWhole(FailureFile, temp => File.WriteAllText(temp, JsonSerializer.Serialize(new FailedRun(started.Ticks, settings))));
        }
    }

    /// <summary>
    /// Whether a run failed while this build waited for the lock (its record written after <paramref name="since"/>),
    /// asked the same <paramref name="settings"/>, with no input changed since it started, and its findings hold an
    /// error other than CC0060 (stopped by a signal, which says nothing of the policy). A run that wrote no findings
    /// (a crash) is run again, and so is every failure found by a build that did not wait: it may have been fixed.
    /// </summary>
    public bool FailedSince(DateTime since, string[] settings, IEnumerable<string> inputs)
    {
        try
        {
            if (!File.Exists(FailureFile) || File.GetLastWriteTimeUtc(FailureFile) <= since || !File.Exists(Diagnostics)
                || JsonSerializer.Deserialize<FailedRun>(File.ReadAllText(FailureFile)) is not { } failed || !failed.Settings.SequenceEqual(settings)
                || inputs.Any(i => !File.Exists(i) || File.GetLastWriteTimeUtc(i).Ticks > failed.StartedTicks))
            {
                return false;
            }

            using var json = JsonDocument.Parse(File.ReadAllText(Diagnostics));
            return json.RootElement.GetProperty("diagnostics").EnumerateArray()
                .Any(d => d.GetProperty("severity").GetString() == "error" && d.GetProperty("code").GetString() != "CC0060");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or KeyNotFoundException or InvalidOperationException or NotSupportedException)
        {
            return false;
        }
    }

    private sealed record FailedRun(long StartedTicks, string[] Settings);

    /// <summary>Whether <paramref name="file"/> exists and was written by a run that started at <paramref name="started"/>.</summary>
    public static bool WrittenSince(string file, DateTime started) =>
        // The same slack as for the manifest: some file systems keep whole seconds, or two.
        File.Exists(file) && File.GetLastWriteTimeUtc(file) >= started.AddSeconds(-2);

    /// <summary>
    /// Before a run: the last run's diagnostics and kept notices must not be taken for this one's, nor its stamp. A
    /// failing run writes a new report, which with the last pass's stamp made the gate look current: the build after
    /// a failure said the gate had passed.
    /// </summary>
    public void ForgetLastRun()
    {
        foreach (var stale in new[] { diagnosticsFile, noticesFile }.Where(f => f.Length > 0).Select(f => Path.GetFullPath(f, projectDirectory)).Append(FailureFile).Append(Stamp))
        {
            if (File.Exists(stale))
            {
                File.Delete(stale);
            }
        }
    }

    /// <summary>
    /// The run manifest's corpus files into the corpus list, and its corpus folders into theirs, when this run wrote a
    /// manifest (a gate that failed did too; bad input did not, and then the last lists stand).
    /// </summary>
    /// <returns>Why the list could not be written, or null.</returns>
    public string? RecordCorpusFiles(string outputFolder, DateTime started)
    {
        var manifest = Path.Combine(Path.GetFullPath(outputFolder, projectDirectory), "collapsecheck-run.json");
        if (corpusListFile.Length == 0 || !WrittenSince(manifest, started))
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(manifest));
            // A link's own time is not its target's: an edit behind a link must rerun the gate too.
            var files = json.RootElement.GetProperty("corpusFiles").EnumerateArray().Select(f => f.GetString()).OfType<string>()
                .Select(f => new FileInfo(f))
                .SelectMany(f => f.LinkTarget is null ? [f.FullName] : new[] { f.FullName, f.ResolveLinkTarget(returnFinalTarget: true)?.FullName }.OfType<string>());
            WriteWhole(corpusListFile, temp => File.WriteAllLines(temp, files));
            if (corpusFoldersFile.Length > 0)
            {
                // A manifest from a tool before corpusFolders: no folders, and a file added is found as before, at a rerun.
                // Each ends in a separator: ReadLinesFromFile trims its lines, which took a folder name's last space
                // away, and the folder, then missing, took the stamp away in every build.
                var folders = json.RootElement.TryGetProperty("corpusFolders", out var listed)
                    ? listed.EnumerateArray().Select(f => f.GetString()).OfType<string>()
                        .Select(f => Path.EndsInDirectorySeparator(f) ? f : f + Path.DirectorySeparatorChar)
                    : [];
                WriteWhole(corpusFoldersFile, temp => File.WriteAllLines(temp, folders));
            }

            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return e.Message;
        }
    }

    /// <summary>A pass's notices, for the builds that find the gate up to date to log again.</summary>
    public void KeepNotices()
    {
        if (noticesFile.Length > 0)
        {
            WriteWhole(noticesFile, temp => File.Copy(Diagnostics, temp, overwrite: true));
        }
    }

    public void MarkPassed() => File.WriteAllBytes(Stamp, []);

    /// <summary>
    /// A corpus file or folder of the lists just recorded that changed (or went) after <paramref name="started"/>, or
    /// null: the tool read the corpus when it started, so a file edited or added while it trained was not what passed,
    /// and a stamp written after it would make it look checked. The run's own writes change none of them: the task
    /// makes the output folder before it starts the tool, the tool leaves that folder out of the list, and the files
    /// verify writes beside the policy are in no listing (<paramref name="policyFolder"/>).
    /// </summary>
    /// <param name="policyFolder">The policy's folder as <see cref="Listing"/> found it before the run.</param>
    public string? CorpusChangedSince(DateTime started, FolderListing? policyFolder = null) =>
        new[] { corpusListFile, corpusFoldersFile }.Where(f => f.Length > 0).Select(f => Path.GetFullPath(f, projectDirectory)).Where(File.Exists)
            .SelectMany(File.ReadAllLines)
            .FirstOrDefault(path => Directory.Exists(path)
                ? Directory.GetLastWriteTimeUtc(path) > started && policyFolder?.IsUnchanged(path) != true
                : !File.Exists(path) || File.GetLastWriteTimeUtc(path) > started);

    /// <summary>
    /// What is in <paramref name="folder"/> besides collapsecheck's own outputs: each entry's name, and a file's time and
    /// size. Verify writes its received files beside the policy, and where that folder is a corpus folder too (a
    /// `**/*.txt` from the project's), every run that writes them changes its time, though nothing a glob reads came,
    /// went or changed: compared before and after, the entries tell. A file replaced under its own name by an older one
    /// (`cp -p`, `tar x`) changes its time here as a new name would; a subfolder's own time changes with what is written
    /// in it (the output folder), so only its name counts.
    /// </summary>
    public static FolderListing? Listing(string folder)
    {
        try
        {
            return new FolderListing(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)), EntriesOf(folder));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not listed: a change there reruns the gate, as before.
            return null;
        }
    }

    private static HashSet<string> EntriesOf(string folder) =>
        new DirectoryInfo(folder).EnumerateFileSystemInfos().Where(entry => !OutputNames.IsOwn(entry.Name))
            .Select(entry => entry is FileInfo file ? $"{entry.Name}\0{file.LastWriteTimeUtc.Ticks}\0{file.Length}" : entry.Name)
            .ToHashSet(StringComparer.Ordinal);

    internal sealed record FolderListing(string Folder, HashSet<string> Entries)
    {
        public bool IsUnchanged(string folder)
        {
            if (Path.TrimEndingDirectorySeparator(folder) != Folder)
            {
                return false;
            }

            try
            {
                return EntriesOf(Folder).SetEquals(Entries);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }
    }

    /// <summary>A file of obj/collapsecheck written beside itself, then renamed over it whole.</summary>
    private void WriteWhole(string file, Action<string> writeTo)
    {
        var path = Path.GetFullPath(file, projectDirectory);
        writeTo(path + ".tmp");
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
