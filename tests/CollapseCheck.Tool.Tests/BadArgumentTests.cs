using System.Text.Json;
using CollapseCheck.Common;

namespace CollapseCheck.Tool.Tests;

/// <summary>Bad paths and values on the command line: exit 2 before any work, one line naming the argument, no crash.</summary>
public class BadArgumentTests : IDisposable
{
    private readonly ToolRunner _tool = new();

    public void Dispose() => _tool.Dispose();

    private string Policy() => _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 1));

    private (int Exit, string Error) Rejected(params string[] args)
    {
        var (exit, _, error) = _tool.Run(args);
        Assert.Equal(2, exit);
        Assert.DoesNotContain("CC0099", error);
        Assert.DoesNotContain("   at ", error);
        return (exit, error);
    }

    [Theory]
    [InlineData("--seed", "abc", "--seed must be a whole number (at most 2147483647), but is 'abc'")]
    [InlineData("--seed", "99999999999", "--seed must be a whole number (at most 2147483647), but is '99999999999'")]
    [InlineData("--seed", "1.5", "--seed must be a whole number (at most 2147483647), but is '1.5'")]
    [InlineData("--tolerance", "lots", "--tolerance must be a finite number, but is 'lots'")]
    [InlineData("--tolerance", "1e400", "--tolerance must be a finite number, but is '1e400'")]
    [InlineData("--tolerance", " 0.1", "--tolerance must be a finite number, but is ' 0.1'")]
    [InlineData("--libtorch", "", "--libtorch is empty")]
    [InlineData("--device", "gpu", "--device must be one of auto, cpu, cuda, but is 'gpu'")]
    [InlineData("--out", "", "--out is empty")]
    public void A_bad_value_is_named_in_the_tools_words_on_one_line(string option, string value, string message)
    {
        var (_, error) = Rejected("run", Policy(), option, value);
        Assert.Contains($"error CC0040: {message}", error);
        Assert.DoesNotContain("System.", error);
        Assert.DoesNotContain("\t", error);
    }

    /// <summary>
    /// An option whose value was left out (an empty variable in CI) took the next option as its value: `-o $OUT --verify`
    /// wrote the reports to a folder named --verify, never verified, and exited 0.
    /// </summary>
    [Theory]
    [InlineData("-o", "--verify")]
    [InlineData("--cache", "--verify")]
    [InlineData("--libtorch", "--verify")]
    [InlineData("--diagnostics", "--verify")]
    public void An_option_left_without_its_value_does_not_take_the_next_option_as_one(string option, string next)
    {
        var (_, error) = Rejected("run", Policy(), option, next);
        Assert.Contains($"needs a value, but the word after it is '{next}', an option (a value that starts with '-' can be written ./{next})", error);
        Assert.False(Directory.Exists(_tool.PathOf(next)), "a folder was made of the option's name");
    }

    [Fact]
    public void Diagnostics_as_the_last_word_is_a_bad_argument_not_a_crash()
    {
        var (_, error) = Rejected("run", Policy(), "--diagnostics");
        Assert.Contains("error CC0040:", error);
        Assert.Contains("--diagnostics", error);
    }

    [Fact]
    public void An_out_folder_that_is_a_file_is_refused_before_training()
    {
        var file = _tool.Write("out", "not a folder");
        var (_, error) = Rejected("run", Policy(), "--out", file);
        Assert.Contains("--out must be a folder", error);
        Assert.Equal("not a folder", File.ReadAllText(file));
    }

    [Fact]
    public void Paths_that_run_through_a_file_are_refused_before_any_work()
    {
        var file = _tool.Write("plain", "a file");
        Assert.Contains($"--out cannot be made: '{file}' is a file", Rejected("run", Policy(), "--out", Path.Combine(file, "reports")).Error);
        Assert.Contains($"cannot be made: '{file}' is a file", Rejected("init", Path.Combine(file, "collapsecheck.json")).Error);
        Assert.Contains("--cache needs a folder, or 'off' (also 'false', 'no', 'none', '0'), but", Rejected("run", Policy(), "--cache", file).Error);
    }

    [Fact]
    public void A_policy_path_that_is_a_folder_says_so()
    {
        Directory.CreateDirectory(_tool.PathOf("policies"));
        var (_, error) = Rejected("predict", _tool.PathOf("policies"));
        Assert.Contains("error CC0001:", error);
        Assert.Contains("is a folder, not a policy file", error);
    }

    [Fact]
    public void Accept_with_a_missing_policy_is_the_same_error_as_verify()
    {
        var (_, error) = Rejected("accept", _tool.PathOf("nope.json"));
        Assert.Contains("error CC0001:", error);
    }

    [Fact]
    public void Init_refuses_an_empty_path_and_a_folder_named_like_its_policy_file()
    {
        Assert.Contains("the policy path is empty", Rejected("init", "").Error);
        Directory.CreateDirectory(_tool.PathOf("folder/collapsecheck.json"));
        Assert.Contains("is a folder", Rejected("init", _tool.PathOf("folder")).Error);
    }

    [Fact]
    public void Diagnostics_to_a_folder_or_nowhere_is_a_bad_argument_not_a_crash()
    {
        Directory.CreateDirectory(_tool.PathOf("folder"));
        Assert.Contains("--diagnostics must be a file, but", Rejected("predict", Policy(), "--diagnostics", _tool.PathOf("folder")).Error);
        Assert.Contains("--diagnostics is empty", Rejected("predict", Policy(), "--diagnostics", "").Error);
    }

    [UnixFact]
    public async Task Diagnostics_to_standard_output_are_written_there_not_read_first()
    {
        // /dev/stdout is a link to the process's pipe: reading it to see whether it held an earlier file waited for ever.
        using var tool = _tool.StartProcess(_tool.Folder, "run", "nothere.json", "--diagnostics", "/dev/stdout");
        var stdout = tool.StandardOutput.ReadToEndAsync();
        var stderr = await tool.StandardError.ReadToEndAsync();
        await tool.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(2, tool.ExitCode);
        Assert.Contains("error CC0001:", stderr);
        Assert.Equal(2, JsonDocument.Parse(await stdout).RootElement.GetProperty("exitCode").GetInt32());
        Assert.NotNull(new FileInfo("/dev/stdout").LinkTarget);
    }

    [LinuxFact]
    public async Task Diagnostics_to_a_named_pipe_wait_for_its_reader_and_go_down_the_pipe()
    {
        // A CI step reading the diagnostics as they come (mkfifo): the atomic write renamed a plain file over the pipe,
        // and its reader waited for ever. A pipe nobody reads yet is waited for, and said so.
        var fifo = NamedPipe.Make(_tool.PathOf("diagnostics.fifo"));
        using var tool = _tool.StartProcess(_tool.Folder, "run", "nothere.json", "--diagnostics", fifo);
        var stdout = tool.StandardOutput.ReadToEndAsync();
        try
        {
            var said = new System.Text.StringBuilder();
            string? line;
            // Bounded: a tool that never says it waits still waits for the pipe, and would hold this read open.
            while ((line = await tool.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(1))) is not null
                && !line.Contains("waiting for a reader", StringComparison.Ordinal))
            {
                said.AppendLine(line);
            }

            Assert.True(line is not null, $"the tool ended without waiting for the pipe's reader:\n{said}");
            Assert.Equal($"collapsecheck: --diagnostics '{fifo}' is a pipe that nothing reads yet; waiting for a reader (Ctrl+C stops waiting)", line);
            var json = await File.ReadAllTextAsync(fifo).WaitAsync(TimeSpan.FromMinutes(1));
            await tool.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
            Assert.Equal(2, tool.ExitCode);
            Assert.Contains("error CC0001:", said.ToString());
            Assert.Equal(2, JsonDocument.Parse(json).RootElement.GetProperty("exitCode").GetInt32());
            Assert.Equal(FileKindOf.Pipe, FileKind.Of(fifo));
            await stdout;
        }
        finally
        {
            // A failed assertion leaves the tool blocked opening the pipe: no orphan outlives the test.
            if (!tool.HasExited)
            {
                tool.Kill(entireProcessTree: true);
            }
        }
    }

    [LinuxFact]
    public void Diagnostics_kept_in_dev_shm_are_a_file_like_any_other()
    {
        // A RAM disk CI jobs use: taken for a device, a policy there was written over in place, and a shorter JSON left
        // the longer one's tail behind.
        var path = $"/dev/shm/collapsecheck-test-{Guid.NewGuid():N}.json";
        try
        {
            File.WriteAllText(path, "{ \"corpus\": \"data/*.txt\" }");
            Assert.Contains("is an existing file that no earlier --diagnostics wrote", Rejected("run", "nothere.json", "--diagnostics", path).Error);

            File.WriteAllText(path, "{ \"diagnostics\": [" + new string(' ', 4000) + "] }");
            Assert.Equal(2, _tool.Run("run", "nothere.json", "--diagnostics", path).Exit);
            Assert.Equal(2, JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("exitCode").GetInt32());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [UnixFact]
    public void Diagnostics_through_a_link_replace_the_file_behind_it_and_keep_the_link()
    {
        var real = _tool.Write("real.json", "{ \"diagnostics\": [] }");
        var link = _tool.PathOf("link.json");
        File.CreateSymbolicLink(link, real);

        Assert.Equal(2, _tool.Run("run", "nothere.json", "--diagnostics", link).Exit);

        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.Contains("CC0001", File.ReadAllText(real));
    }

    [Fact]
    public void Diagnostics_in_a_folder_that_cannot_be_made_name_the_option()
    {
        var path = _tool.PathOf(Path.Combine(new string('d', 300), "diagnostics.json"));
        var (exit, _, error) = _tool.Run("predict", Policy(), "--diagnostics", path);
        Assert.Equal(2, exit);
        Assert.Contains($"error CC0030: --diagnostics '{path}': cannot write to '", error);
    }

    [Fact]
    public void Diagnostics_under_a_file_are_refused_before_the_command_runs()
    {
        var file = _tool.Write("plain", "a file, so nothing can go under it");
        var (_, error) = Rejected("predict", Policy(), "--diagnostics", Path.Combine(file, "diagnostics.json"));
        Assert.Contains($"error CC0040: --diagnostics cannot be made: '{file}' is a file", error);
        Assert.Single(error.Split('\n'), l => l.Contains("error CC"));
    }

    [Fact]
    public void Diagnostics_onto_the_policy_or_any_file_no_earlier_run_wrote_is_refused_and_the_file_kept()
    {
        var policy = Policy();
        var before = File.ReadAllBytes(policy);

        var (_, error) = Rejected("predict", policy, "--diagnostics", policy);

        Assert.Contains($"error CC0040: --diagnostics '{policy}' is an existing file that no earlier --diagnostics wrote", error);
        Assert.Equal(before, File.ReadAllBytes(policy));

        // An earlier run's diagnostics file is rewritten, as a build does every time, and so is an empty one (mktemp's).
        foreach (var content in new[] { """{"schemaVersion":1,"exitCode":0,"diagnostics":[]}""", "" })
        {
            var earlier = _tool.Write("diagnostics.json", content);
            Rejected("run", policy, "--seed", "abc", "--diagnostics", earlier);
            Assert.Contains("--seed must be a whole number", File.ReadAllText(earlier));
        }
    }

    [Theory]
    [InlineData("out/collapsecheck-report.json")]
    [InlineData("collapsecheck-report.verified.json")]
    [InlineData("out/collapsecheck-run.json")]
    public void Diagnostics_named_as_a_report_the_run_is_about_to_write_are_refused(string name)
    {
        // Not there yet, so no earlier file to protect: the run wrote the report and the diagnostics replaced it.
        var (_, error) = Rejected("run", Policy(), "--out", _tool.PathOf("out"), "--diagnostics", _tool.PathOf(name));
        Assert.Contains("is named as one of collapsecheck's reports or snapshots", error);
        Assert.False(File.Exists(_tool.PathOf(name)));
    }

    [Fact]
    public void Diagnostics_list_a_bad_argument_for_the_build_to_read()
    {
        var path = _tool.PathOf("diagnostics.json");
        Rejected("run", Policy(), "--seed", "abc", "--diagnostics", path);
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        Assert.Equal(2, document.RootElement.GetProperty("exitCode").GetInt32());
        var first = document.RootElement.GetProperty("diagnostics")[0];
        Assert.Equal("CC0040", first.GetProperty("code").GetString());
        Assert.Contains("--seed must be a whole number", first.GetProperty("message").GetString());
    }

    private const string Commands = "run, predict, verify, bench, accept, init, doctor";

    [Theory]
    [InlineData(new string[0], "no command given; the commands are " + Commands)]
    [InlineData(new[] { "frobnicate", "--out", "x" }, "'frobnicate' is not a command; the commands are " + Commands)]
    [InlineData(new[] { "--versio" }, "unknown option '--versio'; give a command first: " + Commands)]
    public void Without_a_command_one_line_names_the_commands(string[] args, string message)
    {
        var (_, error) = Rejected(args);
        Assert.Equal([$"error CC0040: {message}"], error.Split('\n').Where(l => l.StartsWith("error", StringComparison.Ordinal)));
        Assert.Contains("Run 'collapsecheck --help' for usage.", error);
    }

    [Theory]
    [InlineData("run", "--bogus")]
    [InlineData("predict", "--seeds")]
    [InlineData("verify", "-x")]
    [InlineData("accept", "--forse")]
    public void A_misspelt_option_is_named_first_not_read_as_the_policy_path(string command, string option)
    {
        var (_, error) = Rejected(command, option, "3");
        Assert.StartsWith($"error CC0040: unknown option '{option}'", error);
        Assert.Contains($" (if it is the policy path, write it as ./{option})\n", error);
        Assert.Contains("error CC0040: unexpected argument '3'\n", error);
        Assert.DoesNotContain("CC0001", error);
        Assert.Contains($"Run 'collapsecheck {command} --help' for usage.", error);
    }

    /// <summary>
    /// Slips of a command or option name get the one meant, and System.CommandLine's own wording ("Required argument
    /// missing for option: '--seed'.", "Unrecognized command or argument") is the tool's.
    /// </summary>
    [Theory]
    [InlineData(new[] { "predcit" }, "'predcit' is not a command; did you mean 'predict'? the commands are " + Commands)]
    [InlineData(new[] { "RUN" }, "'RUN' is not a command; did you mean 'run'? the commands are " + Commands)]
    [InlineData(new[] { "help" }, "'help' is not a command; for help, add --help to a command (or give it alone); the commands are " + Commands)]
    [InlineData(new[] { "help", "run" }, "'help' is not a command or an argument of run; its help is --help")]
    [InlineData(new[] { "predict", "--jsn" }, "unknown option '--jsn'; did you mean '--json'? (if it is the policy path, write it as ./--jsn)")]
    [InlineData(new[] { "run", "--sed", "3" }, "unknown option '--sed'; did you mean '--seed'? (if it is the policy path, write it as ./--sed)", "unexpected argument '3'")]
    [InlineData(new[] { "init", "--forc" }, "unknown option '--forc'; did you mean '--force'? (if it is the policy path, write it as ./--forc)")]
    [InlineData(new[] { "doctor", "--json" }, "unknown option '--json'; doctor has no --json; predict, bench take it")]
    [InlineData(new[] { "accept", "-o", "x" }, "unknown option '-o'; accept has no -o; run, verify take it (if it is the policy path, write it as ./-o)", "unexpected argument 'x'")]
    [InlineData(new[] { "verify", "-x" }, "unknown option '-x' (if it is the policy path, write it as ./-x)")]
    [InlineData(new[] { "doctor", "--diagnostic", "d.json" }, "unknown option '--diagnostic'; did you mean '--diagnostics'?", "unexpected argument 'd.json'")]
    [InlineData(new[] { "run", "--cache", "off", "--seed" }, "--seed needs a value")]
    [InlineData(new[] { "run", "-o", "a", "-o", "b" }, "--out takes one value, but 2 were given: a b")]
    [InlineData(new[] { "--diagnostics" }, "--diagnostics needs a value", "no command given; the commands are " + Commands)]
    public void Slips_get_the_name_meant_and_every_error_is_in_the_tools_words(string[] args, params string[] messages)
    {
        var (_, error) = Rejected(args);
        Assert.Equal(messages.Select(m => $"error CC0040: {m}"), error.Split('\n').Where(l => l.StartsWith("error", StringComparison.Ordinal)));
    }

    /// <summary>A name too long for its staged copy failed after the work, and the error blamed the folder.</summary>
    [Fact]
    public void A_diagnostics_name_too_long_for_its_staged_copy_is_refused_before_the_work()
    {
        var name = new string('d', 238) + ".json";
        var (_, error) = Rejected("doctor", "--diagnostics", _tool.PathOf(name));
        Assert.Contains($"error CC0040: --diagnostics '{_tool.PathOf(name)}' has a file name of 243 bytes; at most 242 fit, as it is written beside a staged copy whose name adds the process id\n", error);
        Assert.Equal(0, _tool.Run("doctor", "--diagnostics", _tool.PathOf(name[1..])).Exit);
        Assert.True(File.Exists(_tool.PathOf(name[1..])));
    }

    /// <summary>verify and accept refuse '-' (their snapshots live beside a file): their help offered it all the same.</summary>
    [Theory]
    [InlineData("run", true)]
    [InlineData("predict", true)]
    [InlineData("verify", false)]
    [InlineData("accept", false)]
    public void The_help_offers_standard_input_only_where_the_command_takes_it(string command, bool offered)
    {
        var (exit, stdout, _) = _tool.Run(command, "--help");
        Assert.Equal(0, exit);
        Assert.Equal(offered, stdout.Contains("or - to read it from standard input", StringComparison.Ordinal));
        Assert.Contains("Policy file (collapsecheck.json)", stdout);
    }

    /// <summary>Found after parsing, by the command itself, yet pointed to the same help as a parse error.</summary>
    [Theory]
    [InlineData("run", "--tolerance", "-0.00001", "--tolerance must be from 0 to 1, a fraction (0.25: 25 % beyond the prediction), but is -0.00001\n")]
    [InlineData("run", "--tolerance", "25", "--tolerance must be from 0 to 1, a fraction (0.25: 25 % beyond the prediction), but is 25\n")]
    [InlineData("bench", "--seconds", "0", "--seconds must be above 0")]
    [InlineData("bench", "--model", "huge", "--model must be all or one of")]
    public void An_option_value_out_of_range_points_to_the_command_help(string command, string option, string value, string message)
    {
        var (_, error) = Rejected(command, option, value);
        Assert.StartsWith($"error CC0040: {message}", error);
        Assert.Contains($"Run 'collapsecheck {command} --help' for usage.", error);
    }

    [Fact]
    public void A_seed_whose_last_lineage_would_overflow_is_refused_before_any_training()
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 1).TrimEnd().TrimEnd('}') + ", \"gate\": { \"seeds\": 2 } }");
        var (_, error) = Rejected("run", policy, "--seed", "2147483647");
        Assert.StartsWith("error CC0040: --seed 2147483647 with gate.seeds 2: the lineages train with seeds --seed, --seed + 1", error);
        Assert.DoesNotContain("generation 0", error);
    }

    [Fact]
    public void Init_with_a_misspelt_option_writes_no_file_named_after_it()
    {
        var stray = Path.GetFullPath("--forse");
        Assert.Contains("unknown option '--forse'", Rejected("init", "--forse").Error);
        Assert.False(File.Exists(stray), $"init wrote {stray}");
    }

    [Fact]
    public void A_policy_path_that_starts_with_a_dash_works_written_as_dot_slash()
    {
        using var init = _tool.StartProcess(_tool.Folder, "init", "./--odd.json");
        var said = init.StandardOutput.ReadToEnd();
        init.WaitForExit();
        Assert.Equal(0, init.ExitCode);
        Assert.True(File.Exists(_tool.PathOf("--odd.json")));
        Assert.Contains("Next: 'collapsecheck run ./--odd.json --verify' (the first has no snapshot: it writes the received files), then 'collapsecheck accept ./--odd.json'", said);
    }

    /// <summary>/proc refuses new files even to root, which tests run as in CI (so a read-only folder would not do).</summary>
    [Fact]
    public void Unwritable_out_and_diagnostics_folders_are_refused_before_any_training()
    {
        var (_, outError) = Rejected("run", Policy(), "--out", "/proc/1/collapsecheck-out");
        Assert.Contains("error CC0030: cannot write to '/proc/1/collapsecheck-out': no file can be made in '/proc/1' (", outError);
        Assert.DoesNotContain("generation 0", outError);
        Assert.DoesNotContain("collapsecheck-probe", outError);

        var (_, diagnosticsError) = Rejected("run", Policy(), "--diagnostics", "/proc/nope/diagnostics.json");
        Assert.Contains("error CC0030: --diagnostics '/proc/nope/diagnostics.json': cannot write to '/proc/nope'", diagnosticsError);
        Assert.False(Directory.Exists(_tool.PathOf("collapsecheck-out")), "the run went ahead");

        // A folder still to be made whose name is longer than any file system takes.
        var (_, longError) = Rejected("run", Policy(), "--out", _tool.PathOf(new string('o', 300)));
        Assert.Contains("is longer than the 255 bytes a file system allows", longError);
        Assert.DoesNotContain("generation 0", longError);
    }
}
