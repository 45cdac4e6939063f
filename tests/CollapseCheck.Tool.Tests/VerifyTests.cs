using System.Text.Json.Nodes;
using CollapseCheck.Diagnostics;
using CollapseCheck.Policy;
using CollapseCheck.Reporting;
using CollapseCheck.Snapshots;

namespace CollapseCheck.Tool.Tests;

/// <summary>The snapshot workflow end to end, on real tiny lineages.</summary>
public class VerifyTests : IDisposable
{
    private readonly ToolRunner _tool = new();

    public void Dispose() => _tool.Dispose();

    [Fact]
    public void Run_accept_verify_then_a_changed_mode_is_caught_and_accepted()
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(mode: "accumulate"));
        Assert.Equal(0, _tool.Run("run", policy, "--device", "cpu").Exit);

        // No snapshot yet: exit 1, the received files are written, and the message says how to accept.
        var (missing, _, missingError) = _tool.Run("verify", policy);
        Assert.Equal(1, missing);
        // At the policy, a file of the repository that a CI annotation can show; the received report is not one.
        Assert.Contains($"{policy}(1,1): error CC2002:", missingError);
        Assert.Contains("collapsecheck accept", missingError);
        Assert.True(File.Exists(_tool.PathOf("collapsecheck-report.received.json")));
        Assert.True(File.Exists(_tool.PathOf("collapsecheck-report.received.md")));

        Assert.Equal(0, _tool.Run("accept", policy).Exit);
        Assert.True(File.Exists(_tool.PathOf("collapsecheck-report.verified.json")));
        Assert.False(File.Exists(_tool.PathOf("collapsecheck-report.received.json")));

        // A second run of the same policy verifies.
        Assert.Equal(0, _tool.Run("run", policy, "--device", "cpu").Exit);
        var (same, sameOut, _) = _tool.Run("verify", policy);
        Assert.Equal(0, same);
        Assert.Contains("Verified", sameOut);

        // Changing the mode changes the report: verify fails, writes received files and shows the diff.
        _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(mode: "accumulate-subsample"));
        Assert.Equal(0, _tool.Run("run", policy, "--device", "cpu").Exit);
        var (changed, changedOut, changedError) = _tool.Run("verify", policy);
        Assert.Equal(1, changed);
        Assert.Contains("error CC2001:", changedError);
        // Located at the changed field in the policy, which the pull request changed, where a CI annotation then lands.
        Assert.Contains($"{PolicyLoader.Load(policy).Locations["lineage.mode"]}: error CC2001:", changedError);
        Assert.Contains("policy.lineage.mode: \"accumulate\" (verified) → \"accumulate-subsample\" (received)", changedOut);
        Assert.Contains("+ Policy: mode `accumulate-subsample`", changedOut);
        Assert.Contains("- Policy: mode `accumulate`", changedOut);
        Assert.True(File.Exists(_tool.PathOf("collapsecheck-report.received.md")));

        Assert.Equal(0, _tool.Run("accept", policy).Exit);
        Assert.Equal(0, _tool.Run("verify", policy).Exit);
    }

    [Fact]
    public void Run_with_verify_does_both_and_accept_without_received_files_says_so()
    {
        var policy = _tool.Write("tiny.json", TinyPolicies.OnDotnetDocs(mode: "accumulate", generations: 1));
        var (exit, _, error) = _tool.Run("run", policy, "--device", "cpu", "--verify");
        Assert.Equal(1, exit);
        Assert.Contains("tiny.collapsecheck-report.verified.json", error);
        // The advice works as typed: a bare 'accept' would look for collapsecheck.json's received files.
        // The path is quoted as the shell needs (a temp folder may hold a space); CommandAdviceTests checks the quoting.
        Assert.Contains($"run {Errors.Command("accept", policy)} ({Errors.Command("accept", policy, local: true)} for a local tool)", error);
        Assert.Equal(0, _tool.Run("accept", policy).Exit);
        Assert.Equal(0, _tool.Run("run", policy, "--device", "cpu", "--verify").Exit);

        var (again, _, againError) = _tool.Run("accept", policy);
        Assert.Equal(1, again);
        Assert.Contains("error CC2003:", againError);
    }

    [Fact]
    public void A_report_made_before_the_policy_changed_is_stale_not_verified()
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 1));
        Assert.Equal(0, _tool.Run("run", policy, "--device", "cpu").Exit);
        Assert.Equal(1, _tool.Run("verify", policy).Exit);
        Assert.Equal(0, _tool.Run("accept", policy).Exit);

        _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 1).Replace("\"steps\": 25", "\"steps\": 30"));
        var (exit, _, error) = _tool.Run("verify", policy);
        Assert.Equal(1, exit);
        Assert.Contains("collapsecheck.json(6,17): error CC2005:", error);
        Assert.Contains($"training.steps is 25 there and 30 here; run {Errors.Command("run", policy)} again", error);
        Assert.DoesNotContain("--verify --", error);
        Assert.False(File.Exists(_tool.PathOf("collapsecheck-report.received.json")), "a stale report must not become a received snapshot");

        // The verify section says how to compare, not what was run: loosening it needs no new run.
        _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 1).Replace("\"evaluation\"", "\"verify\": { \"tolerance\": 0.001 },\n  \"evaluation\""));
        var (loosened, _, loosenedError) = _tool.Run("verify", policy);
        Assert.Equal(0, loosened);
        Assert.DoesNotContain("CC2005", loosenedError);

        // A list item is located at the item.
        _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 1).Replace("[\"builtin:dotnet-docs\"]", "[\"builtin:dotnet-docs\", \"more/*.txt\"]"));
        var (listed, _, listedError) = _tool.Run("verify", policy);
        Assert.Equal(1, listed);
        Assert.Contains("collapsecheck.json(3,50): error CC2005: ", listedError);
        Assert.Contains("corpus.include[1] is (absent) there and \"more/*.txt\" here", listedError);

        // A --seed run is another policy's report too, and the message says which option made it.
        _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 1));
        Assert.Equal(0, _tool.Run("run", policy, "--device", "cpu", "--seed", "4").Exit);
        var (reseeded, _, reseededError) = _tool.Run("verify", policy);
        Assert.Equal(1, reseeded);
        Assert.Contains("error CC2005:", reseededError);
        Assert.Contains($"training.seed is 4 there and 3 here; run {Errors.Command("run", policy)} again (if that run's 4 came from --seed rather than the policy, a build that always passes it verifies with {Errors.Command("run", policy, extra: "--verify --seed 4")})", reseededError);

        // A run --verify with an override checks against the policy it ran with, not the file's.
        _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 1));
        var (again, _, againError) = _tool.Run("run", policy, "--device", "cpu", "--tolerance", "0.5", "--verify");
        Assert.Equal(1, again);
        Assert.Contains("error CC2001:", againError);
        Assert.DoesNotContain("CC2005", againError);
    }

    [Fact]
    public void Verify_without_a_report_says_to_run_first()
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs());
        var (exit, _, error) = _tool.Run("verify", policy);
        Assert.Equal(1, exit);
        Assert.Contains("error CC2004:", error);
    }

    [Theory]
    [InlineData("{\n  \"schemaVersion\": 1,\n  \"policy\": {", 3, 14)]
    [InlineData("{}", 1, 1)]
    [InlineData("{ \"policy\": 5 }", 1, 1)]
    public void A_report_that_is_not_json_is_located_not_an_internal_error(string text, int line, int column)
    {
        var policy = WithMinimalReportAndSnapshot();
        _tool.Write("collapsecheck-out/collapsecheck-report.json", text);
        var (exit, _, error) = _tool.Run("verify", policy);
        Assert.Equal(2, exit);
        Assert.Contains($"collapsecheck-report.json({line},{column}): error CC0031: not a valid report", error);
        // The command that makes it again names the policy: a bare 'collapsecheck run' runs the embedded default.
        Assert.Contains($"run {Errors.Command("run", policy)} again", error);
        Assert.DoesNotContain("CC0099", error);
    }

    /// <summary>
    /// A torn received report: run does not write received files, so its advice would loop; verify writes them again,
    /// and following the advice as given is the way out.
    /// </summary>
    [Fact]
    public void A_received_report_that_is_not_json_sends_accept_to_verify_which_mends_it()
    {
        var policy = WithMinimalReportAndSnapshot();
        _tool.Write("collapsecheck-report.verified.json", "{ \"policy\": {} }");
        Assert.Equal(1, _tool.Run("verify", policy).Exit);
        var received = _tool.PathOf("collapsecheck-report.received.json");
        File.WriteAllText(received, File.ReadAllText(received)[..20]);

        var (exit, _, error) = _tool.Run("accept", policy);
        Assert.Equal(2, exit);
        Assert.Contains("collapsecheck-report.received.json(", error);
        Assert.Contains($"error CC0031: not a valid report: ", error);
        Assert.Contains($"run {Errors.Command("verify", policy)} again", error);
        Assert.DoesNotContain(Errors.Command("run", policy), error);

        Assert.Equal(1, _tool.Run("verify", policy).Exit);
        Assert.Equal(0, _tool.Run("accept", policy).Exit);
        Assert.Equal(File.ReadAllText(_tool.PathOf("collapsecheck-out/collapsecheck-report.json")), File.ReadAllText(_tool.PathOf("collapsecheck-report.verified.json")));
    }

    /// <summary>A merge conflict in the committed snapshot: accept must still be the way out, so the received files are written.</summary>
    [Theory]
    [InlineData("{\n  \"a\": 1,\n<<<<<<< HEAD\n", 3, 1)]
    [InlineData("[]", 1, 1)]
    [InlineData("null", 1, 1)]
    [InlineData("{ \"policy\": {},\n  \"a\": 1,\n  \"a\": 2 }", 3, 3)]
    [InlineData("", 1, 1)]
    [InlineData(" \n", 1, 1)]
    public void A_snapshot_that_is_not_a_report_is_located_and_accept_replaces_it(string text, int line, int column)
    {
        var policy = WithMinimalReportAndSnapshot();
        _tool.Write("collapsecheck-report.verified.json", text);
        var (exit, _, error) = _tool.Run("verify", policy);
        Assert.Equal(1, exit);
        Assert.Contains($"collapsecheck-report.verified.json({line},{column}): error CC2006: the verified snapshot is not a report", error);
        Assert.Contains("collapsecheck accept", error);
        Assert.True(File.Exists(_tool.PathOf("collapsecheck-report.received.json")));

        Assert.Equal(0, _tool.Run("accept", policy).Exit);
        Assert.Equal(0, _tool.Run("verify", policy).Exit);
    }

    [Fact]
    public void An_edit_of_a_policy_number_below_six_digits_still_makes_the_report_stale()
    {
        // The echo carried six significant digits, as measured values do: 0.25 and 0.2500001 read the same.
        var policy = WithMinimalReportAndSnapshot();
        _tool.Write("collapsecheck.json", File.ReadAllText(policy).Replace("\"learningRate\": 0.003", "\"learningRate\": 0.0030000001"));
        var (exit, _, error) = _tool.Run("verify", policy);
        Assert.Equal(1, exit);
        Assert.Contains("error CC2005:", error);
        Assert.Contains("training.learningRate is 0.003 there and 0.0030000001 here", error);
    }

    [Fact]
    public void A_report_from_a_version_that_did_not_record_a_field_says_so()
    {
        // training.precision joined the echo in this version: an older report was called "made with another policy".
        var policy = WithMinimalReportAndSnapshot();
        var report = _tool.PathOf("collapsecheck-out/collapsecheck-report.json");
        File.WriteAllText(report, File.ReadAllText(report).Replace("\"precision\": \"fp32\",", "").Replace(",\n    \"precision\": \"fp32\"", ""));
        Assert.DoesNotContain("precision", File.ReadAllText(report));

        var (exit, _, error) = _tool.Run("verify", policy);
        Assert.Equal(1, exit);
        Assert.Contains("error CC2005: the report '" + report + "' was made with another policy or by an earlier collapsecheck that did not record it: training.precision is (absent) there", error);
    }

    [Fact]
    public void A_report_without_its_markdown_is_incomplete_and_leaves_nothing_for_accept()
    {
        // It wrote an empty received Markdown, which accept made an empty snapshot.
        var policy = WithMinimalReportAndSnapshot();
        File.Delete(_tool.PathOf("collapsecheck-out/collapsecheck-report.md"));
        var (exit, _, error) = _tool.Run("verify", policy);
        Assert.Equal(1, exit);
        Assert.Contains("error CC2004: the report's Markdown", error);
        Assert.False(File.Exists(_tool.PathOf("collapsecheck-report.received.md")));
        Assert.Equal("# report\n", File.ReadAllText(_tool.PathOf("collapsecheck-report.verified.md")));
    }

    [Fact]
    public void A_report_set_a_killed_run_left_half_replaced_is_named_and_so_are_received_files()
    {
        // SIGKILL between two renames left a new JSON beside an old Markdown, which verify compared as one report.
        var policy = WithMinimalReportAndSnapshot();
        using var ended = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("dotnet", "--version") { RedirectStandardOutput = true })!;
        ended.WaitForExit();
        var leftover = _tool.Write($"collapsecheck-out/.collapsecheck-report.md.{ended.Id}.tmp", "# newer report\n");
        var (exit, _, error) = _tool.Run("verify", policy);
        Assert.Equal(1, exit);
        Assert.Contains($"error CC2004: the report in '{Path.GetDirectoryName(leftover)}' may be torn", error);
        Assert.False(File.Exists(_tool.PathOf("collapsecheck-report.received.json")));

        // A verify killed between the received pair's renames: accept would make them a snapshot no run wrote.
        File.Delete(leftover);
        Assert.Equal(0, _tool.Run("verify", policy).Exit);
        File.Copy(_tool.PathOf("collapsecheck-out/collapsecheck-report.json"), _tool.PathOf("collapsecheck-report.received.json"));
        File.Copy(_tool.PathOf("collapsecheck-out/collapsecheck-report.md"), _tool.PathOf("collapsecheck-report.received.md"));
        _tool.Write($".collapsecheck-report.received.md.{ended.Id}.old", "# older report\n");
        (exit, _, error) = _tool.Run("accept", policy);
        Assert.Equal(1, exit);
        Assert.Contains("error CC2003: the received files may be torn", error);
        Assert.True(File.Exists(_tool.PathOf("collapsecheck-report.received.json")));
    }

    [Fact]
    public void A_folder_in_a_snapshots_place_is_named_by_verify_and_accept_moves_nothing()
    {
        var policy = WithMinimalReportAndSnapshot();
        File.Delete(_tool.PathOf("collapsecheck-report.verified.json"));
        Directory.CreateDirectory(_tool.PathOf("collapsecheck-report.verified.json"));
        var (exit, _, error) = _tool.Run("verify", policy);
        Assert.Equal(1, exit);
        Assert.Contains("error CC2006: the verified snapshot is not a report: it is a folder, not a file", error);
        Assert.DoesNotContain("CC2002", error);

        // With the Markdown's place a folder, accept used to move the JSON and then crash (CC0099): a half-accepted pair.
        Directory.Delete(_tool.PathOf("collapsecheck-report.verified.json"));
        File.Delete(_tool.PathOf("collapsecheck-report.verified.md"));
        Directory.CreateDirectory(_tool.PathOf("collapsecheck-report.verified.md"));
        (exit, _, error) = _tool.Run("accept", policy);
        Assert.Equal(2, exit);
        Assert.Contains("error CC0030:", error);
        Assert.Contains("collapsecheck-report.verified.md' is a folder", error);
        Assert.True(File.Exists(_tool.PathOf("collapsecheck-report.received.json")));
        Assert.False(File.Exists(_tool.PathOf("collapsecheck-report.verified.json")));
    }

    [Fact]
    public async Task A_bare_verify_beside_the_policy_whose_report_it_finds_names_that_policy()
    {
        // It called the report stale and said to run 'collapsecheck run' again, which refuses (CC0040): a loop.
        WithMinimalReportAndSnapshot();
        using var tool = _tool.StartProcess(_tool.Folder, "verify");
        var stdout = tool.StandardOutput.ReadToEndAsync();
        var stderr = await tool.StandardError.ReadToEndAsync();
        await tool.WaitForExitAsync();
        Assert.Equal(1, tool.ExitCode);
        Assert.Contains("error CC2005: the report '", stderr);
        Assert.Contains("was made with collapsecheck.json, and without a policy argument verify checks the embedded default's; pass the policy: 'collapsecheck verify collapsecheck.json'", stderr);
        _ = await stdout;
    }

    [Fact]
    public void Accepting_a_report_whose_gate_failed_says_so()
    {
        var policy = WithMinimalReportAndSnapshot();
        foreach (var passed in new[] { true, false })
        {
            var report = File.ReadAllText(_tool.PathOf("collapsecheck-out/collapsecheck-report.json")).TrimEnd().TrimEnd('}')
                + $", \"gate\": {{ \"passed\": {(passed ? "true" : "false")} }} }}";
            _tool.Write("collapsecheck-report.received.json", report);
            _tool.Write("collapsecheck-report.received.md", "# report\n");
            var (exit, stdout, _) = _tool.Run("accept", policy);
            Assert.Equal(0, exit);
            Assert.Equal(!passed, stdout.Contains("Note: this snapshot records a failing gate", StringComparison.Ordinal));
        }
    }

    /// <summary>
    /// A folder that refuses the write (read-only for a user; here, as root may run tests, the write lock's name taken
    /// by a folder) is CC0030, not an internal error, and both snapshots stay as they were: two moves could leave
    /// the new JSON beside the old Markdown.
    /// </summary>
    [Fact]
    public void Accept_into_a_folder_that_refuses_the_write_is_cc0030_and_changes_neither_snapshot()
    {
        var policy = WithMinimalReportAndSnapshot();
        File.Copy(_tool.PathOf("collapsecheck-out/collapsecheck-report.json"), _tool.PathOf("collapsecheck-report.received.json"));
        File.Copy(_tool.PathOf("collapsecheck-out/collapsecheck-report.md"), _tool.PathOf("collapsecheck-report.received.md"));
        File.WriteAllText(_tool.PathOf("collapsecheck-report.verified.json"), "{ \"policy\": {} }");
        File.WriteAllText(_tool.PathOf("collapsecheck-report.verified.md"), "old");
        Directory.CreateDirectory(_tool.PathOf(".collapsecheck-writing.lock"));

        var (exit, _, error) = _tool.Run("accept", policy);

        Assert.Equal(2, exit);
        Assert.Contains($"error CC0030: cannot write to '{_tool.Folder}'", error);
        Assert.Equal("{ \"policy\": {} }", File.ReadAllText(_tool.PathOf("collapsecheck-report.verified.json")));
        Assert.Equal("old", File.ReadAllText(_tool.PathOf("collapsecheck-report.verified.md")));
        Assert.True(File.Exists(_tool.PathOf("collapsecheck-report.received.json")));

        Directory.Delete(_tool.PathOf(".collapsecheck-writing.lock"));
        Assert.Equal(0, _tool.Run("accept", policy).Exit);
        Assert.Equal(File.ReadAllBytes(_tool.PathOf("collapsecheck-out/collapsecheck-report.json")), File.ReadAllBytes(_tool.PathOf("collapsecheck-report.verified.json")));
        Assert.Equal(File.ReadAllBytes(_tool.PathOf("collapsecheck-out/collapsecheck-report.md")), File.ReadAllBytes(_tool.PathOf("collapsecheck-report.verified.md")));
        Assert.False(File.Exists(_tool.PathOf("collapsecheck-report.received.json")));
        Assert.False(File.Exists(_tool.PathOf("collapsecheck-report.received.md")));
    }

    [Fact]
    public void Accept_without_the_received_markdown_moves_nothing()
    {
        // It moved the JSON alone, leaving it beside a Markdown snapshot of another report.
        var policy = WithMinimalReportAndSnapshot();
        File.Copy(_tool.PathOf("collapsecheck-out/collapsecheck-report.json"), _tool.PathOf("collapsecheck-report.received.json"));
        File.WriteAllText(_tool.PathOf("collapsecheck-report.verified.json"), "{ \"policy\": {} }");
        var (exit, _, error) = _tool.Run("accept", policy);
        Assert.Equal(1, exit);
        Assert.Contains("error CC2003: the received Markdown", error);
        Assert.Equal("{ \"policy\": {} }", File.ReadAllText(_tool.PathOf("collapsecheck-report.verified.json")));
        Assert.True(File.Exists(_tool.PathOf("collapsecheck-report.received.json")));
    }

    [UnixFact]
    public void A_snapshot_link_that_loops_is_unreadable_not_an_internal_error()
    {
        var policy = WithMinimalReportAndSnapshot();
        File.Delete(_tool.PathOf("collapsecheck-report.verified.json"));
        File.CreateSymbolicLink(_tool.PathOf("collapsecheck-report.verified.json"), _tool.PathOf("collapsecheck-report.verified.json"));
        var (exit, _, error) = _tool.Run("verify", policy);
        Assert.Equal(1, exit);
        Assert.Contains("error CC2006: the verified snapshot is not a report: it cannot be read", error);
        Assert.DoesNotContain("CC0099", error);
    }

    [Fact]
    public void Crlf_snapshots_verify_and_a_hand_edit_of_the_markdown_is_still_caught()
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs(generations: 1));
        Assert.Equal(0, _tool.Run("run", policy, "--device", "cpu").Exit);
        Assert.Equal(1, _tool.Run("verify", policy).Exit); // no snapshot yet: the received files are written
        Assert.Equal(0, _tool.Run("accept", policy).Exit);
        var json = _tool.PathOf("collapsecheck-report.verified.json");
        var markdown = _tool.PathOf("collapsecheck-report.verified.md");

        // What a Windows checkout without '*.verified.* text eol=lf' holds, and an editor that drops the last newline.
        File.WriteAllText(json, File.ReadAllText(json).Replace("\n", "\r\n"));
        File.WriteAllText(markdown, File.ReadAllText(markdown).Replace("\n", "\r\n").TrimEnd());
        var (exit, _, error) = _tool.Run("verify", policy);
        Assert.True(exit == 0, error);

        File.WriteAllText(markdown, File.ReadAllText(markdown).Replace("**Verdict: ", "**Verdict (hand edit): "));
        var (edited, editedOut, editedError) = _tool.Run("verify", policy);
        Assert.Equal(1, edited);
        Assert.Contains("error CC2001:", editedError);
        Assert.Contains("the Markdown report differs", editedError);
        Assert.Contains("- **Verdict (hand edit): ", editedOut);

        File.Delete(markdown);
        var (deleted, _, deletedError) = _tool.Run("verify", policy);
        Assert.Equal(1, deleted);
        Assert.Contains($"{policy}(1,1): error CC2001: the report differs from the verified snapshot: the Markdown snapshot '{markdown}' is missing (the JSON one matches)", deletedError);
    }

    [Fact]
    public void Two_policies_in_one_folder_keep_their_own_reports_and_verify_each()
    {
        var a = _tool.Write("a.json", TinyPolicies.OnDotnetDocs(mode: "accumulate", generations: 1));
        var b = _tool.Write("b.json", TinyPolicies.OnDotnetDocs(mode: "replace", generations: 1));
        Assert.Equal(1, _tool.Run("run", a, "--device", "cpu", "--verify").Exit); // no snapshot yet
        Assert.Equal(0, _tool.Run("accept", a).Exit);
        _tool.Run("run", b, "--device", "cpu");

        Assert.True(File.Exists(_tool.PathOf("a.collapsecheck-out/collapsecheck-report.json")));
        Assert.True(File.Exists(_tool.PathOf("b.collapsecheck-out/collapsecheck-report.json")));
        var (exit, _, error) = _tool.Run("verify", a);
        Assert.True(exit == 0, error);
    }

    [Fact]
    public async Task Two_policies_whose_names_differ_only_in_extension_are_refused_before_either_replaces_the_other()
    {
        // Both are named a.* in outputs and snapshots: a.jsonc's run replaced a.json's reports, and its accept the snapshot.
        _tool.Write("a.json", TinyPolicies.OnDotnetDocs(mode: "accumulate", generations: 1));
        var jsonc = _tool.Write("a.jsonc", TinyPolicies.OnDotnetDocs(mode: "replace", generations: 1));

        var (exit, _, error) = _tool.Run("run", jsonc, "--device", "cpu");

        Assert.Equal(2, exit);
        Assert.Contains("error CC0040: a.json beside a.jsonc shares its report and snapshot names (a.collapsecheck-report.*)", error);
        Assert.False(Directory.Exists(_tool.PathOf("a.collapsecheck-out")));

        // The same file under a second name is no second policy.
        File.Delete(jsonc);
        File.CreateSymbolicLink(jsonc, _tool.PathOf("a.json"));
        Assert.DoesNotContain("CC0040", _tool.Run("predict", jsonc).Error);
        Assert.Equal(0, _tool.Run("run", jsonc, "--device", "cpu").Exit);

        // Named from its own folder: the relative path is the same file as the one the folder lists.
        using var relative = _tool.StartProcess(_tool.Folder, "run", "a.json", "--device", "cpu");
        var stderr = await relative.StandardError.ReadToEndAsync();
        await relative.StandardOutput.ReadToEndAsync();
        await relative.WaitForExitAsync();
        Assert.True(relative.ExitCode == 0, stderr);
    }

    [Fact]
    public void Loosening_the_verify_tolerance_needs_no_accept_with_either_command()
    {
        var text = TinyPolicies.OnDotnetDocs(generations: 1);
        var policy = _tool.WithAcceptedSnapshot(text);

        _tool.Write("collapsecheck.json", text.Replace("\"evaluation\"", "\"verify\": { \"tolerance\": 0.001 },\n  \"evaluation\""));
        var (verify, _, verifyError) = _tool.Run("verify", policy);
        Assert.True(verify == 0, verifyError);
        var (rerun, rerunOut, rerunError) = _tool.Run("run", policy, "--device", "cpu", "--verify");
        Assert.True(rerun == 0, rerunOut + rerunError);
    }

    [Fact]
    public void Accept_names_the_options_a_report_was_made_with_and_refuses_one_of_an_earlier_policy()
    {
        var text = TinyPolicies.OnDotnetDocs(generations: 1);
        var policy = _tool.Write("collapsecheck.json", text);
        Assert.Equal(1, _tool.Run("run", policy, "--device", "cpu", "--seed", "5", "--verify").Exit); // no snapshot yet
        var (accepted, acceptedOut, _) = _tool.Run("accept", policy);
        Assert.Equal(0, accepted);
        Assert.Contains($"Note: it was made with --seed 5, which the policy file does not say, so only runs given the same match it: {Errors.Command("run", policy, extra: "--verify --seed 5")}", acceptedOut);
        Assert.Equal(0, _tool.Run("run", policy, "--device", "cpu", "--seed", "5", "--verify").Exit);

        // Received files of the policy as it was before an edit: no run of the file reproduces them.
        _tool.Write("collapsecheck.json", text.Replace("\"steps\": 25", "\"steps\": 26"));
        Assert.Equal(1, _tool.Run("run", policy, "--device", "cpu", "--seed", "5", "--verify").Exit);
        _tool.Write("collapsecheck.json", text);
        var (exit, _, error) = _tool.Run("accept", policy);
        Assert.Equal(1, exit);
        Assert.Contains("error CC2005:", error);
        Assert.Contains("training.steps is 26 there and 25 here", error);
        Assert.True(File.Exists(_tool.PathOf("collapsecheck-report.received.json")));
    }

    [Fact]
    public void Accept_refuses_a_report_whose_tolerance_or_seed_the_policy_file_changed_after_it_was_made()
    {
        // The way to accept a failing report used to be loosening the file's tolerance: accept took the old report as
        // one made with --tolerance. A file written after the received report is not the one its run read.
        var text = TinyPolicies.OnDotnetDocs(generations: 1);
        var policy = _tool.Write("collapsecheck.json", text.Replace("\"evaluation\"", "\"gate\": { \"tolerance\": 0.5 },\n  \"evaluation\""));
        Assert.Equal(1, _tool.Run("run", policy, "--device", "cpu", "--verify").Exit); // no snapshot yet
        var received = File.GetLastWriteTimeUtc(_tool.PathOf("collapsecheck-report.received.json"));
        _tool.Write("collapsecheck.json", text.Replace("\"evaluation\"", "\"gate\": { \"tolerance\": 0.7 },\n  \"evaluation\""));
        File.SetLastWriteTimeUtc(policy, received.AddSeconds(5));

        var (exit, _, error) = _tool.Run("accept", policy);
        Assert.Equal(1, exit);
        Assert.Contains("error CC2005:", error);
        Assert.Contains("gate.tolerance is 0.5 there and 0.7 here", error);
        Assert.False(File.Exists(_tool.PathOf("collapsecheck-report.verified.json")));

        // As old as the report, the file did not change after the run: the difference came from an option.
        File.SetLastWriteTimeUtc(policy, received.AddSeconds(-5));
        var (accepted, acceptedOut, _) = _tool.Run("accept", policy);
        Assert.Equal(0, accepted);
        Assert.Contains("Note: it was made with --tolerance 0.5", acceptedOut);
    }

    [Fact]
    public void A_reformatted_json_snapshot_still_needs_its_markdown()
    {
        // An editor or formatter that re-indented the JSON made the pair's texts differ, and a deleted Markdown snapshot passed.
        var policy = WithMinimalReportAndSnapshot();
        var json = _tool.PathOf("collapsecheck-report.verified.json");
        File.WriteAllText(json, File.ReadAllText(json).Replace("{ \"policy\": ", "{\n    \"policy\":   ") + "  \n");
        var markdown = _tool.PathOf("collapsecheck-report.verified.md");
        Assert.Equal(0, _tool.Run("verify", policy).Exit);

        File.WriteAllText(markdown, "# another report\n");
        var (edited, _, editedError) = _tool.Run("verify", policy);
        Assert.Equal(1, edited);
        Assert.Contains("the Markdown report differs", editedError);

        File.Delete(markdown);
        var (deleted, _, deletedError) = _tool.Run("verify", policy);
        Assert.Equal(1, deleted);
        Assert.Contains($"the Markdown snapshot '{markdown}' is missing (the JSON one matches)", deletedError);

        Directory.CreateDirectory(markdown);
        var (folder, _, folderError) = _tool.Run("verify", policy);
        Assert.Equal(1, folder);
        Assert.Contains($"the Markdown snapshot '{markdown}' is a folder, not a file", folderError);
    }

    [Fact]
    public void A_mismatch_where_the_received_files_cannot_be_written_is_shown_before_the_write_error()
    {
        // A read-only checkout said only CC0030, with no word of what differed.
        var policy = WithSnapshotWhereNothingCanBeReceived("\"extra\": 1");

        var (exit, stdout, error) = _tool.Run("verify", policy);

        Assert.Equal(2, exit);
        Assert.Contains("extra: 1 (verified)", stdout);
        Assert.DoesNotContain("Received:", stdout);
        Assert.Contains("error CC2001:", error);
        Assert.Contains("error CC0030:", error);
        Assert.True(error.IndexOf("CC2001", StringComparison.Ordinal) < error.IndexOf("CC0030", StringComparison.Ordinal));
    }

    [Fact]
    public void A_match_against_a_cuda_snapshot_where_this_report_cannot_be_written_still_passes_with_a_warning()
    {
        var policy = WithSnapshotWhereNothingCanBeReceived("\"device\": \"cuda\"");

        var (exit, stdout, error) = _tool.Run("verify", policy);

        Assert.True(exit == 0, error);
        Assert.Contains("Verified: the report matches", stdout);
        Assert.Contains("warning CC0030:", error);
        Assert.DoesNotContain("is written as", stdout);
    }

    /// <summary>
    /// The minimal report and snapshot, with <paramref name="field"/> added to the snapshot, and a folder where the
    /// received JSON goes: a write refused as read-only permissions would refuse it, even for root.
    /// </summary>
    private string WithSnapshotWhereNothingCanBeReceived(string field)
    {
        var policy = WithMinimalReportAndSnapshot();
        var json = _tool.PathOf("collapsecheck-report.verified.json");
        File.WriteAllText(json, File.ReadAllText(json).TrimEnd().TrimEnd('}') + $", {field} }}");
        Directory.CreateDirectory(_tool.PathOf("collapsecheck-report.received.json"));
        return policy;
    }

    /// <summary>
    /// Another writer holding the policy's folder (an accept or verify of another policy there that hangs): accept says
    /// it waits, and Ctrl+C stops the wait at once, where it used to wait out its 60 s, with both snapshots as they were.
    /// </summary>
    [CtrlCFact]
    public void Ctrl_C_while_accept_waits_for_another_writer_stops_the_wait_and_changes_no_snapshot()
    {
        var policy = WithMinimalReportAndSnapshot();
        File.WriteAllText(_tool.PathOf("collapsecheck-report.received.json"), File.ReadAllText(_tool.PathOf("collapsecheck-out/collapsecheck-report.json")));
        File.WriteAllText(_tool.PathOf("collapsecheck-report.received.md"), "# new report\n");
        var verified = File.ReadAllText(_tool.PathOf("collapsecheck-report.verified.md"));

        using (new FileStream(_tool.PathOf(".collapsecheck-writing.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose))
        {
            // Well inside the 60 s the wait would otherwise take.
            var (said, exit, rest) = _tool.SignalAfter(["accept", policy], "waiting up to 60 s", "-INT", TimeSpan.Zero, exitWithin: TimeSpan.FromSeconds(20));
            Assert.Equal($"collapsecheck: another collapsecheck is writing to '{_tool.Folder}'; waiting up to 60 s for it to finish (Ctrl+C stops waiting)", said);
            Assert.Equal(130, exit);
            Assert.Contains("collapsecheck: cancelled while another writer held the folder; the snapshots were not changed.", rest);
        }

        Assert.Equal(verified, File.ReadAllText(_tool.PathOf("collapsecheck-report.verified.md")));
        Assert.Equal("# new report\n", File.ReadAllText(_tool.PathOf("collapsecheck-report.received.md")));
        Assert.Equal(0, _tool.Run("accept", policy).Exit);
        Assert.Equal("# new report\n", File.ReadAllText(_tool.PathOf("collapsecheck-report.verified.md")));
    }

    /// <summary>The smallest report verify reads past, as report and snapshot: valid JSON echoing this very policy.</summary>
    private string WithMinimalReportAndSnapshot()
    {
        var policy = _tool.Write("collapsecheck.json", TinyPolicies.OnDotnetDocs());
        var echo = ReportJson.Serialize(ReportBuilder.Echo(PolicyLoader.Load(policy)));
        _tool.Write("collapsecheck-out/collapsecheck-report.json", $"{{ \"policy\": {echo} }}");
        _tool.Write("collapsecheck-out/collapsecheck-report.md", "# report\n");
        _tool.Write("collapsecheck-report.verified.json", $"{{ \"policy\": {echo} }}");
        _tool.Write("collapsecheck-report.verified.md", "# report\n");
        return policy;
    }
}
