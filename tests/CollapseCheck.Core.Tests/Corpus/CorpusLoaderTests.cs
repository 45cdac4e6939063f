using System.Text;
using CollapseCheck.Corpus;
using CollapseCheck.Diagnostics;
using CollapseCheck.Policy;

namespace CollapseCheck.Core.Tests.Corpus;

public sealed class CorpusLoaderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("collapsecheck-corpus-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string content)
    {
        var path = Path.Combine(_folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    private static CorpusPolicy Policy(string[] include, string[]? exclude = null, double heldOut = 0.1, long? maxBytes = null, string field = "text") =>
        new(include, exclude ?? [], field, heldOut, maxBytes);

    private static string Paragraphs(string prefix, int count) =>
        string.Join("\n\n", Enumerable.Range(0, count).Select(i => $"{prefix} paragraph {i:D2}."));

    private LoadedCorpus Load(CorpusPolicy policy) => CorpusLoader.Load(policy, _folder);

    [Fact]
    public void Globs_in_ordinal_path_order_with_exclusions_and_paragraph_documents()
    {
        Write("data/b.txt", Paragraphs("b", 10));
        Write("data/a.txt", Paragraphs("a", 10));
        Write("data/skip/c.txt", Paragraphs("c", 10));
        var corpus = Load(Policy(["data/**/*.txt"], exclude: ["data/skip/**"]));

        var all = corpus.Train.Concat(corpus.HeldOut).OrderBy(d => d.Id, StringComparer.Ordinal).ToList();
        Assert.Equal(20, all.Count);
        Assert.DoesNotContain(all, d => d.Text.StartsWith('c'));
        Assert.Equal("data/a.txt#0", corpus.Train[0].Id);
        Assert.Equal(2, corpus.Files.Count);
        Assert.Equal(2, corpus.HeldOut.Count);
    }

    [Fact]
    public void Held_out_split_is_exactly_floor_N_f_documents_spread_through_the_order()
    {
        Write("d.txt", Paragraphs("x", 20));
        var corpus = Load(Policy(["d.txt"], heldOut: 0.1));
        Assert.Equal(["d.txt#9", "d.txt#19"], corpus.HeldOut.Select(d => d.Id));
        Assert.Equal(18, corpus.Train.Count);
        Assert.Empty(corpus.Train.Select(d => d.Id).Intersect(corpus.HeldOut.Select(d => d.Id)));
    }

    [Fact]
    public void Held_out_count_is_exact_where_binary_floating_point_is_not()
    {
        var docs = Enumerable.Range(0, 100).Select(i => new Document($"d{i}", "x")).ToList();
        var corpus = CorpusLoader.Split(docs, 0.29, "test", [], null);
        Assert.Equal(29, corpus.HeldOut.Count);
    }

    [Fact]
    public void Max_bytes_keeps_whole_documents_in_order()
    {
        Write("d.txt", Paragraphs("x", 20)); // each paragraph is 15 bytes
        var corpus = Load(Policy(["d.txt"], maxBytes: 150, heldOut: 0.2));
        Assert.Equal(10, corpus.Train.Count + corpus.HeldOut.Count);
        Assert.True(corpus.TrainBytes + corpus.HeldOutBytes <= 150);
    }

    [Fact]
    public void Jsonl_takes_the_named_field_one_document_per_line()
    {
        Write("d.jsonl", string.Join("\n", Enumerable.Range(0, 10).Select(i => $"{{\"body\": \"record {i}\", \"n\": {i}}}")) + "\n\n");
        var corpus = Load(Policy(["*.jsonl"], field: "body"));
        Assert.Equal("d.jsonl:1", corpus.Train[0].Id);
        Assert.Equal("record 0", corpus.Train[0].Text);
        Assert.Equal(10, corpus.Train.Count + corpus.HeldOut.Count);
    }

    [Theory]
    [InlineData("{\"text\": \"ok\"}\n[1, 2]", 2, 1, "found an array")]
    [InlineData("{\"text\": \"ok\"}\n{\"body\": \"x\"}", 2, 1, "has none (fields: body)")]
    [InlineData("{\"text\": \"ok\"}\n  {\"text\": 5}", 2, 3, "it is a number")]
    [InlineData("{\"text\": \"ok\"}\n{\"text\": \"x\"", 2, 13, "not valid JSON")]
    public void Bad_jsonl_records_name_file_line_and_column(string content, int line, int column, string says)
    {
        var path = Write("d.jsonl", content);
        var e = Assert.Throws<CollapseCheckException>(() => Load(Policy(["d.jsonl"])));
        Assert.Equal("CC0013", e.Code);
        Assert.Equal(new SourceLocation(path, line, column), e.Location);
        Assert.Contains(says, e.Message);
    }

    [Fact]
    public void Missing_file_glob_without_matches_and_empty_text_have_their_own_codes()
    {
        Assert.Equal("CC0011", Assert.Throws<CollapseCheckException>(() => Load(Policy(["nope.txt"]))).Code);
        Assert.Equal("CC0010", Assert.Throws<CollapseCheckException>(() => Load(Policy(["data/*.txt"]))).Code);
        Write("blank.txt", "\n \n\n");
        Assert.Equal("CC0012", Assert.Throws<CollapseCheckException>(() => Load(Policy(["blank.txt"]))).Code);
        Write("one.txt", "only one paragraph");
        Assert.Equal("CC0014", Assert.Throws<CollapseCheckException>(() => Load(Policy(["one.txt"]))).Code);
    }

    [Fact]
    public void A_corpus_too_small_to_hold_out_a_document_says_what_would_help()
    {
        Write("one.txt", "only one paragraph");
        Write("seven.txt", Paragraphs("s", 7));

        var one = Assert.Throws<CollapseCheckException>(() => Load(Policy(["one.txt"])));
        var seven = Assert.Throws<CollapseCheckException>(() => Load(Policy(["seven.txt"])));

        Assert.EndsWith("both need at least one: add text (a *.txt file is one document per blank-line separated paragraph, a *.jsonl file one per line)", one.Message);
        Assert.StartsWith("the corpus is too small for this policy: 7 document(s) with heldOutFraction 0.1 leave 7 for training and 0 held out; both need at least one: raise heldOutFraction to at least 0.1429, or add text (", seven.Message);
        // The advice is enough: one document held out.
        Assert.Single(Load(Policy(["seven.txt"], heldOut: 0.1429)).HeldOut);
    }

    [Fact]
    public void A_corpus_that_maxBytes_cut_too_small_says_to_raise_maxBytes()
    {
        Write("seven.txt", Paragraphs("s", 7)); // each paragraph is 15 bytes

        var two = Assert.Throws<CollapseCheckException>(() => Load(Policy(["seven.txt"], maxBytes: 30)));
        var four = Assert.Throws<CollapseCheckException>(() => Load(Policy(["seven.txt"], maxBytes: 60)));

        Assert.EndsWith("both need at least one: raise corpus.maxBytes, which keeps 2 of the 7 documents", two.Message);
        Assert.EndsWith("both need at least one: raise heldOutFraction to at least 0.25, or raise corpus.maxBytes, which keeps 4 of the 7 documents", four.Message);
    }

    [Fact]
    public void Unknown_builtin_is_rejected_with_the_known_ones()
    {
        var e = Assert.Throws<CollapseCheckException>(() => Load(Policy(["builtin:wikipedia"])));
        Assert.Equal("CC0006", e.Code);
        Assert.Contains("builtin:dotnet-docs", e.Message);
    }

    [Fact]
    public void Writing_the_docs_cache_removes_what_earlier_builds_left_for_the_same_pack_only()
    {
        var folder = DotnetDocsCorpus.Locate();
        var parsed = DotnetDocsCorpus.Read(folder);
        DotnetDocsCache.Write(folder, parsed);
        var cache = Path.Combine(CollapseCheck.Common.UserCache.Folder(), "corpus");
        var current = Path.GetFileName(Assert.Single(Directory.GetFiles(cache, "dotnet-docs-*.tsv")));
        var samePack = current[..(current.LastIndexOf('-') + 1)] + "0000000000000000.tsv";
        var otherPack = current[..("dotnet-docs-".Length)] + (current["dotnet-docs-".Length] == 'f' ? "e" : "f") + current[("dotnet-docs-".Length + 1)..];
        const string unkeyedByFolder = "dotnet-docs-0123456789abcdef.tsv";
        foreach (var name in new[] { samePack, otherPack, unkeyedByFolder })
        {
            File.WriteAllText(Path.Combine(cache, name), "left by an earlier build");
        }

        DotnetDocsCache.Write(folder, parsed);

        Assert.Equal(new[] { current, otherPack }.Order(StringComparer.Ordinal), Directory.GetFiles(cache, "dotnet-docs-*.tsv").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        File.Delete(Path.Combine(cache, otherPack));
    }

    [Fact]
    public void The_docs_cache_gives_back_exactly_what_parsing_gives()
    {
        var folder = DotnetDocsCorpus.Locate();
        var parsed = DotnetDocsCorpus.Read(folder);
        DotnetDocsCache.Write(folder, parsed);
        var cached = DotnetDocsCache.TryRead(folder)!;
        Assert.Equal(parsed.Pack, cached.Pack);
        Assert.Equal(parsed.Files, cached.Files);
        Assert.Equal(parsed.Documents, cached.Documents);
    }

    [Fact]
    public void Dotnet_docs_parse_to_real_prose_without_markup_in_the_same_order_every_time()
    {
        // Read parses the XML itself; Load may serve the user cache or this process's copy, which would hide both.
        var folder = DotnetDocsCorpus.Locate();
        var first = DotnetDocsCorpus.Read(folder).Documents;
        var second = DotnetDocsCorpus.Read(folder).Documents;
        Assert.True(first.Count > 10_000, $"{first.Count} documents");
        Assert.DoesNotContain(first, d => d.Text.Contains("cref", StringComparison.Ordinal) || d.Text.Contains("<see", StringComparison.Ordinal) || d.Text.Contains("<para", StringComparison.Ordinal));
        Assert.Contains(first, d => d.Text.Contains(" the ", StringComparison.Ordinal));
        Assert.Equal(first, second);
    }

    [Fact]
    public void The_builtin_dotnet_docs_load_through_the_policy()
    {
        var corpus = Load(Policy(["builtin:dotnet-docs"], maxBytes: 200_000));
        Assert.True(corpus.Train.Count + corpus.HeldOut.Count > 500, $"{corpus.Train.Count + corpus.HeldOut.Count} documents");
        Assert.Contains("Microsoft.NETCore.App.Ref", corpus.Description);
    }

    [Fact]
    public void An_absolute_glob_matches_from_its_own_folder_and_the_excludes_still_apply()
    {
        Write("data/a.txt", Paragraphs("a", 10));
        Write("data/skip/c.txt", Paragraphs("c", 10));
        var absolute = Path.Combine(_folder, "data").Replace('\\', '/') + "/**/*.txt";
        var corpus = Load(Policy([absolute], exclude: ["data/skip/**"]));
        Assert.Equal([Path.Combine(_folder, "data", "a.txt")], corpus.Files);
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
        Assert.Equal(["texts/*.txt", "missing.txt", "folder", "data/*.md"], e.All.Select(x => x.Message.Split('\'')[1].Replace(_folder + "/", "")));
    }

    [Fact]
    public void Patterns_the_globbing_cannot_use_and_unknown_builtins_are_reported_with_the_rest()
    {
        Write("data/a.txt", Paragraphs("a", 10));
        var e = Assert.Throws<CollapseCheckException>(() => Load(Policy(["builtin:nope", "data/*/../*.txt", "data\0/*.txt", "missing.txt"], exclude: ["a\0b"])));

        Assert.Equal(["CC0006", "CC0010", "CC0010", "CC0011", "CC0010"], e.All.Select(x => x.Code));
        Assert.Contains("corpus.include pattern 'data/*/../*.txt' cannot be matched: \"..\" can be only added at the beginning of the pattern", e.All.ElementAt(1).Message);
        Assert.StartsWith("corpus.include pattern 'data\0/*.txt' cannot be matched: ", e.All.ElementAt(2).Message);
        Assert.StartsWith("corpus.exclude pattern 'a\0b' cannot be matched: ", e.All.ElementAt(4).Message);
    }

    [Fact]
    public void An_exclude_of_the_real_path_behind_a_link_blames_the_exclude()
    {
        Write("data/2024/a.txt", Paragraphs("a", 10));
        Write("data/b.txt", Paragraphs("b", 10));
        Directory.CreateSymbolicLink(Path.Combine(_folder, "data", "current"), "2024");
        Directory.CreateSymbolicLink(Path.Combine(_folder, "data", "dot"), ".");

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
        Directory.CreateSymbolicLink(Path.Combine(_folder, "data", "current"), "2024");
        Directory.CreateSymbolicLink(Path.Combine(_folder, "data", "latest"), "current");
        var corpus = Load(Policy(["data/**/*.txt"]));
        Assert.Equal([Path.Combine(_folder, "data", "2024", "a.txt")], corpus.Files);
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
        Directory.CreateSymbolicLink(Path.Combine(_folder, "data", "current"), "2024");
        Directory.CreateDirectory(Path.Combine(_folder, "data", "2023"));
        File.CreateSymbolicLink(Path.Combine(_folder, "data", "2023", "clink.txt"), "../c.txt");

        var corpus = Load(Policy(["data/**/*.txt"], exclude: ["data/2024/**", "data/c.txt"]));

        Assert.Equal([Path.Combine(_folder, "data", "keep.txt")], corpus.Files);
    }

    [Fact]
    public void Folder_links_that_loop_two_ways_round_are_walked_once()
    {
        // The globbing library alone follows both links at every level: 2^depth paths until the link limit, a hang.
        Write("data/2024/a.txt", Paragraphs("a", 10));
        Write("data/2024/deep/b.txt", Paragraphs("b", 10));
        Directory.CreateSymbolicLink(Path.Combine(_folder, "data", "current"), "2024");
        Directory.CreateSymbolicLink(Path.Combine(_folder, "data", "2024", "up"), "..");
        Directory.CreateSymbolicLink(Path.Combine(_folder, "data", "2024", "deep", "top"), _folder);

        var corpus = Load(Policy(["data/**/*.txt"]));

        Assert.Equal([Path.Combine(_folder, "data", "2024", "a.txt"), Path.Combine(_folder, "data", "2024", "deep", "b.txt")], corpus.Files);
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
                    Directory.CreateSymbolicLink(Path.Combine(_folder, "data", $"d{i}", $"to{j}"), $"../d{j}");
                }
            }
        }

        var matcher = new Microsoft.Extensions.FileSystemGlobbing.Matcher(StringComparison.Ordinal);
        matcher.AddInclude("data/**/*.txt");
        var e = Assert.Throws<IOException>(() => matcher.Execute(new LoopSafeDirectory(_folder, linkBudget: 100)));
        Assert.Contains("more than 100 folder links", e.Message);
        Assert.Equal(5, matcher.Execute(new LoopSafeDirectory(_folder, linkBudget: 2_000)).Files.Select(f => CanonicalPath.Of(Path.Combine(_folder, f.Path))).Distinct().Count());
    }

    [Fact]
    public void An_excluded_folder_is_not_walked()
    {
        // Eight sibling folders each linking to the other seven: walked, they would spend the whole link budget (CC0016).
        Write("data/keep/a.txt", Paragraphs("a", 10));
        for (var i = 0; i < 8; i++)
        {
            Directory.CreateDirectory(Path.Combine(_folder, "data", "mirror", $"d{i}"));
            for (var j = 0; j < 8; j++)
            {
                if (i != j)
                {
                    Directory.CreateSymbolicLink(Path.Combine(_folder, "data", "mirror", $"d{i}", $"to{j}"), $"../d{j}");
                }
            }
        }

        Assert.Equal("CC0016", Assert.Throws<CollapseCheckException>(() => Load(Policy(["data/**/*.txt"]))).Code);
        Assert.Equal([Path.Combine(_folder, "data", "keep", "a.txt")], Load(Policy(["data/**/*.txt"], exclude: ["data/mirror/**"])).Files);
        // Written from the policy's folder, above the folder the pattern walks from.
        Assert.Equal([Path.Combine(_folder, "data", "keep", "a.txt")], Load(Policy(["data/**/*.txt"], exclude: ["**/mirror/**"])).Files);
    }

    [Fact]
    public void A_pattern_may_climb_out_of_the_policy_folder_and_back_in()
    {
        Write("data/a.txt", Paragraphs("a", 10));
        var inner = Path.Combine(_folder, "policy");
        Directory.CreateDirectory(inner);
        var name = Path.GetFileName(_folder);

        var corpus = CorpusLoader.Load(Policy([$"../../{name}/data/*.txt", "../data/**/*.txt"]), inner);

        Assert.Equal([Path.Combine(_folder, "data", "a.txt")], corpus.Files);
    }

    [Fact]
    public void An_exclude_may_climb_out_of_the_policy_folder_too()
    {
        Write("data/a.txt", Paragraphs("a", 10));
        Write("data/b.txt", Paragraphs("b", 10));
        Write("data/old/c.txt", Paragraphs("c", 10));
        var inner = Path.Combine(_folder, "policy");
        Directory.CreateDirectory(inner);

        var corpus = CorpusLoader.Load(Policy(["../data/**/*.txt"], exclude: ["../data/b.txt", "../data/old/**"]), inner);

        Assert.Equal([Path.Combine(_folder, "data", "a.txt")], corpus.Files);
    }

    [Theory]
    [InlineData("data/dot/*.txt")]
    [InlineData("data/dot/a.txt")]
    [InlineData("data/dot/dot/**/*.txt")]
    public void A_named_folder_link_to_a_folder_it_is_inside_is_followed(string pattern)
    {
        // A walk from the policy's folder refuses to go round `dot -> .`, but a pattern that names the link means it.
        Write("data/a.txt", Paragraphs("a", 10));
        Directory.CreateSymbolicLink(Path.Combine(_folder, "data", "dot"), ".");

        var corpus = Load(Policy([pattern], exclude: ["data/skip/**"]));

        Assert.Equal([Path.Combine(_folder, pattern.Replace("*.txt", "a.txt").Replace("**/", ""))], corpus.Files);
        Assert.Equal(10, corpus.Train.Count + corpus.HeldOut.Count);
    }

    [Fact]
    public void An_exclude_names_a_file_by_the_path_a_pattern_reached_it_through()
    {
        Write("data/a.txt", Paragraphs("a", 10));
        Write("data/b.txt", Paragraphs("b", 10));
        Directory.CreateSymbolicLink(Path.Combine(_folder, "data", "dot"), ".");

        var corpus = Load(Policy(["data/dot/*.txt"], exclude: ["data/dot/b.txt"]));

        Assert.Equal([Path.Combine(_folder, "data", "dot", "a.txt")], corpus.Files);
    }

    [Theory]
    [InlineData("notes.txt", new byte[] { (byte)'o', (byte)'k', (byte)'\n', (byte)'c', (byte)'a', (byte)'f', 0xE9, (byte)'\n' }, 2, 4)]
    [InlineData("crlf.txt", new byte[] { (byte)'o', (byte)'k', (byte)'\r', (byte)'\n', (byte)'\r', (byte)'\n', (byte)'c', 0xE9 }, 3, 2)]
    [InlineData("cr.txt", new byte[] { (byte)'o', (byte)'k', (byte)'\r', (byte)'\r', (byte)'c', (byte)'a', 0xE9 }, 3, 3)]
    [InlineData("cr-before-bad.txt", new byte[] { (byte)'o', (byte)'k', (byte)'\r', 0xE9 }, 2, 1)]
    [InlineData("records.jsonl", new byte[] { 0xEF, 0xBB, 0xBF, (byte)'{', (byte)'}', (byte)'\n', 0x1F, 0x8B, 0x08 }, 2, 2)]
    [InlineData("utf16.txt", new byte[] { 0xFF, 0xFE, (byte)'a', 0, (byte)'\n', 0, (byte)'b', 0, 0x00, 0xDC, (byte)'c', 0 }, 2, 2)]
    [InlineData("high.txt", new byte[] { 0xFF, 0xFE, (byte)'a', 0, (byte)'\n', 0, (byte)'b', 0, 0x00, 0xD8, (byte)'c', 0 }, 2, 2)]
    [InlineData("high-high.txt", new byte[] { 0xFE, 0xFF, 0, (byte)'b', 0xD8, 0x00, 0xD8, 0x00 }, 1, 2)]
    [InlineData("high-at-end.txt", new byte[] { 0xFF, 0xFE, (byte)'a', 0, (byte)'b', 0, 0x00, 0xD8 }, 1, 3)]
    [InlineData("high-odd-byte.txt", new byte[] { 0xFF, 0xFE, (byte)'a', 0, (byte)'\n', 0, (byte)'c', 0, 0x00, 0xD8, 0x41 }, 2, 2)]
    public void A_file_that_does_not_decode_is_an_error_at_the_first_bad_byte(string name, byte[] content, int line, int column)
    {
        Write("data/a.txt", Paragraphs("a", 10));
        var path = Path.Combine(_folder, "data", name);
        File.WriteAllBytes(path, content);

        var e = Assert.Throws<CollapseCheckException>(() => Load(Policy(["data/*"])));

        Assert.Equal("CC0017", e.Code);
        Assert.Equal(new SourceLocation(path, line, column), e.Location);
        Assert.Contains("is not text here: neither UTF-8 nor UTF-16/UTF-32 with a byte-order mark", e.Message);
    }

    [Fact]
    public void Byte_order_marks_and_CRLF_line_ends_read_as_plain_text()
    {
        File.WriteAllBytes(Path.Combine(_folder, "bom.txt"), [0xEF, 0xBB, 0xBF, .. "first\r\n\r\nsecond"u8]);
        File.WriteAllBytes(Path.Combine(_folder, "bom.jsonl"), [0xEF, 0xBB, 0xBF, .. "{\"text\": \"third\"}\r\n{\"text\": \"fourth\"}\r\n"u8]);

        File.WriteAllBytes(Path.Combine(_folder, "bom16.txt"), [0xFF, 0xFE, .. Encoding.Unicode.GetBytes("fifth")]);
        File.WriteAllBytes(Path.Combine(_folder, "bom32.txt"), [0x00, 0x00, 0xFE, 0xFF, .. new UTF32Encoding(bigEndian: true, byteOrderMark: false).GetBytes("sixth")]);

        var corpus = Load(Policy(["bom*.*"], heldOut: 0.2));


        Assert.Equal(["bom.jsonl:1", "bom.jsonl:2", "bom.txt#0", "bom.txt#1", "bom16.txt#0", "bom32.txt#0"], corpus.Train.Concat(corpus.HeldOut).Select(d => d.Id).Order(StringComparer.Ordinal));
        Assert.Equal(["fifth", "first", "fourth", "second", "sixth", "third"], corpus.Train.Concat(corpus.HeldOut).Select(d => d.Text).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("first\n\nsecond")]
    [InlineData("first\r\n\r\nsecond\r\n")]
    [InlineData("first\r\rsecond")]
    [InlineData("first\n \t\nsecond")]
    [InlineData("first\r\n  \r\n\r\n\t\r\nsecond")]
    [InlineData("\n\nfirst\n\n\n\n\nsecond\n\n")]
    public void Paragraphs_split_at_blank_lines_whatever_the_line_ends_and_however_blank(string text)
    {
        Assert.Equal(["first", "second"], CorpusLoader.Paragraphs(text, "f").Select(d => d.Text));
        Assert.Equal(["f#0", "f#1"], CorpusLoader.Paragraphs(text, "f").Select(d => d.Id));
    }

    [Fact]
    public void Lines_of_one_paragraph_stay_together_with_their_line_ends_made_LF()
    {
        Assert.Equal(["one\ntwo\nthree", "four"], CorpusLoader.Paragraphs("one\r\ntwo\rthree \n\nfour", "f").Select(d => d.Text));
    }

    [Fact]
    public void A_file_the_system_will_not_read_is_the_callers_error_with_the_systems_reason()
    {
        // A folder is the one unreadable path every user, root included, can make.
        var e = Assert.Throws<CollapseCheckException>(() =>
            CollapseCheck.Common.TextFile.Read(_folder, at => Errors.CorpusNotText(at), reason => Errors.CorpusFileUnreadable(null, _folder, reason)));
        Assert.Equal("CC0018", e.Code);
        Assert.StartsWith($"corpus file '{_folder}' could not be read: ", e.Message);
    }

    [LinuxFact]
    public async Task A_named_pipe_a_glob_matches_is_an_error_not_an_endless_read()
    {
        Write("data/a.txt", Paragraphs("a", 10));
        var pipe = Path.Combine(_folder, "data", "pipe.txt");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [pipe]))
        {
            await mkfifo.WaitForExitAsync();
        }

        var load = Task.Run(() => Load(Policy(["data/*.txt"])));
        try
        {
            Assert.Same(load, await Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(30))));
            var e = await Assert.ThrowsAsync<CollapseCheckException>(() => load);
            Assert.Equal("CC0018", e.Code);
            Assert.Contains($"'{pipe}' could not be read: it is not a plain file but a pipe", e.Message);
        }
        finally
        {
            if (!load.IsCompleted)
            {
                // A writer ends the read that is waiting, so the test process does not keep a blocked thread.
                await File.WriteAllTextAsync(pipe, "");
            }
        }
    }
}
