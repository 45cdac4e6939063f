using CollapseCheck.Corpus;
using CollapseCheck.Diagnostics;

namespace CollapseCheck.Core.Tests.Corpus;

/// <summary>Which files the include patterns name: wildcards, folder links, excludes, and what each bad pattern is.</summary>
public sealed class CorpusFilesTests : CorpusFolder
{
    [Fact]
    public void An_absolute_glob_matches_from_its_own_folder_and_the_excludes_still_apply()
    {
        Write("data/a.txt", Paragraphs("a", 10));
        Write("data/skip/c.txt", Paragraphs("c", 10));
        var absolute = Path.Combine(Folder, "data").Replace('\\', '/') + "/**/*.txt";
        var corpus = Load(Policy([absolute], exclude: ["data/skip/**"]));
        Assert.Equal([Path.Combine(Folder, "data", "a.txt")], corpus.Files);
    }

    [Fact]
    public void The_searched_folders_are_each_globs_folder_and_those_on_the_way_to_a_match_not_every_folder_walked()
    {
        Write("data/a/x.txt", Paragraphs("x", 10));
        Write("data/a/deep/y.txt", Paragraphs("y", 10));
        Write("data/b/z.md", Paragraphs("z", 10));
        Write("data/skip/w.txt", Paragraphs("w", 10));
        Write("notes.txt", Paragraphs("n", 10));
        var corpus = Load(Policy(["data/**/*.txt", "notes.txt"], exclude: ["data/skip/**"]));

        // data/b holds no match and data/skip only excluded ones: a build writing there (bin/, obj/) must not rerun the
        // gate; a file named on its own has no folder to watch, its own time says it changed.
        string[] expected = [Path.Combine(Folder, "data"), Path.Combine(Folder, "data", "a"), Path.Combine(Folder, "data", "a", "deep")];
        Assert.Equal(expected, corpus.SearchedFolders);
    }

    [UnixFact]
    public void Nested_globs_each_watch_their_own_folder_and_a_folder_behind_a_link_is_watched_by_its_target_too()
    {
        // The deeper glob's walk came first and stopped the higher one's at data/: the policy's folder went unwatched.
        Write("data/a.txt", Paragraphs("a", 10));
        Write("data/b.md", Paragraphs("b", 10));
        Write("real/c.txt", Paragraphs("c", 10));
        Directory.CreateSymbolicLink(Path.Combine(Folder, "data", "current"), Path.Combine(Folder, "real"));

        var corpus = Load(Policy(["data/*.txt", "**/*.md", "data/current/*.txt"]));

        // A link's own time does not change when a file is added behind it.
        string[] expected = [Folder, Path.Combine(Folder, "data"), Path.Combine(Folder, "data", "current"), Path.Combine(Folder, "real")];
        Assert.Equal(expected.Order(StringComparer.Ordinal), corpus.SearchedFolders);
    }

    [UnixFact]
    public void A_link_above_a_globs_folder_does_not_list_its_folders_twice()
    {
        // macOS's /tmp is a link to /private/tmp: every folder resolved elsewhere, and each was listed twice.
        Write("real/data/a.txt", Paragraphs("a", 10));
        Directory.CreateSymbolicLink(Path.Combine(Folder, "alias"), Path.Combine(Folder, "real"));

        var corpus = Load(Policy(["alias/data/*.txt"]));

        Assert.Equal([Path.Combine(Folder, "alias", "data")], corpus.SearchedFolders);
    }

    [Fact]
    public void A_pattern_written_with_another_globs_wildcards_says_which_are_wildcards_here()
    {
        Write("data/a.txt", Paragraphs("a", 10));
        var e = Assert.Throws<CollapseCheckException>(() => Load(Policy(["data/?.txt"])));
        Assert.Equal("CC0011", e.Code);
        Assert.EndsWith("was not found (a corpus glob's only wildcards are * and **: ?, [ ] and { } match themselves)", e.Message);
        Assert.DoesNotContain("wildcards", Assert.Throws<CollapseCheckException>(() => Load(Policy(["data/b.txt"]))).Message);
    }

    [Fact]
    public void A_pattern_whose_every_match_is_excluded_blames_the_exclude()
    {
        Write("data/a.txt", Paragraphs("a", 10));
        var e = Assert.Throws<CollapseCheckException>(() => Load(Policy(["data/*.txt"], exclude: ["data/*"])));
        Assert.Equal("CC0010", e.Code);
        Assert.Contains("matched 1 file(s), but corpus.exclude removed every one", e.Message);
    }

    [Fact]
    public void Every_bad_pattern_is_reported_at_once()
    {
        Write("data/a.txt", Paragraphs("a", 10));
        Write("folder/b.txt", Paragraphs("b", 10));
        var e = Assert.Throws<CollapseCheckException>(() => Load(Policy(["texts/*.txt", "data/a.txt", "missing.txt", "folder", "data/*.md"])));

        Assert.Equal(["CC0010", "CC0011", "CC0011", "CC0010"], e.All.Select(x => x.Code));
        Assert.Equal(["texts/*.txt", "missing.txt", "folder", "data/*.md"], e.All.Select(x => x.Message.Split('\'')[1].Replace(Folder + "/", "")));
    }

    [Fact]
    public void Patterns_the_globbing_cannot_use_and_unknown_builtins_are_reported_with_the_rest()
    {
        Write("data/a.txt", Paragraphs("a", 10));
        var e = Assert.Throws<CollapseCheckException>(() => Load(Policy(["builtin:nope", "data/*/../*.txt", "data\0/*.txt", "missing.txt"], exclude: ["a\0b"])));

        Assert.Equal(["CC0006", "CC0010", "CC0010", "CC0011", "CC0010"], e.All.Select(x => x.Code));
        Assert.Contains("corpus.include pattern 'data/*/../*.txt' cannot be matched: '..' may only come before the first wildcard", e.All.ElementAt(1).Message);
        Assert.StartsWith("corpus.include pattern 'data\\u0000/*.txt' cannot be matched: ", e.All.ElementAt(2).Message);
        Assert.StartsWith("corpus.exclude pattern 'a\\u0000b' cannot be matched: ", e.All.ElementAt(4).Message);
    }

    [Fact]
    public void An_exclude_of_the_real_path_behind_a_link_blames_the_exclude()
    {
        Write("data/2024/a.txt", Paragraphs("a", 10));
        Write("data/b.txt", Paragraphs("b", 10));
        Directory.CreateSymbolicLink(Path.Combine(Folder, "data", "current"), "2024");
        Directory.CreateSymbolicLink(Path.Combine(Folder, "data", "dot"), ".");

        var named = Assert.Throws<CollapseCheckException>(() => Load(Policy(["data/current/a.txt"], exclude: ["data/2024/**"])));
        var globbed = Assert.Throws<CollapseCheckException>(() => Load(Policy(["data/dot/*.txt"], exclude: ["data/b.txt"])));

        Assert.Equal("corpus pattern 'data/current/a.txt' matched 1 file(s), but corpus.exclude removed every one", named.Message);
        Assert.Equal("corpus pattern 'data/dot/*.txt' matched 1 file(s), but corpus.exclude removed every one", globbed.Message);
    }

    [Fact]
    public void A_named_file_that_an_exclude_removes_blames_the_exclude_not_the_text()
    {
        Write("data/a.txt", Paragraphs("a", 10));
        Write("data/b.txt", Paragraphs("b", 10));
        var e = Assert.Throws<CollapseCheckException>(() => Load(Policy(["data/b.txt", "data/a.txt"], exclude: ["data/a*"])));
        Assert.Equal("CC0010", e.Code);
        Assert.Equal("corpus pattern 'data/a.txt' matched 1 file(s), but corpus.exclude removed every one", e.Message);
    }

    [Fact]
    public void A_file_reached_through_folder_links_is_read_once_under_its_first_path()
    {
        Write("data/2024/a.txt", Paragraphs("a", 10));
        Directory.CreateSymbolicLink(Path.Combine(Folder, "data", "current"), "2024");
        Directory.CreateSymbolicLink(Path.Combine(Folder, "data", "latest"), "current");
        var corpus = Load(Policy(["data/**/*.txt"]));
        Assert.Equal([Path.Combine(Folder, "data", "2024", "a.txt")], corpus.Files);
        Assert.Equal(10, corpus.Train.Count + corpus.HeldOut.Count);
    }

    [Fact]
    public void A_folder_named_as_a_file_says_how_to_name_its_files()
    {
        Write("data/2023/a.txt", Paragraphs("a", 10));
        var e = Assert.Throws<CollapseCheckException>(() => Load(Policy(["data/2023/"])));
        Assert.Equal("CC0011", e.Code);
        Assert.EndsWith("is a folder; name its files with a pattern such as 'data/2023/**/*.txt'", e.Message);
    }

    [Fact]
    public void An_exclude_holds_for_files_reached_through_links()
    {
        Write("data/2024/a.txt", Paragraphs("a", 10));
        Write("data/c.txt", Paragraphs("c", 10));
        Write("data/keep.txt", Paragraphs("k", 10));
        Directory.CreateSymbolicLink(Path.Combine(Folder, "data", "current"), "2024");
        Directory.CreateDirectory(Path.Combine(Folder, "data", "2023"));
        File.CreateSymbolicLink(Path.Combine(Folder, "data", "2023", "clink.txt"), "../c.txt");

        var corpus = Load(Policy(["data/**/*.txt"], exclude: ["data/2024/**", "data/c.txt"]));

        Assert.Equal([Path.Combine(Folder, "data", "keep.txt")], corpus.Files);
    }

    [Fact]
    public void Folder_links_that_loop_two_ways_round_are_walked_once()
    {
        // The globbing library alone follows both links at every level: 2^depth paths until the link limit, a hang.
        Write("data/2024/a.txt", Paragraphs("a", 10));
        Write("data/2024/deep/b.txt", Paragraphs("b", 10));
        Directory.CreateSymbolicLink(Path.Combine(Folder, "data", "current"), "2024");
        Directory.CreateSymbolicLink(Path.Combine(Folder, "data", "2024", "up"), "..");
        Directory.CreateSymbolicLink(Path.Combine(Folder, "data", "2024", "deep", "top"), Folder);

        var corpus = Load(Policy(["data/**/*.txt"]));

        Assert.Equal([Path.Combine(Folder, "data", "2024", "a.txt"), Path.Combine(Folder, "data", "2024", "deep", "b.txt")], corpus.Files);
        Assert.Equal(20, corpus.Train.Count + corpus.HeldOut.Count);
    }

    [Fact]
    public void Folder_links_that_fan_out_stop_at_the_link_budget_instead_of_walking_every_path()
    {
        // Five sibling folders each linking to the other four: no loop back up, but 1,625 link-following paths.
        for (var i = 0; i < 5; i++)
        {
            Write($"data/d{i}/a.txt", Paragraphs($"d{i}", 2));
        }

        for (var i = 0; i < 5; i++)
        {
            for (var j = 0; j < 5; j++)
            {
                if (i != j)
                {
                    Directory.CreateSymbolicLink(Path.Combine(Folder, "data", $"d{i}", $"to{j}"), $"../d{j}");
                }
            }
        }

        var matcher = new Microsoft.Extensions.FileSystemGlobbing.Matcher(StringComparison.Ordinal);
        matcher.AddInclude("data/**/*.txt");
        var e = Assert.Throws<IOException>(() => matcher.Execute(new LoopSafeDirectory(Folder, linkBudget: 100)));
        Assert.Contains("more than 100 folder links", e.Message);
        Assert.Equal(5, matcher.Execute(new LoopSafeDirectory(Folder, linkBudget: 2_000)).Files.Select(f => CanonicalPath.Of(Path.Combine(Folder, f.Path))).Distinct().Count());
    }

    [Fact]
    public void An_excluded_folder_is_not_walked()
    {
        // Eight sibling folders each linking to the other seven: walked, they would spend the whole link budget (CC0016).
        Write("data/keep/a.txt", Paragraphs("a", 10));
        for (var i = 0; i < 8; i++)
        {
            Directory.CreateDirectory(Path.Combine(Folder, "data", "mirror", $"d{i}"));
            for (var j = 0; j < 8; j++)
            {
                if (i != j)
                {
                    Directory.CreateSymbolicLink(Path.Combine(Folder, "data", "mirror", $"d{i}", $"to{j}"), $"../d{j}");
                }
            }
        }

        Assert.Equal("CC0016", Assert.Throws<CollapseCheckException>(() => Load(Policy(["data/**/*.txt"]))).Code);
        Assert.Equal([Path.Combine(Folder, "data", "keep", "a.txt")], Load(Policy(["data/**/*.txt"], exclude: ["data/mirror/**"])).Files);
        // Written from the policy's folder, above the folder the pattern walks from.
        Assert.Equal([Path.Combine(Folder, "data", "keep", "a.txt")], Load(Policy(["data/**/*.txt"], exclude: ["**/mirror/**"])).Files);
    }

    [Fact]
    public void A_pattern_may_climb_out_of_the_policy_folder_and_back_in()
    {
        Write("data/a.txt", Paragraphs("a", 10));
        var inner = Path.Combine(Folder, "policy");
        Directory.CreateDirectory(inner);
        var name = Path.GetFileName(Folder);

        var corpus = CorpusLoader.Load(Policy([$"../../{name}/data/*.txt", "../data/**/*.txt"]), inner);

        Assert.Equal([Path.Combine(Folder, "data", "a.txt")], corpus.Files);
    }

    [Fact]
    public void An_exclude_may_climb_out_of_the_policy_folder_too()
    {
        Write("data/a.txt", Paragraphs("a", 10));
        Write("data/b.txt", Paragraphs("b", 10));
        Write("data/old/c.txt", Paragraphs("c", 10));
        var inner = Path.Combine(Folder, "policy");
        Directory.CreateDirectory(inner);

        var corpus = CorpusLoader.Load(Policy(["../data/**/*.txt"], exclude: ["../data/b.txt", "../data/old/**"]), inner);

        Assert.Equal([Path.Combine(Folder, "data", "a.txt")], corpus.Files);
    }

    [Theory]
    [InlineData("data/dot/*.txt")]
    [InlineData("data/dot/a.txt")]
    [InlineData("data/dot/dot/**/*.txt")]
    public void A_named_folder_link_to_a_folder_it_is_inside_is_followed(string pattern)
    {
        // A walk from the policy's folder refuses to go round `dot -> .`, but a pattern that names the link means it.
        Write("data/a.txt", Paragraphs("a", 10));
        Directory.CreateSymbolicLink(Path.Combine(Folder, "data", "dot"), ".");

        var corpus = Load(Policy([pattern], exclude: ["data/skip/**"]));

        Assert.Equal([Path.Combine(Folder, pattern.Replace("*.txt", "a.txt").Replace("**/", ""))], corpus.Files);
        Assert.Equal(10, corpus.Train.Count + corpus.HeldOut.Count);
    }

    [Fact]
    public void An_exclude_names_a_file_by_the_path_a_pattern_reached_it_through()
    {
        Write("data/a.txt", Paragraphs("a", 10));
        Write("data/b.txt", Paragraphs("b", 10));
        Directory.CreateSymbolicLink(Path.Combine(Folder, "data", "dot"), ".");

        var corpus = Load(Policy(["data/dot/*.txt"], exclude: ["data/dot/b.txt"]));

        Assert.Equal([Path.Combine(Folder, "data", "dot", "a.txt")], corpus.Files);
    }

    [Fact]
    public void An_exclude_written_from_any_depth_holds_in_folders_outside_the_policys_too()
    {
        Write("data/a.txt", Paragraphs("a", 10));
        Write("data/b.csv", Paragraphs("b", 10));
        Write("data/deep/c.csv", Paragraphs("c", 10));
        var inner = Path.Combine(Folder, "policy");
        Directory.CreateDirectory(inner);
        var absolute = Path.Combine(Folder, "data").Replace('\\', '/') + "/**/*";

        foreach (var include in new[] { "../data/**/*", absolute })
        {
            var corpus = CorpusLoader.Load(Policy([include], exclude: ["**/*.csv"]), inner);
            Assert.Equal([Path.Combine(Folder, "data", "a.txt")], corpus.Files);
        }

        // Written from the policy's folder without the leading **, an exclude still names only what is under it.
        Assert.Equal(3, CorpusLoader.Load(Policy(["../data/**/*"], exclude: ["data/**/*.csv"]), inner).Files.Count);
    }

    [Fact]
    public void An_exclude_from_any_depth_does_not_reach_the_folders_above_where_the_files_were_found()
    {
        // A checkout under a folder named build, and an exclude of build folders inside it.
        var policy = Path.Combine(Folder, "build", "proj");
        Write("build/proj/a.txt", Paragraphs("a", 10));
        Write("build/proj/data/b.txt", Paragraphs("b", 10));
        Write("build/proj/data/build/skip.txt", Paragraphs("skip", 10));
        Write("build/2024/c.txt", Paragraphs("c", 10));
        Write("build/shared/d.txt", Paragraphs("d", 10));
        Directory.CreateSymbolicLink(Path.Combine(policy, "data", "current"), Path.Combine("..", "..", "2024"));
        string[] exclude = ["**/build/**"];

        Assert.Equal([Path.Combine(policy, "a.txt")], CorpusLoader.Load(Policy(["a.txt"], exclude), policy).Files);
        Assert.Equal([Path.Combine(Folder, "build", "shared", "d.txt")], CorpusLoader.Load(Policy(["../shared/**/*.txt"], exclude), policy).Files);
        Assert.Equal([Path.Combine(policy, "data", "b.txt"), Path.Combine(policy, "data", "current", "c.txt")],
            CorpusLoader.Load(Policy(["data/**/*.txt"], [.. exclude, "../other/**"]), policy).Files);

        // Outside the policy's folder, a link whose target lies in a build folder below the walk's is excluded by it.
        Write("build/data/keep/y.txt", Paragraphs("y", 10));
        Write("build/data/build/2024/x.txt", Paragraphs("x", 10));
        Directory.CreateSymbolicLink(Path.Combine(Folder, "build", "data", "cur"), Path.Combine("build", "2024"));
        Assert.Equal([Path.Combine(Folder, "build", "data", "keep", "y.txt")], CorpusLoader.Load(Policy(["../data/**/*.txt"], exclude), policy).Files);
    }

    [Fact]
    public void A_glob_leaves_out_the_tools_own_reports_snapshots_and_the_policy_and_says_which()
    {
        Write("notes/a.md", Paragraphs("a", 10));
        Write("notes/b.json", Paragraphs("b", 10));
        Write("notes/c.SVG", Paragraphs("c", 10));
        var policy = Write("gate.json", "{}");
        foreach (var own in new[]
        {
            "collapsecheck-report.verified.md", "collapsecheck-report.received.json", "gate.collapsecheck-report.verified.json",
            "collapsecheck-out/collapsecheck-report.md", "collapsecheck-out/collapsecheck-run.json", "gate.collapsecheck-out/notes.md",
            "out/Collapsecheck-Report.SVG", ".ci-cache/key/g0.json",
        })
        {
            Write(own, Paragraphs("own", 10));
        }

        // A cache folder is known by its tag's signature; a file that only has the name is not a tag.
        Write(".ci-cache/CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n");
        Write("notes/fake/CACHEDIR.TAG", "not a tag");
        Write("notes/fake/e.md", Paragraphs("e", 10));

        var leftOut = new List<string>();
        var problems = new List<CollapseCheckException>();
        var files = CorpusFiles.Match([new CorpusPattern("**/*.md", null), new CorpusPattern("**/*.json", null), new CorpusPattern("**/*.SVG", null)],
            [], _ => null, Folder, problems, policy, leftOut);

        Assert.Empty(problems);
        Assert.Equal([Path.Combine(Folder, "notes", "a.md"), Path.Combine(Folder, "notes", "b.json"), Path.Combine(Folder, "notes", "c.SVG"), Path.Combine(Folder, "notes", "fake", "e.md")], files);
        Assert.Equal(9, leftOut.Count);
        Assert.Contains(Path.Combine(Folder, ".ci-cache", "key", "g0.json"), leftOut);
        Assert.Contains(policy, leftOut);

        // A file named on its own is read, whatever its name: the policy asked for it.
        Assert.Equal([Path.Combine(Folder, "collapsecheck-report.verified.md")],
            CorpusFiles.Match([new CorpusPattern("collapsecheck-report.verified.md", null)], [], _ => null, Folder, problems, policy));
    }

    [Theory]
    [InlineData(".collapsecheck-report.json.4242.tmp", true)]
    [InlineData(".team.collapsecheck-report.verified.md.17.old", true)]
    [InlineData(".collapsecheck-probe.99.tmp", true)]
    [InlineData("collapsecheck-run.json", true)]
    [InlineData(".collapsecheck-writing.lock", true)]
    [InlineData("collapsecheck-report.json.bak", false)]
    [InlineData(".collapsecheck-report.json", false)]
    [InlineData("collapsecheck-report.json.12.tmp", false)]
    [InlineData("notes-on-collapsecheck-report.md", false)]
    public void The_temporary_copies_a_killed_run_leaves_are_own_outputs_too(string name, bool own) =>
        Assert.Equal(own, OwnOutputs.IsOutputName(name));

    [Fact]
    public void A_glob_leaves_out_a_builds_bin_obj_and_artifacts_folders_but_reads_one_named_before_the_wildcard()
    {
        Write("App/App.csproj", "<Project />");
        Write("App/notes.txt", Paragraphs("app", 10));
        Write("App/obj/Debug/net10.0/App.csproj.FileListAbsolute.txt", "/home/someone/App/bin/Debug/net10.0/App.dll");
        Write("App/bin/Debug/net10.0/readme.txt", Paragraphs("copied", 10));
        Write("Directory.Build.props", "<Project />");
        Write("artifacts/obj/App/x.txt", Paragraphs("x", 10));
        // Not a build's: no project file beside it, artifacts/ without a Directory.Build.props beside it, or one with
        // neither bin/ nor obj/ in it (data an ML repository keeps there).
        Write("data/bin/kept.txt", Paragraphs("kept", 10));
        Write("data/artifacts/kept.txt", Paragraphs("kept", 10));
        Write("data/Directory.Build.props", "<Project />");
        Write("data/artifacts/models/kept.txt", Paragraphs("kept", 10));

        var (leftOut, builtLeftOut) = (new List<string>(), new List<string>());
        var problems = new List<CollapseCheckException>();
        var files = CorpusFiles.Match([new CorpusPattern("**/*.txt", null)], [], _ => null, Folder, problems, leftOut: leftOut, builtLeftOut: builtLeftOut);

        Assert.Empty(problems);
        Assert.Empty(leftOut);
        Assert.Equal(new[] { "App/notes.txt", "data/artifacts/kept.txt", "data/artifacts/models/kept.txt", "data/bin/kept.txt" }.Select(Full), files);
        Assert.Equal(new[] { "App/bin/Debug/net10.0/readme.txt", "App/obj/Debug/net10.0/App.csproj.FileListAbsolute.txt", "artifacts/obj/App/x.txt" }.Select(Full), builtLeftOut);

        // Named before the wildcard, the folder is the pattern's own and is read.
        Assert.Equal([Full("App/obj/Debug/net10.0/App.csproj.FileListAbsolute.txt")],
            CorpusFiles.Match([new CorpusPattern("App/obj/**/*.txt", null)], [], _ => null, Folder, problems));
        Assert.Empty(problems);

        string Full(string relative) => Path.Combine(Folder, relative.Replace('/', Path.DirectorySeparatorChar));
    }

    [Fact]
    public void A_glob_that_matches_only_build_outputs_says_so_and_how_to_read_them()
    {
        Write("App.csproj", "<Project />");
        Write("obj/project.txt", Paragraphs("own", 10));
        var e = Assert.Throws<CollapseCheckException>(() => Load(Policy(["**/*.txt"])));
        Assert.Equal("CC0010", e.Code);
        Assert.Contains($"matched only build outputs (1 file(s), such as '{Path.Combine("obj", "project.txt")}'), which a wildcard never reads: bin/ and obj/ beside a project file", e.Message);
        Assert.Contains("name it before the wildcard", e.Message);
    }

    [Fact]
    public void A_glob_that_matches_only_the_tools_own_outputs_says_so()
    {
        Write("collapsecheck-out/collapsecheck-report.md", Paragraphs("own", 10));
        var e = Assert.Throws<CollapseCheckException>(() => Load(Policy(["**/*.md"])));
        Assert.Equal("CC0010", e.Code);
        Assert.Contains("matched only collapsecheck's own outputs (1 file(s)", e.Message);
    }
}
