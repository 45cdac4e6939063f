namespace CollapseCheck.Tool.Tests;

/// <summary>Runs the CLI in process with captured output, in a temp folder of its own.</summary>
public sealed class ToolRunner : IDisposable
{
    public ToolRunner()
    {
        Folder = Directory.CreateTempSubdirectory("collapsecheck-test-").FullName;
    }

    public string Folder { get; }

    /// <summary>GitHub Actions' variables as the CLI sees them: none, so a test run inside Actions prints what it does elsewhere.</summary>
    public Func<string, string?> Environment { get; set; } = _ => null;

    public string PathOf(string name) => Path.Combine(Folder, name);

    public string Write(string name, string content)
    {
        var path = PathOf(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>
    /// Runs the CLI. A `run` computes every generation (--cache off) unless the test names a cache: reusing the
    /// user's cache would let a determinism test compare a result with itself.
    /// </summary>
    public (int Exit, string Out, string Error) Run(params string[] args)
    {
        if (args is ["run", ..] && !args.Contains("--cache"))
        {
            args = [.. args, "--cache", "off"];
        }

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = Cli.Invoke(args, stdout, stderr, Environment);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>collapsecheck.json holding <paramref name="text"/>, run, and its report accepted as the snapshot.</summary>
    public string WithAcceptedSnapshot(string text)
    {
        var policy = Write("collapsecheck.json", text);
        Xunit.Assert.Equal(1, Run("run", policy, "--device", "cpu", "--verify").Exit); // no snapshot yet
        Xunit.Assert.Equal(0, Run("accept", policy).Exit);
        return policy;
    }

    /// <summary>
    /// The built tool as a process of its own, for what only a real process shows (signals, the current folder);
    /// stdout and stderr redirected.
    /// </summary>
    public System.Diagnostics.Process StartProcess(string? workingDirectory, params string[] args) =>
        StartProcess(workingDirectory, new Dictionary<string, string>(), args);

    /// <param name="environment">Variables set for the process only, e.g. ones libtorch reads when it loads.</param>
    public System.Diagnostics.Process StartProcess(string? workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        StartProcess(workingDirectory, environment, redirectInput: false, args);

    /// <param name="redirectInput">Give the process a stdin of the test's to write to (a policy piped in as /dev/stdin).</param>
    public System.Diagnostics.Process StartProcess(string? workingDirectory, IReadOnlyDictionary<string, string> environment, bool redirectInput, params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory ?? "",
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = redirectInput,
        };
        CiEnvironment.Remove(start.Environment);
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "collapsecheck.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return System.Diagnostics.Process.Start(start)!;
    }

    /// <summary>
    /// The built tool as a process of its own, run to its end: for what only a real process shows (its own environment,
    /// the executable's start-up). Killed, failing the test, if it runs past <paramref name="within"/>.
    /// </summary>
    public (int Exit, string Out, string Error) RunProcess(string? workingDirectory, IReadOnlyDictionary<string, string> environment, TimeSpan within, params string[] args)
    {
        using var tool = StartProcess(workingDirectory, environment, args);
        try
        {
            // Each stream on a thread of its own, so neither fills its pipe while the other is read (see SignalAfter).
            var stdout = ReadToEndOnItsOwnThread(tool.StandardOutput);
            var stderr = ReadToEndOnItsOwnThread(tool.StandardError);
            Xunit.Assert.True(tool.WaitForExit(within), $"collapsecheck {string.Join(' ', args)} did not finish within {within.TotalSeconds} s");
            Xunit.Assert.True(Task.WaitAll([stdout, stderr], TimeSpan.FromSeconds(10)), "stdout or stderr stayed open after the tool exited");
            return (tool.ExitCode, stdout.Result, stderr.Result);
        }
        finally
        {
            if (!tool.HasExited)
            {
                tool.Kill(entireProcessTree: true);
            }
        }
    }

    public static Task<string> ReadToEndOnItsOwnThread(TextReader reader) =>
        Task.Factory.StartNew(reader.ReadToEnd, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>
    /// Starts the tool, reads its stderr up to the first line holding <paramref name="marker"/>, waits
    /// <paramref name="settle"/>, sends <paramref name="signal"/> (kill's -INT, -TERM) and waits for the tool to end;
    /// killed if it does not within <paramref name="exitWithin"/>, which then fails the test.
    /// </summary>
    /// <returns>The marked line, the exit code and what the tool wrote to stderr after that line.</returns>
    public (string Marked, int Exit, string After) SignalAfter(string[] args, string marker, string signal, TimeSpan settle, TimeSpan exitWithin)
    {
        using var tool = StartProcess(null, args);
        try
        {
            var before = new System.Text.StringBuilder();
            string? line;
            while ((line = tool.StandardError.ReadLine()) is not null && !line.Contains(marker, StringComparison.Ordinal))
            {
                before.AppendLine(line);
            }

            Xunit.Assert.True(line is not null, $"the tool ended before '{marker}':\n{before}");
            Thread.Sleep(settle);
            using (var kill = System.Diagnostics.Process.Start("kill", [signal, tool.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
            {
                kill.WaitForExit();
            }

            // Read while waiting, bounded: a tool that ignored the signal would keep stderr open for ever. On a thread of its
            // own: in a full CI run on 2 cores ReadToEndAsync gave no end for 10 s after the tool had exited, most likely
            // its continuations waiting for pool threads that other tests' blocking waits held.
            var rest = ReadToEndOnItsOwnThread(tool.StandardError);
            Xunit.Assert.True(tool.WaitForExit(exitWithin), $"the tool did not stop within {exitWithin.TotalSeconds} s of kill {signal}");
            Xunit.Assert.True(rest.Wait(TimeSpan.FromSeconds(10)), "stderr stayed open after the tool exited");
            return (line!, tool.ExitCode, rest.Result);
        }
        finally
        {
            if (!tool.HasExited)
            {
                tool.Kill(entireProcessTree: true);
            }
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless; a failing cleanup must not hide the test's result.
        }
    }
}

/// <summary>Policies small enough that a whole lineage trains in a few seconds on 2 cores.</summary>
public static class TinyPolicies
{
    public static string OnDotnetDocs(string mode = "accumulate", int generations = 2, string extraLineage = "") => $$"""
        {
          // A real corpus every SDK machine has, cut to 30 kB so the test stays fast.
          "corpus": { "include": ["builtin:dotnet-docs"], "maxBytes": 30000, "heldOutFraction": 0.1 },
          "tokenizer": "byte",
          "model": { "layers": 1, "width": 32, "heads": 2, "context": 32 },
          "training": { "steps": 25, "batch": 8, "learningRate": 0.003, "warmupSteps": 5, "seed": 3 },
          "lineage": { "generations": {{generations}}, "mode": "{{mode}}", "syntheticTokensPerGeneration": 1500{{extraLineage}} },
          "evaluation": { "heldOutTokens": 2000 }
        }
        """;
}
