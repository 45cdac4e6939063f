using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace CollapseCheck.Tasks;

/// <summary>
/// Runs `collapsecheck run` out of process (libtorch never loads into the MSBuild node) and turns the tool's
/// --diagnostics JSON into MSBuild errors with their codes and policy-file locations. Human-readable output is
/// only passed through as messages, never parsed.
/// </summary>
public sealed class RunCollapseCheck : ToolTask
{
    private const int TailLines = 12;

    private readonly Queue<string> _tail = new();

    private readonly CancellationTokenSource _cancelled = new();

    private ResolvedTool? _tool;

    // The output folder, whole: the tool names it so in CC0030, which is then the property's.
    private string _output = "";

    // Why the gate runs, for the line that says it does.
    private string _why = "";

    [Required]
    public string PolicyFile { get; set; } = "";

    [Required]
    public string OutputFolder { get; set; } = "";

    [Required]
    public string DiagnosticsFile { get; set; } = "";

    [Required]
    public string ProjectDirectory { get; set; } = "";

    /// <summary>The project file: where errors about its properties or the tool point, rather than into this package's targets.</summary>
    public string ProjectFile { get; set; } = "";

    public string Device { get; set; } = "cpu";

    public string Tolerance { get; set; } = "";

    /// <summary>--cache: a folder for finished generations, or 'off'; empty: the tool's default (the user cache).</summary>
    public string Cache { get; set; } = "";

    /// <summary>--libtorch: a folder with libtorch.so (a CUDA build for the GPU); empty: the packaged CPU build.</summary>
    public string LibTorch { get; set; } = "";

    public bool Verify { get; set; }

    public string ExplicitToolPath { get; set; } = "";

    /// <summary>Written when the gate passes; the project's builds for other frameworks then find it up to date.</summary>
    [Required]
    public string StampFile { get; set; } = "";

    /// <summary>What the stamp must be newer than (the target's Inputs).</summary>
    public ITaskItem[] Inputs { get; set; } = [];

    /// <summary>The report the gate writes; the stamp alone does not make the gate up to date without it.</summary>
    public string ReportFile { get; set; } = "";

    /// <summary>
    /// Where the corpus files the last run read are listed, one per line, for the next build's inputs: taken from the
    /// run manifest, since only the tool knows which files the policy's globs matched.
    /// </summary>
    public string CorpusListFile { get; set; } = "";

    /// <summary>
    /// Where the folders the globs found the corpus in are listed (the run manifest's corpusFolders): a file added
    /// there is in no list of the last run's files, but changes its folder's time, which the targets compare with the
    /// stamp before deciding the gate is up to date.
    /// </summary>
    public string CorpusFoldersFile { get; set; } = "";

    /// <summary>Where a passing gate's notices are kept, for the builds that find it up to date to log again.</summary>
    public string NoticesFile { get; set; } = "";

    /// <summary>This build ran the tool (rather than finding the gate up to date), so it logged the notices itself.</summary>
    [Output]
    public bool Gated { get; set; }

    protected override string ToolName => ToolLocator.Command;

    protected override MessageImportance StandardErrorLoggingImportance => MessageImportance.Normal;

    protected override MessageImportance StandardOutputLoggingImportance => MessageImportance.Normal;

    public override bool Execute()
    {
        // A multi-targeting project builds its frameworks in parallel, each reaching this target with the same stamp:
        // one gates while the others wait, then find the stamp it wrote.
        var state = new GateState(ProjectDirectory, StampFile, ReportFile, CorpusListFile, CorpusFoldersFile, NoticesFile, DiagnosticsFile);
        var waitingSince = DateTime.UtcNow;
        FileStream? gate;
        try
        {
            gate = GateLock.Acquire(state.LockFile, () => Log.LogMessage(MessageImportance.High,
                "CollapseCheck: waiting for another build of this project to finish its gate"), _cancelled.Token);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return StateNotWritable(state.LockFile, e);
        }

        if (gate is null)
        {
            return false;
        }

        using (gate)
        {
            try
            {
                return Gate(state, waitingSince);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // An obj folder made read-only after an earlier build: the lock file is there to open, the rest not to write.
                return StateNotWritable(Path.GetDirectoryName(state.Stamp)!, e);
            }
        }
    }

    private bool Gate(GateState state, DateTime waitingSince)
    {
        var inputs = Inputs.Select(i => i.GetMetadata("FullPath")).ToList();
        if (state.IsCurrent(inputs))
        {
            Log.LogMessage(MessageImportance.Normal, "CollapseCheck: up to date (another build of this project just ran the gate)");
            return true;
        }

        Gated = true;
        // Whole: the tool names it so in CC0030, which is then the property's, in a replayed finding too.
        try
        {
            _output = Path.GetFullPath(OutputFolder, ProjectDirectory);
        }
        catch (ArgumentException)
        {
            // The tool says why it cannot write there.
        }

        if (state.FailedSince(waitingSince, Settings, inputs))
        {
            // Another build of this project (a multi-targeting one's other framework) gated while this one waited, with
            // the same settings and inputs, and failed: its findings are this build's too. Running again would train the
            // same lineage once per framework to fail alike.
            Log.LogMessage(MessageImportance.High, "CollapseCheck: the gate failed in another build of this project just now, with the same settings and inputs; its findings:");
            LogDiagnostics();
            return false;
        }

        _why = File.Exists(state.Stamp) ? "an input or setting changed since it last passed" : "no pass is recorded for this project yet, or since a clean or a failure";
        state.ForgetLastRun();

        // The task logs every finding itself (and setup-dotnet's problem matcher annotates those lines), so the tool's
        // own GitHub Actions annotations would mark each finding twice. The tool stops when this process ends: a build
        // killed with SIGTERM never calls Cancel, and left it training.
        EnvironmentVariables = [.. EnvironmentVariables ?? [], "GITHUB_ACTIONS=false", $"{BuildOwner.Variable}={Environment.ProcessId}"];
        // Made now, not by the tool: a folder made in a corpus folder the gate watches (the project's, for *.md) would
        // change it during the run, and the gate would look stale after every first run.
        var made = false;
        try
        {
            made = _output.Length > 0 && !Directory.Exists(_output);
            Directory.CreateDirectory(_output);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // As above.
        }

        var policyFolder = GateState.Listing(Path.GetDirectoryName(PolicyPath)!);
        var started = DateTime.UtcNow;
        // False also when the tool never started (ValidateParameters said why): ExitCode is then 0 but means nothing.
        var ran = base.Execute();
        if (made)
        {
            RemoveIfEmpty(_output);
        }

        if (state.RecordCorpusFiles(OutputFolder, started) is { } unrecorded)
        {
            Log.LogMessage(MessageImportance.Normal, "CollapseCheck: the corpus files and folders were not recorded for the next build's inputs ({0})", unrecorded);
        }

        // Exit 0 is a pass only with the findings and the report that say so, written by this run: anything else that
        // exits 0 (a wrong CollapseCheckToolPath, a wrapper script that swallowed the exit code) must not stamp it passed.
        if (ran && ExitCode == 0 && new[] { state.Diagnostics, ReportFile.Length > 0 ? Path.GetFullPath(ReportFile, ProjectDirectory) : null }
                .FirstOrDefault(f => f is not null && !GateState.WrittenSince(f, started)) is { } missing)
        {
            LogToolEnded($"without writing {missing}");
            return false;
        }

        // A pass can still carry notices (HandleTaskExecutionErrors logs the file only on a failure); MSBuildWarningsAsErrors
        // makes one an error here, and then the gate has failed.
        var notices = !Log.HasLoggedErrors && File.Exists(state.Diagnostics) ? LogDiagnostics() : 0;

        // Only a run that finished passing earns the stamp: one stopped by a signal (exit 130/143) reports no error
        // of its own, and a stamp would then skip the gate in every build after.
        if (Log.HasLoggedErrors || ExitCode != 0)
        {
            state.RecordFailure(started, Settings);
            return false;
        }

        // A pass with notices is stamped too, and its notices kept: -warnaserror can turn them into errors where the
        // logger prints them, after the task's own HasLoggedErrors said no (seen in a real build), so every build that
        // finds the gate up to date logs them again (ReplayCollapseCheckNotices) instead of passing unseen.
        if (notices > 0)
        {
            state.KeepNotices();
        }

        // An input edited while the tool ran (the policy saved from an editor) was not what passed, as for the corpus.
        if ((inputs.FirstOrDefault(i => File.Exists(i) && File.GetLastWriteTimeUtc(i) > started) ?? state.CorpusChangedSince(started, policyFolder)) is { } changed)
        {
            Log.LogMessage(MessageImportance.High, "CollapseCheck: '{0}' changed while the gate ran, after the tool had read it; the gate is not marked passed, so a later build runs it again", changed);
            return true;
        }

        state.MarkPassed();
        return true;
    }

    /// <summary>
    /// The output folder this build made, when the run wrote nothing there (a mistyped or bad policy): each such try left
    /// a NAME.collapsecheck-out folder in the project.
    /// </summary>
    private static void RemoveIfEmpty(string folder)
    {
        try
        {
            if (Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any())
            {
                Directory.Delete(folder);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left as it is: an empty folder is untidy, not wrong.
        }
    }

    /// <summary>The policy, whole: a relative CollapseCheckPolicy is the project's folder's.</summary>
    private string PolicyPath => Path.GetFullPath(PolicyFile, ProjectDirectory);

    /// <summary>What the run was asked to do: a failure replayed to another build must have been asked the same.</summary>
    private string[] Settings =>
    [
        PolicyFile, OutputFolder, Device, Tolerance, Cache, LibTorch, Environment.GetEnvironmentVariable("COLLAPSECHECK_LIBTORCH") ?? "", Verify.ToString(), ExplicitToolPath,
        .. NumericsVariables.Kernels.Prepend(NumericsVariables.IntraOpThreads).Select(v => $"{v}={Environment.GetEnvironmentVariable(v)}"),
    ];

    /// <summary>CC0030 at the project: the gate keeps its lock and state in the intermediate output folder.</summary>
    private bool StateNotWritable(string path, Exception e)
    {
        Log.LogError(null, "CC0030", null, NullIfEmpty(ProjectFile), 0, 0, 0, 0,
            "cannot write the gate's state '{0}' in the intermediate output folder: {1}", path, e.Message);
        return false;
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    public override void Cancel()
    {
        _cancelled.Cancel();
        base.Cancel();
    }

    protected override bool ValidateParameters()
    {
        if (ExplicitToolPath.Length > 0 && !File.Exists(Path.GetFullPath(ExplicitToolPath, ProjectDirectory)))
        {
            Log.LogError(null, "CC0052", null, NullIfEmpty(ProjectFile), 0, 0, 0, 0,
                "CollapseCheckToolPath is '{0}', which is not a file; point it at the collapsecheck executable or its collapsecheck.dll, or leave it empty to use the local or global tool",
                ExplicitToolPath);
            return false;
        }

        // The tool's own CC0001 advises a command line (omit the argument); a build has a property and a local tool instead.
        var policy = PolicyPath;
        if (!File.Exists(policy) && !Directory.Exists(policy))
        {
            // At the project, which sets CollapseCheckPolicy (the file it names does not exist). init makes a folder of a
            // new name without an extension, so such a name gets the .json it will need. The command names it whole: it
            // is pasted in the folder the build ran from (a solution's), not the project's.
            var init = Path.GetExtension(policy).Length == 0 ? policy + ".json" : policy;
            Log.LogError(null, "CC0001", null, NullIfEmpty(ProjectFile) ?? PolicyFile, 0, 0, 0, 0,
                "the policy file '{0}' (CollapseCheckPolicy) was not found; write one with 'dotnet collapsecheck init {1}' (with the local tool; 'collapsecheck init' with the global one){2}, or point CollapseCheckPolicy at your policy file{3}",
                policy, ShellWord.Of(init), Path.GetExtension(policy).Length == 0 ? $" and set CollapseCheckPolicy to {Path.GetRelativePath(ProjectDirectory, init)}" : "",
                // 'dotnet build app/app.csproj -p:CollapseCheckPolicy=app/gate.json' from the solution's folder named app/app/gate.json.
                Path.IsPathRooted(PolicyFile) ? "" : $" (a relative CollapseCheckPolicy is taken from the project's folder, {ProjectDirectory}, not the one the build ran from)");
            return false;
        }

        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var globalTools = ToolLocator.DefaultGlobalToolsFolder();
        _tool = ToolLocator.Find(ExplicitToolPath, ProjectDirectory, dotnet, globalTools);
        if (_tool is null)
        {
            Log.LogError(null, "CC0050", null, NullIfEmpty(ProjectFile) ?? PolicyFile, 0, 0, 0, 0,
                "the collapsecheck tool was not found (looked at CollapseCheckToolPath, a local tool manifest from {0} upward, and {1}); install it with 'dotnet tool install --global CollapseCheck.Tool' or as a local tool with 'dotnet new tool-manifest' and 'dotnet tool install CollapseCheck.Tool'",
                ProjectDirectory, globalTools is null
                    ? $"no global tools folder, since {ToolLocator.WhyNoGlobalToolsFolder()}"
                    : $"the global tools folder {globalTools}");
            return false;
        }

        // Said at the default verbosity: a build otherwise sat on its last line for as long as the lineage trained. Only
        // once the tool is found: it used to come before CC0001, CC0050 or CC0052, as if a gate had run.
        Log.LogMessage(MessageImportance.High, "CollapseCheck: running the gate on '{0}' (training its lineage; {1})",
            Path.GetRelativePath(ProjectDirectory, policy), _why);
        Log.LogMessage(MessageImportance.Normal, "CollapseCheck: using the {0}", _tool.How);
        return true;
    }

    protected override string GenerateFullPathToTool() => _tool!.Executable;

    /// <summary>The tool's lines a default-verbosity build shows: the verdict, the report, the time, and verify's outcome.</summary>
    private static readonly string[] s_headlines = ["Gate: pass", "Gate: fail", "Report: ", "Finished in ", "Verified: ", "Received: "];

    /// <summary>
    /// ToolTask would read "file(l,c): error CC…" lines in the output as errors; they come from the diagnostics
    /// file instead, so the output is passed through as plain messages and each error is logged once.
    /// </summary>
    protected override void LogEventsFromTextOutput(string singleLine, MessageImportance messageImportance)
    {
        // The verdict, where the report is and how long it took are what a default-verbosity build should show of a
        // gate that ran (its errors come from the diagnostics file); the tables and progress stay at normal.
        var headline = s_headlines.Any(h => singleLine.StartsWith(h, StringComparison.Ordinal));
        Log.LogMessage(headline ? MessageImportance.High : messageImportance, "{0}", singleLine);
        _tail.Enqueue(singleLine);
        if (_tail.Count > TailLines)
        {
            _tail.Dequeue();
        }
    }

    protected override string GetWorkingDirectory() => ProjectDirectory;

    protected override string GenerateCommandLineCommands()
    {
        var builder = new CommandLineBuilder();
        foreach (var part in _tool!.Prefix)
        {
            builder.AppendSwitch(part);
        }

        builder.AppendSwitch("run");
        // Whole and normalized: the tool quotes it in advice ('collapsecheck accept …') that a developer pastes in the
        // folder the build ran from, not the project's, where a relative path or a/../b named nothing.
        builder.AppendFileNameIfNotNull(PolicyPath);
        // Whole, as the task made it: the tool's own resolution of a relative one starts from its current folder, whose
        // links .NET resolves, so its messages would name another spelling of the folder than the task matches them to.
        builder.AppendSwitchIfNotNull("--out ", _output.Length > 0 ? _output : OutputFolder);
        // Trimmed, and the device in lower case: a value written across lines in a project file, or 'CPU', is the
        // same setting (the cache's words are matched without case by the tool).
        builder.AppendSwitchIfNotNull("--device ", Device.Trim().ToLowerInvariant());
        builder.AppendSwitchIfNotNull("--diagnostics ", DiagnosticsFile);
        if (!string.IsNullOrWhiteSpace(Tolerance))
        {
            builder.AppendSwitchIfNotNull("--tolerance ", Tolerance.Trim());
        }

        if (!string.IsNullOrWhiteSpace(Cache))
        {
            builder.AppendSwitchIfNotNull("--cache ", Cache.Trim());
        }

        if (!string.IsNullOrWhiteSpace(LibTorch))
        {
            // Relative to the project, as the other paths: the tool runs in the project's folder.
            builder.AppendSwitchIfNotNull("--libtorch ", LibTorch.Trim());
        }

        if (Verify)
        {
            builder.AppendSwitch("--verify");
        }

        return builder.ToString();
    }

    /// <summary>Errors come from the diagnostics file, not from MSBuild's generic "exited with code" message.</summary>
    protected override bool HandleTaskExecutionErrors()
    {
        if (!File.Exists(DiagnosticsFile))
        {
            // A manifest lists the tool but 'dotnet tool restore' never ran (a fresh clone, a cleared NuGet cache): the
            // tool never started, so say what to run, at the manifest.
            if (_tool!.Manifest is { } manifest && _tail.Any(line => line.Contains("dotnet tool restore", StringComparison.Ordinal)))
            {
                Log.LogError(null, "CC0051", null, manifest, 0, 0, 0, 0,
                    "the local tool collapsecheck that this manifest lists is not restored; run 'dotnet tool restore' (in CI, as a step before the build)");
                return false;
            }

            LogToolEnded($"without writing {Path.GetFullPath(DiagnosticsFile, ProjectDirectory)}");
            return false;
        }

        LogDiagnostics();
        if (!Log.HasLoggedErrors)
        {
            // Exit 130/143 (stopped by a signal) reports nothing of its own: without this the build would pass it.
            LogToolEnded("without reporting an error (stopped by a signal?)");
        }

        return false;
    }

    /// <summary>
    /// CC0051 at the project: the tool ended in a way it does not report itself. Its output went to the log at normal
    /// verbosity, which a default build does not show, so the message quotes its end.
    /// </summary>
    private void LogToolEnded(string how) =>
        Log.LogError(null, "CC0051", null, NullIfEmpty(ProjectFile), 0, 0, 0, 0,
            "collapsecheck ({0}) exited with code {1} {2}; its last output: {3}",
            _tool!.Executable, ExitCode, how, _tail.Count == 0 ? "(none)" : string.Join(" | ", _tail));

    private int LogDiagnostics() => ToolDiagnostics.Log(Log, DiagnosticsFile, PolicyFile, ProjectFile, _output);
}
