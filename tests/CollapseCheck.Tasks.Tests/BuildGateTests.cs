using System.Text.RegularExpressions;
using CollapseCheck.Tests;

namespace CollapseCheck.Tasks.Tests;

/// <summary>
/// A real consumer project built with the packed MSBuild package and the packed tool installed as a local tool:
/// passing and failing policies, incremental skipping, design-time builds, a missing tool.
/// </summary>
[Collection(nameof(PackagedBuildCollection))]
public class BuildGateTests(PackagedBuild packages)
{
    private const string PassingPolicy = """
        {
          "corpus": { "include": ["builtin:dotnet-docs"], "maxBytes": 30000 },
          "model": { "layers": 1, "width": 32, "heads": 2, "context": 32 },
          "training": { "steps": 25, "batch": 8, "warmupSteps": 5, "seed": 3 },
          "lineage": { "generations": 2, "mode": "accumulate", "syntheticTokensPerGeneration": 1500 },
          "evaluation": { "heldOutTokens": 2000 }
        }
        """;

    private const string GateRan = "CollapseCheck: using the local tool";

    private string Consumer(string name, string policy, bool installTool = true, string frameworks = "<TargetFramework>net10.0</TargetFramework>", string items = "")
    {
        var folder = packages.NewFolder(name);
        File.WriteAllText(Path.Combine(folder, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                {frameworks}
                <CollapseCheckEnabled>true</CollapseCheckEnabled>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="CollapseCheck" Version="{packages.Version}" PrivateAssets="all" />
                {items}
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(folder, "Marker.cs"), "public static class Marker { }\n");
        File.WriteAllText(Path.Combine(folder, "collapsecheck.json"), policy);
        if (installTool)
        {
            PackagedBuild.Dotnet(folder, "new", "tool-manifest").AssertSuccess();
            PackagedBuild.Dotnet(folder, "tool", "install", "CollapseCheck.Tool", "--version", packages.Version).AssertSuccess();
        }

        return folder;
    }

    [Fact]
    public void A_passing_policy_builds_writes_the_report_and_is_not_retrained_when_nothing_changed()
    {
        var folder = Consumer("passing", PassingPolicy);
        var first = PackagedBuild.Dotnet(folder, "build", "-v", "n");
        first.AssertSuccess();
        Assert.Contains(GateRan, first.Output);
        Assert.Contains("CollapseCheck: running the gate on 'collapsecheck.json' (training its lineage; no pass is recorded for this project yet, or since a clean or a failure)", first.Output);
        Assert.True(File.Exists(Path.Combine(folder, "collapsecheck-out", "collapsecheck-report.json")));
        // 25 steps of a 1-layer model do not beat token frequencies: a warning at training.steps, in a passing build.
        var training = PassingPolicy.Split('\n')[3];
        Assert.Contains($"{Path.Combine(folder, "collapsecheck.json")}(4,{training.IndexOf("\"steps\"", StringComparison.Ordinal) + 1}): warning CC1030: generation 0's", first.Output);
        // The tool and the package are one version, so nothing says otherwise.
        Assert.DoesNotContain("CC0054", first.Output);

        var second = PackagedBuild.Dotnet(folder, "build", "-v", "n");
        second.AssertSuccess();
        Assert.Contains("Skipping target \"CollapseCheck\" because all output files are up-to-date", second.Output);
        Assert.DoesNotContain("CollapseCheck: using", second.Output);
        // Visual Studio's fast up-to-date check learns the gate's inputs and its stamp from a design-time build: without
        // them it skipped MSBuild, and the gate, after an edit to the policy or the corpus.
        var upToDateCheck = PackagedBuild.Dotnet(folder, "msbuild", "-t:_CollapseCheckUpToDateCheckItems", "-getItem:UpToDateCheckInput", "-getItem:UpToDateCheckOutput", "-p:DesignTimeBuild=true");
        upToDateCheck.AssertSuccess();
        var corpusFile = File.ReadLines(Path.Combine(folder, "obj", "collapsecheck", "collapsecheck.corpus")).First();
        foreach (var expected in new[] { Path.Combine(folder, "collapsecheck.json"), corpusFile, Path.Combine(folder, "obj", "collapsecheck", "collapsecheck.stamp") })
        {
            Assert.Contains(System.Text.Json.JsonEncodedText.Encode(expected).ToString(), upToDateCheck.Output);
        }

        Assert.Contains("\"Set\": \"CollapseCheck\"", upToDateCheck.Output);

        // Said at the default verbosity, with the notices it replays marked as the last run's.
        var quiet = PackagedBuild.Dotnet(folder, "build");
        quiet.AssertSuccess();
        Assert.Matches(@"CollapseCheck: the gate is up to date, not run: it passed at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC on these inputs and settings", quiet.Output);
        Assert.Contains("(from the gate's last run, which is up to date)", quiet.Output);
        Assert.DoesNotContain("CollapseCheck: running", quiet.Output);

        // Another spelling of the same policy is the same setting: no rerun.
        var respelled = PackagedBuild.Dotnet(folder, "build", "-v", "n", "-p:CollapseCheckPolicy=./collapsecheck.json");
        respelled.AssertSuccess();
        Assert.DoesNotContain("CollapseCheck: using", respelled.Output);

        // Pointing at another policy reruns even when that file is older than the last run.
        var other = Path.Combine(folder, "other.json");
        File.WriteAllText(other, PassingPolicy);
        File.SetLastWriteTimeUtc(other, DateTime.UtcNow.AddDays(-1));
        var switched = PackagedBuild.Dotnet(folder, "build", "-v", "n", $"-p:CollapseCheckPolicy={other}", "-p:CollapseCheckDevice=CPU");
        switched.AssertSuccess();
        Assert.Contains(GateRan, switched.Output);
        Assert.Contains("CollapseCheck: running the gate on 'other.json' (training its lineage; an input or setting changed since it last passed)", switched.Output);

        // A changed policy is an input: the next design-time build still leaves the lineage alone.
        File.SetLastWriteTimeUtc(Path.Combine(folder, "collapsecheck.json"), DateTime.UtcNow);
        var designTime = PackagedBuild.Dotnet(folder, "build", "-v", "n", "-p:DesignTimeBuild=true");
        designTime.AssertSuccess();
        Assert.DoesNotContain("CollapseCheck: using", designTime.Output);
        Assert.DoesNotContain("Skipping target \"CollapseCheck\"", designTime.Output);

        // A variable that changes a report's last bits is a setting: the torch threads, here set to the default's count.
        var threads = PackagedBuild.RunWith(folder, new Dictionary<string, string> { ["COLLAPSECHECK_INTRAOP_THREADS"] = "1" },
            "dotnet", "build", "-v", "n", $"-p:CollapseCheckPolicy={other}", "-p:CollapseCheckDevice=CPU");
        threads.AssertSuccess();
        Assert.Contains(GateRan, threads.Output);

        // COLLAPSECHECK_LIBTORCH chooses the libtorch as CollapseCheckLibTorch does: with the last pass's settings otherwise
        // (the other policy), a changed one reruns the gate (here into the tool's error about it), where it counted as up to date.
        var otherTorch = PackagedBuild.RunWith(folder, new Dictionary<string, string> { ["COLLAPSECHECK_INTRAOP_THREADS"] = "1", ["COLLAPSECHECK_LIBTORCH"] = Path.Combine(folder, "no-torch") },
            "dotnet", "build", $"-p:CollapseCheckPolicy={other}", "-p:CollapseCheckDevice=CPU");
        Assert.NotEqual(0, otherTorch.ExitCode);
        Assert.Contains("error CC0020: COLLAPSECHECK_LIBTORCH points at", otherTorch.Output);
    }

    /// <summary>CollapseCheckEnabled=ture passed every build with the gate silently off; CollapseCheckVerify=1 was MSB4030 in the package's targets.</summary>
    [Fact]
    public void A_switch_that_is_neither_true_nor_false_fails_the_build_at_the_project()
    {
        var (build, folder) = FailingBuild("badswitch", _ => "CollapseCheckEnabled=ture", installTool: false);
        var project = Path.Combine(folder, "Consumer.csproj");
        Assert.Contains($"{project} : error CC0040: CollapseCheckEnabled must be true or false, but is 'ture'; the gate did not run", build.Output);

        var verify = PackagedBuild.Dotnet(folder, "build", "-p:CollapseCheckVerify=1");
        Assert.NotEqual(0, verify.ExitCode);
        Assert.Contains($"{project} : error CC0040: CollapseCheckVerify must be true or false, but is '1'", verify.Output);
        Assert.DoesNotContain("MSB4030", verify.Output);
        Assert.DoesNotContain("CC0050", verify.Output);

        // MSBuild reads on and off as true and false, as its own conditions do.
        var off = PackagedBuild.Dotnet(folder, "build", "-p:CollapseCheckEnabled=off");
        off.AssertSuccess();
    }

    [Fact]
    public void Clean_and_rebuild_start_the_gate_over_and_a_deleted_report_is_written_again()
    {
        var folder = Consumer("clean", PassingPolicy);
        PackagedBuild.Dotnet(folder, "build", "-v", "n").AssertSuccess();

        PackagedBuild.Dotnet(folder, "clean").AssertSuccess();
        var afterClean = PackagedBuild.Dotnet(folder, "build", "-v", "n");
        afterClean.AssertSuccess();
        Assert.Contains(GateRan, afterClean.Output);

        var rebuild = PackagedBuild.Dotnet(folder, "build", "--no-incremental", "-v", "n");
        rebuild.AssertSuccess();
        Assert.Contains(GateRan, rebuild.Output);

        Directory.Delete(Path.Combine(folder, "collapsecheck-out"), recursive: true);
        var afterDelete = PackagedBuild.Dotnet(folder, "build", "-v", "n");
        afterDelete.AssertSuccess();
        Assert.Contains(GateRan, afterDelete.Output);
        Assert.True(File.Exists(Path.Combine(folder, "collapsecheck-out", "collapsecheck-report.json")));
    }

    [Fact]
    public void A_multi_targeting_project_gates_once_and_another_configuration_does_not_gate_again()
    {
        // Switched on from Directory.Build.targets, which MSBuild reads after the package's targets.
        var folder = Consumer("multi", PassingPolicy, frameworks: "<TargetFrameworks>net9.0;net10.0</TargetFrameworks>");
        var project = Path.Combine(folder, "Consumer.csproj");
        File.WriteAllText(project, File.ReadAllText(project).Replace("<CollapseCheckEnabled>true</CollapseCheckEnabled>", ""));
        File.WriteAllText(Path.Combine(folder, "Directory.Build.targets"),
            "<Project><PropertyGroup><CollapseCheckEnabled>true</CollapseCheckEnabled></PropertyGroup></Project>");

        var build = PackagedBuild.Dotnet(folder, "build", "-v", "n");
        build.AssertSuccess();
        Assert.Equal(1, build.Count(GateRan));

        var release = PackagedBuild.Dotnet(folder, "build", "-c", "Release", "-v", "n");
        release.AssertSuccess();
        Assert.Equal(0, release.Count(GateRan));

        // One framework alone, whichever, still gates.
        PackagedBuild.Dotnet(folder, "clean").AssertSuccess();
        var single = PackagedBuild.Dotnet(folder, "build", "-f", "net10.0", "-v", "n");
        single.AssertSuccess();
        Assert.Equal(1, single.Count(GateRan));
    }

    [Fact]
    public void A_multi_targeting_project_whose_gate_fails_trains_once_and_fails_every_framework()
    {
        // Each framework's build waited for the one gating, found no stamp, and trained the same lineage again to fail alike.
        var folder = Consumer("multifail", PassingPolicy.Replace("\"accumulate\"", "\"replace\""), frameworks: "<TargetFrameworks>net9.0;net10.0</TargetFrameworks>");

        // Two nodes, so the frameworks build side by side on any machine, as they do on a CI runner's cores.
        var build = PackagedBuild.Dotnet(folder, "build", "-m:2");

        Assert.NotEqual(0, build.ExitCode);
        Assert.Equal(1, build.Count("Finished in "));
        Assert.Equal(1, build.Count("the gate failed in another build of this project just now, with the same settings and inputs"));
        // Once in each framework's log, and each again in the summary.
        Assert.Equal(4, build.Count(@"collapsecheck\.json\(5,\d+\): error CC1020:"));

        // A later build runs the failed gate again: the policy may have been fixed in between.
        var again = PackagedBuild.Dotnet(folder, "build", "-f", "net10.0");
        Assert.NotEqual(0, again.ExitCode);
        Assert.Equal(1, again.Count("Finished in "));
    }

    [Fact]
    public void A_tool_manifest_above_the_project_and_the_set_of_declared_inputs_rerun_the_gate()
    {
        // The repository layout: the manifest at the root, the project one folder down, corpus files declared.
        var root = Consumer("layout", PassingPolicy, items: "<CollapseCheckInput Include=\"data/**\" />");
        var project = Path.Combine(root, "app");
        Directory.CreateDirectory(Path.Combine(project, "data"));
        foreach (var file in new[] { "Consumer.csproj", "Marker.cs", "collapsecheck.json" })
        {
            File.Move(Path.Combine(root, file), Path.Combine(project, file));
        }

        File.WriteAllText(Path.Combine(project, "data", "a.txt"), "one");
        File.WriteAllText(Path.Combine(project, "data", "b.txt"), "two");
        PackagedBuild.Dotnet(project, "build", "-v", "n").AssertSuccess();
        Assert.Contains("Skipping target \"CollapseCheck\"", PackagedBuild.Dotnet(project, "build", "-v", "n").Output);

        var manifest = new[] { Path.Combine(root, ".config", "dotnet-tools.json"), Path.Combine(root, "dotnet-tools.json") }.Single(File.Exists);
        File.SetLastWriteTimeUtc(manifest, DateTime.UtcNow.AddMinutes(1));
        var upgraded = PackagedBuild.Dotnet(project, "build", "-v", "n");
        upgraded.AssertSuccess();
        Assert.Contains(GateRan, upgraded.Output);
        File.SetLastWriteTimeUtc(manifest, DateTime.UtcNow.AddMinutes(-5)); // back from the future, so it stops rerunning

        // Built from the repository root: the task's relative paths (obj/…) are the project's, not the shell's.
        File.Delete(Path.Combine(project, "data", "b.txt"));
        var removed = PackagedBuild.Dotnet(root, "build", Path.Combine("app", "Consumer.csproj"), "-v", "n");
        removed.AssertSuccess();
        Assert.Contains(GateRan, removed.Output);
        Assert.True(File.Exists(Path.Combine(project, "obj", "collapsecheck", "collapsecheck.stamp")));
        Assert.False(Directory.Exists(Path.Combine(root, "obj")));
        Assert.Contains("Skipping target \"CollapseCheck\"", PackagedBuild.Dotnet(root, "build", Path.Combine("app", "Consumer.csproj"), "-v", "n").Output);
    }

    [Fact]
    public void An_edited_deleted_or_added_corpus_file_reruns_the_gate_without_being_declared()
    {
        // A folder name ending in a space: MSBuild's ReadLinesFromFile trims lines, which once made it look missing.
        var folder = Consumer("corpus", PassingPolicy.Replace("\"builtin:dotnet-docs\"], \"maxBytes\": 30000", "\"data /*.txt\"]"));
        Directory.CreateDirectory(Path.Combine(folder, "data "));
        foreach (var name in new[] { "a", "b", "c" })
        {
            File.WriteAllText(Path.Combine(folder, "data ", name + ".txt"), Paragraphs(name, 40));
        }

        PackagedBuild.Dotnet(folder, "build", "-v", "n").AssertSuccess();
        Assert.Contains("Skipping target \"CollapseCheck\"", PackagedBuild.Dotnet(folder, "build", "-v", "n").Output);

        File.AppendAllText(Path.Combine(folder, "data ", "b.txt"), "\n\n" + Paragraphs("more", 5));
        var edited = PackagedBuild.Dotnet(folder, "build", "-v", "n");
        edited.AssertSuccess();
        Assert.Contains(GateRan, edited.Output);
        Assert.Contains("Skipping target \"CollapseCheck\"", PackagedBuild.Dotnet(folder, "build", "-v", "n").Output);

        File.Delete(Path.Combine(folder, "data ", "c.txt"));
        var deleted = PackagedBuild.Dotnet(folder, "build", "-v", "n");
        deleted.AssertSuccess();
        Assert.Contains(GateRan, deleted.Output);
        Assert.Contains("Skipping target \"CollapseCheck\"", PackagedBuild.Dotnet(folder, "build", "-v", "n").Output);

        // A file the glob finds that no list of the last run's files holds: its folder's time says it came.
        File.WriteAllText(Path.Combine(folder, "data ", "d.txt"), Paragraphs("d", 40));
        var added = PackagedBuild.Dotnet(folder, "build", "-v", "n");
        added.AssertSuccess();
        Assert.Contains("CollapseCheck: the corpus folder " + Path.Combine(folder, "data ") + Path.DirectorySeparatorChar + " changed since the gate last passed", added.Output);
        Assert.Contains(GateRan, added.Output);
        Assert.Contains("Skipping target \"CollapseCheck\"", PackagedBuild.Dotnet(folder, "build", "-v", "n").Output);

        // A default-verbosity build that gates says so: the verdict, the report and the time, not "Build succeeded" alone.
        File.AppendAllText(Path.Combine(folder, "data ", "a.txt"), "\n\n" + Paragraphs("again", 5));
        var quiet = PackagedBuild.Dotnet(folder, "build");
        quiet.AssertSuccess();
        Assert.Contains("Gate: pass: every generation within the theory's thresholds", quiet.Output);
        Assert.Contains("Report:   " + Path.Combine(folder, "collapsecheck-out", "collapsecheck-report.json"), quiet.Output);
        Assert.DoesNotContain("gen  ppl ×gen0", quiet.Output);
    }

    /// <summary>Paragraphs of words drawn from a short list, different for each name: enough text for a tiny lineage.</summary>
    private static string Paragraphs(string name, int count)
    {
        string[] words = ["the", "model", "reads", "text", "and", "writes", "more", "of", "it", "each", "generation", "loses", "a", "little", "tail"];
        var random = new Random(name[0]);
        return string.Join("\n\n", Enumerable.Range(0, count).Select(_ => string.Join(' ', Enumerable.Range(0, 60).Select(_ => words[random.Next(words.Length)])) + "."));
    }

    [Fact]
    public void The_gates_outputs_are_no_items_of_the_project_so_nothing_publishes_them()
    {
        var folder = Consumer("items", PassingPolicy, installTool: false);
        foreach (var file in new[] { "collapsecheck-out/collapsecheck-run.json", "reports/collapsecheck-run.json", "policies/gate.collapsecheck-report.received.json", "notes.json" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(folder, file))!);
            File.WriteAllText(Path.Combine(folder, file), "{}");
        }

        PackagedBuild.Dotnet(folder, "restore").AssertSuccess();
        var items = PackagedBuild.Dotnet(folder, "msbuild", "-getItem:None", "-p:CollapseCheckOutput=reports");
        items.AssertSuccess();
        var none = System.Text.Json.JsonDocument.Parse(items.Output[items.Output.IndexOf('{')..]).RootElement.GetProperty("Items").GetProperty("None")
            .EnumerateArray().Select(i => i.GetProperty("Identity").GetString()!.Replace('\\', '/')).ToList();
        Assert.Contains("notes.json", none);
        Assert.DoesNotContain(none, i => i.Contains("collapsecheck-run.json", StringComparison.Ordinal) || i.Contains(".received.", StringComparison.Ordinal));
    }

    [Fact]
    public void A_collapsing_policy_fails_the_build_with_one_CC_error_on_the_policy_file_every_time()
    {
        var folder = Consumer("failing", PassingPolicy.Replace("\"accumulate\"", "\"replace\""));
        foreach (var attempt in new[] { 1, 2 })
        {
            var build = PackagedBuild.Dotnet(folder, "build");
            Assert.NotEqual(0, build.ExitCode);
            var policy = Path.Combine(folder, "collapsecheck.json");
            Assert.Equal(2, build.Count(Regex.Escape($"{policy}(5,") + @"\d+\): error CC1020: the theory's long run fails this policy: replace without real data collapses")); // once in the log, once in the summary

            // The form compilers' errors have, which CI problem matchers (setup-dotnet's) turn into annotations on the file:
            // nothing between the location and "error", and the project in brackets at the end.
            var line = build.Output.Split('\n').First(l => l.Contains("error CC1020", StringComparison.Ordinal)).Trim();
            Assert.Matches(@"^\S.*\(\d+,\d+\): error CC1020: .+ \[.+\.csproj\]$", line);
            Assert.DoesNotContain("MSB6006", build.Output);
            Assert.True(File.Exists(Path.Combine(folder, "collapsecheck-out", "collapsecheck-report.json")), $"attempt {attempt}: the report is written for review");
        }
    }

    [Fact]
    public void Bad_input_surfaces_as_its_CC0_errors_at_the_policy_lines()
    {
        var policy = PassingPolicy.Replace("\"mode\": \"accumulate\"", "\"mode\": \"recycle\"").Replace("\"steps\": 25", "\"steps\": -1");
        var folder = Consumer("badinput", policy);
        var build = PackagedBuild.Dotnet(folder, "build");
        Assert.NotEqual(0, build.ExitCode);
        var file = Path.Combine(folder, "collapsecheck.json");
        var lines = policy.Split('\n');
        Assert.Contains($"{file}(4,{lines[3].IndexOf("-1", StringComparison.Ordinal) + 1}): error CC0005:", build.Output);
        Assert.Contains($"{file}(5,{lines[4].IndexOf("\"recycle\"", StringComparison.Ordinal) + 1}): error CC0006:", build.Output);
        // The output folder the build made for it is gone again: each bad try left one in the project.
        Assert.False(Directory.Exists(Path.Combine(folder, "collapsecheck-out")));
    }

    [Fact]
    public void With_verify_on_a_changed_or_broken_snapshot_reruns_the_gate()
    {
        var folder = Consumer("verifying", PassingPolicy);
        var missing = PackagedBuild.Dotnet(folder, "build", "-p:CollapseCheckVerify=true");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("error CC2002:", missing.Output);
        // Advice to paste anywhere: the policy's whole path, not the one relative to the project the tool ran in.
        // The build ran a local tool, so the advice is the local tool's command alone.
        Assert.Matches($"'dotnet collapsecheck accept \"?{Regex.Escape(Path.Combine(folder, "collapsecheck.json"))}\"?' to make it the snapshot", missing.Output);
        Assert.DoesNotContain("for a local tool", missing.Output);
        PackagedBuild.Dotnet(folder, "tool", "run", "collapsecheck", "accept").AssertSuccess();
        var verifiedBuild = PackagedBuild.Dotnet(folder, "build", "-p:CollapseCheckVerify=true");
        verifiedBuild.AssertSuccess();
        Assert.Contains("Verified: the report matches", verifiedBuild.Output);

        // A snapshot from another machine passes without its measured values compared, and a default build says so.
        var verified = Path.Combine(folder, "collapsecheck-report.verified.json");
        var snapshot = File.ReadAllText(verified);
        File.WriteAllText(verified, Regex.Replace(snapshot, "\"fingerprint\": \"[0-9a-f]+\"", "\"fingerprint\": \"0123456789abcdef\""));
        var foreign = PackagedBuild.Dotnet(folder, "build", "-p:CollapseCheckVerify=true");
        foreign.AssertSuccess();
        // At the snapshot's fingerprint, the field that made the comparison loose.
        var fingerprintLine = File.ReadAllLines(verified).ToList().FindIndex(l => l.Contains("\"fingerprint\": \"0123456789abcdef\"", StringComparison.Ordinal)) + 1;
        Assert.Matches($@"collapsecheck-report\.verified\.json\({fingerprintLine},\d+\): warning CC2007: Numerics differ: ", foreign.Output);

        // A team that expects it (snapshots made on CI, builds on laptops) turns it back into a message.
        File.WriteAllText(verified, File.ReadAllText(verified));
        var received = Path.Combine(folder, "collapsecheck-report.received.json");
        File.Delete(received);
        // (-warnAsMessage: the policy's undertrained model, CC1030, is no concern here.)
        var quiet = PackagedBuild.Dotnet(folder, "build", "-p:CollapseCheckVerify=true", "-p:MSBuildWarningsAsMessages=CC2007", "-warnAsMessage:CC1030");
        quiet.AssertSuccess();
        Assert.True(File.Exists(received), "the gate did not run again"); // verify writes it beside another machine's snapshot
        Assert.DoesNotContain("warning CC2007", quiet.Output);
        Assert.Contains("0 Warning(s)", quiet.Output);

        // Made an error instead, it fails the build every time. -warnaserror turns it into one where the logger prints
        // it, after the task's HasLoggedErrors has said no, so the gate is stamped up to date: the next build does not
        // rerun it but logs its notice again, which fails that build too.
        File.WriteAllText(verified, File.ReadAllText(verified));
        foreach (var strictly in new[] { "-p:MSBuildWarningsAsErrors=CC2007", "-warnaserror" })
        {
            for (var i = 0; i < 2; i++)
            {
                var strict = PackagedBuild.Dotnet(folder, "build", "-v", "n", "-p:CollapseCheckVerify=true", strictly);
                Assert.True(strict.ExitCode != 0, $"{strictly}, build {i + 1} passed:\n{strict.Output}");
                Assert.Contains("error CC2007", strict.Output);
            }
        }

        var replayed = PackagedBuild.Dotnet(folder, "build", "-v", "n", "-p:CollapseCheckVerify=true");
        replayed.AssertSuccess();
        Assert.Contains("Skipping target \"CollapseCheck\"", replayed.Output);
        Assert.Matches($@"collapsecheck-report\.verified\.json\({fingerprintLine},\d+\): warning CC2007: Numerics differ: ", replayed.Output);

        // What a pull with a conflicted snapshot looks like: nothing else changed, so only the snapshot can rerun it.
        File.WriteAllText(Path.Combine(folder, "collapsecheck-report.verified.json"), "{\n<<<<<<< HEAD\n");
        var broken = PackagedBuild.Dotnet(folder, "build", "-p:CollapseCheckVerify=true");
        Assert.NotEqual(0, broken.ExitCode);
        Assert.Contains("collapsecheck-report.verified.json(2,1): error CC2006:", broken.Output);
    }

    [Fact]
    public void A_tool_path_that_is_not_a_file_is_named_as_the_property()
    {
        var (build, folder) = FailingBuild("badtoolpath", folder => $"CollapseCheckToolPath={folder}", installTool: false);
        Assert.Equal(2, build.Count($"error CC0052: CollapseCheckToolPath is '{Regex.Escape(folder)}', which is not a file"));
        AssertOnlyItsOwnError(build);
    }

    [UnixFact]
    public void A_tool_stopped_by_a_signal_fails_every_build_instead_of_stamping_the_gate_passed()
    {
        // What a tool stopped by SIGTERM leaves: exit 143 and a diagnostics file without an error of its own.
        var (build, folder) = FailingBuild("signalled", folder =>
        {
            var tool = Path.Combine(folder, "stopped-tool.sh");
            File.WriteAllText(tool, """
                #!/bin/sh
                while [ $# -gt 0 ]; do
                  if [ "$1" = "--diagnostics" ]; then printf '{"schemaVersion":1,"exitCode":143,"diagnostics":[]}' > "$2"; fi
                  shift
                done
                exit 143
                """.Replace("\r", ""));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(tool, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            return $"CollapseCheckToolPath={tool}";
        }, installTool: false);
        Assert.Contains("error CC0051:", build.Output);
        Assert.Contains("exited with code 143 without reporting an error", build.Output);

        var again = PackagedBuild.Dotnet(folder, "build", $"-p:CollapseCheckToolPath={Path.Combine(folder, "stopped-tool.sh")}");
        Assert.NotEqual(0, again.ExitCode);
    }

    [UnixFact]
    public void A_tool_that_exits_0_without_its_findings_or_report_fails_the_build_instead_of_passing_it()
    {
        // What a CollapseCheckToolPath pointed at the wrong program, or a wrapper that swallows the exit code, looks like.
        var (build, folder) = FailingBuild("silent", folder => $"CollapseCheckToolPath={Script(folder, "silent-tool.sh", "exit 0")}", installTool: false);
        Assert.Contains($"{Path.Combine(folder, "Consumer.csproj")} : error CC0051: collapsecheck ({Path.Combine(folder, "silent-tool.sh")}) exited with code 0 without writing {Path.Combine(folder, "obj", "collapsecheck", "collapsecheck-diagnostics.json")}", build.Output);
        Assert.False(File.Exists(Path.Combine(folder, "obj", "collapsecheck", "collapsecheck.stamp")), "the gate was stamped passed");

        // Findings that say nothing failed, but no report: still not a pass.
        var tool = Script(folder, "no-report-tool.sh", """
            while [ $# -gt 0 ]; do
              if [ "$1" = "--diagnostics" ]; then printf '{"schemaVersion":1,"exitCode":0,"diagnostics":[]}' > "$2"; fi
              shift
            done
            """);
        var again = PackagedBuild.Dotnet(folder, "build", $"-p:CollapseCheckToolPath={tool}");
        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains($"exited with code 0 without writing {Path.Combine(folder, "collapsecheck-out", "collapsecheck-report.json")}", again.Output);

        static string Script(string folder, string name, string body)
        {
            var path = Path.Combine(folder, name);
            File.WriteAllText(path, "#!/bin/sh\n" + body.Replace("\r", "") + "\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            return path;
        }
    }

    [UnixFact]
    public void A_tool_of_another_version_is_warned_about_in_the_build_that_runs_it_and_in_those_that_skip_the_gate()
    {
        // A tool that passes as a real one does (its findings and its report), but says it is another version.
        var folder = Consumer("otherversion", PassingPolicy, installTool: false);
        var tool = Path.Combine(folder, "other-version-tool.sh");
        File.WriteAllText(tool, """
            #!/bin/sh
            while [ $# -gt 0 ]; do
              case "$1" in
                --diagnostics) printf '{"schemaVersion":1,"toolVersion":"9.9.9","exitCode":0,"diagnostics":[{"code":"CC0032","severity":"notice","file":null,"line":0,"column":0,"message":"the generation cache could not be written"}]}' > "$2" ;;
                --out) mkdir -p "$2" && printf '{}' > "$2/collapsecheck-report.json" ;;
              esac
              shift
            done
            exit 0
            """.Replace("\r", ""));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(tool, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var expected = $"{Path.Combine(folder, "Consumer.csproj")} : warning CC0054: the collapsecheck tool is version 9.9.9, but this package (CollapseCheck) is ";
        var first = PackagedBuild.Dotnet(folder, "build", $"-p:CollapseCheckToolPath={tool}");
        first.AssertSuccess();
        Assert.Contains(expected, first.Output);
        Assert.Contains("use one version of both: 'dotnet tool update CollapseCheck.Tool --version ", first.Output);
        // A tool newer than the package is a downgrade, which the SDK refuses without this.
        Assert.Contains(" --allow-downgrade'", first.Output);
        // A notice of a cache it could not write names the property that moves the cache.
        Assert.Contains($"{Path.Combine(folder, "Consumer.csproj")} : warning CC0032: the generation cache could not be written (CollapseCheckCache sets another folder, or off)", first.Output);

        // Not rerun, and still said: the versions differ until someone changes one.
        var second = PackagedBuild.Dotnet(folder, "build", $"-p:CollapseCheckToolPath={tool}");
        second.AssertSuccess();
        Assert.Contains("CollapseCheck: the gate is up to date, not run", second.Output);
        Assert.Contains(expected, second.Output);
        Assert.Contains("(from the gate's last run, which is up to date)", second.Output);
    }

    [UnixFact]
    public void A_gate_that_failed_after_a_pass_fails_every_build_until_it_passes_again()
    {
        // A tool that passes, or fails when something the gate does not track says so (here a variable; in life another
        // CPU, or a tool rebuilt under the same version). The failure used to leave the last pass's stamp, which the
        // failing run's new report made current again: the next build said the gate had passed.
        var folder = Consumer("failedafterpass", PassingPolicy, installTool: false);
        var tool = Path.Combine(folder, "sometimes-failing-tool.sh");
        File.WriteAllText(tool, """
            #!/bin/sh
            code=0; findings=''
            if [ -n "$GATE_FAILS" ]; then
              code=1; findings='{"code":"CC1002","severity":"error","file":null,"line":0,"column":0,"message":"perplexity rose past its threshold"}'
            fi
            while [ $# -gt 0 ]; do
              case "$1" in
                --diagnostics) printf '{"schemaVersion":1,"exitCode":%s,"diagnostics":[%s]}' "$code" "$findings" > "$2" ;;
                --out) mkdir -p "$2" && printf '{}' > "$2/collapsecheck-report.json" ;;
              esac
              shift
            done
            exit $code
            """.Replace("\r", ""));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(tool, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var fails = new Dictionary<string, string> { ["GATE_FAILS"] = "1" };

        PackagedBuild.Dotnet(folder, "build", $"-p:CollapseCheckToolPath={tool}").AssertSuccess();
        File.Delete(Path.Combine(folder, "collapsecheck-out", "collapsecheck-report.json"));
        var failed = PackagedBuild.RunWith(folder, fails, "dotnet", "build", $"-p:CollapseCheckToolPath={tool}");
        Assert.NotEqual(0, failed.ExitCode);
        Assert.Contains("error CC1002: perplexity rose past its threshold", failed.Output);

        var again = PackagedBuild.RunWith(folder, fails, "dotnet", "build", $"-p:CollapseCheckToolPath={tool}");
        Assert.NotEqual(0, again.ExitCode);
        Assert.DoesNotContain("the gate is up to date", again.Output);
        Assert.Contains("error CC1002: perplexity rose past its threshold", again.Output);

        PackagedBuild.Dotnet(folder, "build", $"-p:CollapseCheckToolPath={tool}").AssertSuccess();
    }

    [LinuxFact]
    public void A_build_killed_with_SIGTERM_does_not_leave_the_tool_training()
    {
        // MSBuild cancels its tasks on Ctrl+C, not on SIGTERM (an IDE's stop button, a job runner's timeout).
        var folder = Consumer("killed", PassingPolicy.Replace("\"steps\": 25", "\"steps\": 1000000"));
        using var build = PackagedBuild.Start(folder, new Dictionary<string, string>(), "dotnet", "build", "-v:n");
        var output = new System.Collections.Concurrent.BlockingCollection<string>();
        var readers = new[] { build.StandardOutput, build.StandardError }.Select(reader => Task.Factory.StartNew(() =>
        {
            while (reader.ReadLine() is { } line)
            {
                output.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        try
        {
            var seen = new List<string>();
            var until = DateTime.UtcNow + TimeSpan.FromMinutes(3);
            while (!seen.Any(l => l.Contains("generation 0: train", StringComparison.Ordinal)) && output.TryTake(out var line, until - DateTime.UtcNow > TimeSpan.Zero ? until - DateTime.UtcNow : TimeSpan.Zero))
            {
                seen.Add(line);
            }

            Assert.True(seen.Any(l => l.Contains("generation 0: train", StringComparison.Ordinal)), $"no training within 3 minutes:\n{string.Join('\n', seen)}\n{string.Join(' ', ToolProcessesIn(folder).Select(p => CommandLineOf(p.Id)))}");
            Assert.NotEmpty(ToolProcessesIn(folder));
            using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", build.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
            {
                kill.WaitForExit();
            }

            Assert.True(build.WaitForExit(TimeSpan.FromSeconds(30)), "the build did not end on SIGTERM");
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (ToolProcessesIn(folder).Count > 0 && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(200);
            }

            Assert.Empty(ToolProcessesIn(folder));
            var diagnostics = File.ReadAllText(Path.Combine(folder, "obj", "collapsecheck", "collapsecheck-diagnostics.json"));
            Assert.Contains($"stopped by the end of the build that started it (process {build.Id}), exit code 143", diagnostics);
            Assert.False(File.Exists(Path.Combine(folder, "collapsecheck-out", "collapsecheck-report.json")));
        }
        finally
        {
            foreach (var left in ToolProcessesIn(folder))
            {
                left.Kill();
                left.Dispose();
            }

            if (!build.HasExited)
            {
                build.Kill(entireProcessTree: true);
            }
        }

        // The tool, and the `dotnet tool run` that started it: every process whose command line names the consumer.
        static List<System.Diagnostics.Process> ToolProcessesIn(string folder) =>
            [.. System.Diagnostics.Process.GetProcesses().Where(p => CommandLineOf(p.Id).Contains(folder, StringComparison.Ordinal))];

        static string CommandLineOf(int id)
        {
            try
            {
                return File.ReadAllText($"/proc/{id}/cmdline").Replace('\0', ' ');
            }
            catch (IOException)
            {
                return "";
            }
            catch (UnauthorizedAccessException)
            {
                return "";
            }
        }
    }

    [Fact]
    public void A_bad_property_value_is_named_as_the_property()
    {
        var (build, folder) = FailingBuild("badtolerance", _ => "CollapseCheckTolerance=abc");
        // At the project, where the property is set, not at the policy.
        Assert.Contains($"{Path.Combine(folder, "Consumer.csproj")} : error CC0040: CollapseCheckTolerance must be a finite number, but is 'abc' (the tool's --tolerance)", build.Output);
    }

    /// <summary>Linux: the packaged libtorch named here is libtorch-cpu-linux-x64, and its CUDA library libtorch_cuda.so.</summary>
    [LinuxFact]
    public void The_libtorch_and_CUDA_advice_of_a_build_names_the_properties_to_set()
    {
        var folder = Consumer("libtorch", PassingPolicy);
        var project = Path.Combine(folder, "Consumer.csproj");
        var missing = PackagedBuild.Dotnet(folder, "build", "-p:CollapseCheckLibTorch=no-such-torch/lib");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains($"{project} : error CC0020: CollapseCheckLibTorch points at '{Path.Combine(folder, "no-such-torch", "lib")}', which does not exist", missing.Output);
        Assert.Contains("(the tool's --libtorch)", missing.Output);

        // The packaged libtorch is the CPU build whatever the machine has, so this holds on a GPU machine too (with
        // COLLAPSECHECK_LIBTORCH cleared, which would otherwise choose another libtorch).
        var cuda = PackagedBuild.RunWith(folder, new Dictionary<string, string> { ["COLLAPSECHECK_LIBTORCH"] = "" }, "dotnet", "build", "-p:CollapseCheckDevice=cuda");
        Assert.NotEqual(0, cuda.ExitCode);
        Assert.Contains($"{project} : error CC0022: CollapseCheckDevice cuda was requested but CUDA is not available: the libtorch in use (package libtorch-cpu-linux-x64 ", cuda.Output);
        Assert.Contains("is a CPU-only build, with no libtorch_cuda.so in", cuda.Output);
        Assert.Contains("Use CollapseCheckDevice=cpu, or CollapseCheckLibTorch=DIR (or COLLAPSECHECK_LIBTORCH=DIR) with a CUDA build of libtorch", cuda.Output);
    }

    [Fact]
    public void An_output_folder_the_tool_cannot_write_is_named_as_the_property()
    {
        var tooLong = new string('o', 300);
        var (build, folder) = FailingBuild("badoutput", _ => $"CollapseCheckOutput={tooLong}");
        Assert.Contains($"{Path.Combine(folder, "Consumer.csproj")} : error CC0030: CollapseCheckOutput: cannot write to '{Path.Combine(folder, tooLong)}", build.Output);
        Assert.Contains("(the tool's --out)", build.Output);
    }

    [Fact]
    public void A_local_tool_the_manifest_lists_but_nobody_restored_says_to_restore_it_at_the_manifest()
    {
        var folder = Consumer("unrestored", PassingPolicy);
        var manifest = new[] { Path.Combine(folder, ".config", "dotnet-tools.json"), Path.Combine(folder, "dotnet-tools.json") }.Single(File.Exists);
        File.WriteAllText(manifest, Regex.Replace(File.ReadAllText(manifest), "\"version\": \"[^\"]+\"", "\"version\": \"9.9.9-never-restored\""));

        var build = PackagedBuild.Dotnet(folder, "build");

        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains($"{manifest} : error CC0051: the local tool collapsecheck that this manifest lists is not restored; run 'dotnet tool restore'", build.Output);
    }

    [Fact]
    public void A_policy_property_naming_a_folder_points_at_the_project()
    {
        // The tool's CC0001 has no file of its own, and the build pointed at the property's raw value: ". : error CC0001".
        var (build, folder) = FailingBuild("policyfolder", _ => "CollapseCheckPolicy=.");
        Assert.Contains($"{Path.Combine(folder, "Consumer.csproj")} : error CC0001: '{folder}", build.Output);
        Assert.DoesNotContain(". : error", build.Output);
    }

    [Fact]
    public void A_missing_policy_file_says_how_to_write_one_in_a_build()
    {
        var (build, folder) = FailingBuild("nopolicy", _ => "CollapseCheckPolicy=policies/gate.json", installTool: false);
        // Whole, as one shell word (a temporary folder with a space in it is quoted): it is pasted where the build ran.
        var policy = Path.Combine(folder, "policies", "gate.json");
        var word = policy.Contains(' ') ? $"\"{policy}\"" : policy;
        Assert.Equal(2, build.Count($"error CC0001: the policy file '{Regex.Escape(policy)}' \\(CollapseCheckPolicy\\) was not found; write one with 'dotnet collapsecheck init {Regex.Escape(word)}'"));
        Assert.DoesNotContain("omit the argument", build.Output);
        Assert.Contains($"(a relative CollapseCheckPolicy is taken from the project's folder, {folder}, not the one the build ran from)", build.Output);
        AssertOnlyItsOwnError(build);
    }

    /// <summary>A setup error is the build's only one: the tool never ran, so nothing else may be said of it (a crash, MSB4018, a gate running).</summary>
    private static void AssertOnlyItsOwnError(ProcessResult build)
    {
        Assert.DoesNotContain("running the gate", build.Output);
        Assert.DoesNotContain("MSB4018", build.Output);
        Assert.DoesNotContain("MSB6004", build.Output);
        Assert.DoesNotContain("CC0051", build.Output);
    }

    /// <summary>A consumer of the passing policy built with one property set (from its folder), expected to fail.</summary>
    private (ProcessResult Build, string Folder) FailingBuild(string name, Func<string, string> property, bool installTool = true)
    {
        var folder = Consumer(name, PassingPolicy, installTool);
        var build = PackagedBuild.Dotnet(folder, "build", $"-p:{property(folder)}");
        Assert.NotEqual(0, build.ExitCode);
        return (build, folder);
    }

    [Fact]
    public void Without_the_tool_the_build_fails_once_with_the_install_command()
    {
        var folder = Consumer("notool", PassingPolicy, installTool: false);
        var home = Directory.CreateTempSubdirectory("collapsecheck-home-").FullName;
        try
        {
            var build = PackagedBuild.RunWith(folder, new Dictionary<string, string> { ["HOME"] = home, ["NUGET_PACKAGES"] = PackagedBuild.NuGetCache() }, "dotnet", "build");
            Assert.NotEqual(0, build.ExitCode);
            // At the project, as every error about its setup is.
            Assert.Equal(2, build.Count($"{Regex.Escape(Path.Combine(folder, "Consumer.csproj"))} : error CC0050: the collapsecheck tool was not found"));
            Assert.Contains("dotnet tool install --global CollapseCheck.Tool", build.Output);
            AssertOnlyItsOwnError(build);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}
