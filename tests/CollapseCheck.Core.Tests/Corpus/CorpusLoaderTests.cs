using System.Text;
using CollapseCheck.Corpus;
using CollapseCheck.Diagnostics;
using CollapseCheck.Policy;

namespace CollapseCheck.Core.Tests.Corpus;

/// <summary>Reading the corpus: documents, encodings, the byte budget, the held-out split, the builtin docs.</summary>
public sealed class CorpusLoaderTests : CorpusFolder
{
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
    public void The_text_hash_changes_with_an_edit_that_keeps_every_count()
    {
        Write("d.txt", "the quick brown fox\n\njumps over the lazy dog\n\n" + Paragraphs("x", 18));
        var before = Load(Policy(["d.txt"])).TextSha256();
        Assert.Equal(before, Load(Policy(["d.txt"])).TextSha256());

        // Two words swapped: the same documents, tokens and bytes, so only the hash tells (verify across machines).
        Write("d.txt", "the quick brown dog\n\njumps over the lazy fox\n\n" + Paragraphs("x", 18));
        Assert.Matches("^[0-9a-f]{16}$", before);
        var swapped = Load(Policy(["d.txt"]));
        Assert.NotEqual(before, swapped.TextSha256());

        // The held-out split counts too: the same swap inside a held-out document.
        var held = swapped.HeldOut[0];
        var edited = swapped with { HeldOut = [held with { Text = string.Concat(held.Text.Reverse()) }, .. swapped.HeldOut.Skip(1)] };
        Assert.NotEqual(swapped.TextSha256(), edited.TextSha256());
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
    public void What_max_bytes_leaves_out_is_named_in_the_description()
    {
        Write("a.txt", Paragraphs("x", 10));
        Write("b.txt", Paragraphs("y", 10));

        Assert.Equal("2 file(s) matching *.txt", Load(Policy(["*.txt"])).Description);
        Assert.Equal("2 file(s) matching *.txt; corpus.maxBytes kept 150 of 300 bytes (10 of 20 documents; left out from 'b.txt' on); nothing of 'b.txt' was read",
            Load(Policy(["*.txt"], maxBytes: 150)).Description);
    }

    /// <summary>
    /// The docs' default cap applied to the whole corpus, the docs read first, left the user's own files no byte: a
    /// probe's files added nothing to the real pool, which the description counted among the sources.
    /// </summary>
    [Fact]
    public void Beside_your_files_the_docs_take_their_default_share_and_your_files_are_read_whole()
    {
        Write("mine.txt", Paragraphs("mine", 50));
        var policy = PolicyLoader.Parse("""{ "corpus": { "include": ["builtin:dotnet-docs", "mine.txt"] } }""", Path.Combine(Folder, "p.json")).Corpus;

        var corpus = CorpusLoader.Load(policy, Folder);

        Assert.Null(policy.MaxBytes);
        Assert.Equal(PolicyLoader.DotnetDocsDefaultMaxBytes, PolicyLoader.Parse("{}", "p.json").Corpus.MaxBytes);
        var all = corpus.Train.Concat(corpus.HeldOut).ToList();
        Assert.Equal(50, all.Count(d => d.Text.StartsWith("mine paragraph", StringComparison.Ordinal)));
        var docsBytes = all.Where(d => !d.Text.StartsWith("mine paragraph", StringComparison.Ordinal)).Sum(d => (long)Encoding.UTF8.GetByteCount(d.Text));
        Assert.InRange(docsBytes, PolicyLoader.DotnetDocsDefaultMaxBytes - 20_000, PolicyLoader.DotnetDocsDefaultMaxBytes);
        Assert.Matches(@"^builtin:dotnet-docs \(.+\), its first [0-9,]+ of [0-9,]+ bytes \([0-9,]+ of [0-9,]+ documents; of builtin:dotnet-docs a fixed sample by text hash, from [0-9,]+ of its [0-9,]+ files\); 1 file\(s\) matching mine\.txt$", corpus.Description);
    }

    /// <summary>
    /// "maxBytes": null is no cap, as README and the starter policy say, for the docs too: it read the same 400,000 bytes
    /// as leaving the field out, so following the documented way to train on the whole docs trained on a tenth (from a review).
    /// </summary>
    [Fact]
    public void A_null_cap_reads_the_docs_whole_alone_and_beside_your_files()
    {
        Write("mine.txt", Paragraphs("mine", 50));
        var whole = DotnetDocsCorpus.Load().Documents.Sum(d => (long)Encoding.UTF8.GetByteCount(d.Text));
        Assert.True(whole > 2 * PolicyLoader.DotnetDocsDefaultMaxBytes, $"the docs hold {whole} bytes");

        foreach (var include in new[] { """["builtin:dotnet-docs"]""", """["builtin:dotnet-docs", "mine.txt"]""" })
        {
            var policy = PolicyLoader.Parse($$"""{ "corpus": { "include": {{include}}, "maxBytes": null } }""", Path.Combine(Folder, "p.json")).Corpus;
            var corpus = CorpusLoader.Load(policy, Folder);
            var docsBytes = corpus.Train.Concat(corpus.HeldOut).Where(d => !d.Text.StartsWith("mine paragraph", StringComparison.Ordinal)).Sum(d => (long)Encoding.UTF8.GetByteCount(d.Text));
            Assert.Equal(whole, docsBytes);
            Assert.DoesNotContain("its first", corpus.Description);
            // The report's policy tells the two apart: the docs' own share is written only where it applied.
            Assert.DoesNotContain("docsMaxBytes", CollapseCheck.Reporting.ReportJson.Serialize(policy));
        }

        var defaulted = PolicyLoader.Parse("""{ "corpus": { "include": ["builtin:dotnet-docs", "mine.txt"] } }""", Path.Combine(Folder, "p.json")).Corpus;
        Assert.Contains($"\"docsMaxBytes\": {PolicyLoader.DotnetDocsDefaultMaxBytes}", CollapseCheck.Reporting.ReportJson.Serialize(defaulted));
    }

    /// <summary>
    /// A cap takes text in the order the sources are listed: docs listed after the files come after them. Read first
    /// whatever the order, a reviewer's files got no byte of a 1 MB cap and the line named only a docs file as left out.
    /// </summary>
    [Fact]
    public void A_cap_takes_the_sources_in_the_order_listed()
    {
        Write("mine.txt", Paragraphs("mine", 50));

        var filesFirst = Load(Policy(["mine.txt", "builtin:dotnet-docs"], maxBytes: 100_000));
        var docsFirst = Load(Policy(["builtin:dotnet-docs", "mine.txt"], maxBytes: 100_000));

        static int Mine(LoadedCorpus c) => c.Train.Concat(c.HeldOut).Count(d => d.Text.StartsWith("mine paragraph", StringComparison.Ordinal));
        Assert.Equal(50, Mine(filesFirst));
        Assert.Equal(0, Mine(docsFirst));
        Assert.StartsWith("1 file(s) matching mine.txt; builtin:dotnet-docs (", filesFirst.Description);
        Assert.StartsWith("builtin:dotnet-docs (", docsFirst.Description);
        // The docs come in a fixed order by text hash: what the cap kept of them is a sample of every file, not a prefix of files.
        Assert.Matches(@"of builtin:dotnet-docs a fixed sample by text hash, from [0-9,]+ of its [0-9,]+ files\); nothing of 'mine\.txt' was read$", docsFirst.Description);
        Assert.DoesNotContain("nothing of", filesFirst.Description);
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

    /// <summary>NDJSON is JSONL by another name; read as text, its records were one paragraph of braces and keys.</summary>
    [Fact]
    public void Ndjson_is_json_lines_and_json_stays_text()
    {
        Write("d.NDJSON", string.Join("\n", Enumerable.Range(0, 10).Select(i => $"{{\"text\": \"record {i}\"}}")));
        Write("e.json", string.Join("\n", Enumerable.Range(0, 10).Select(i => $"{{\"text\": \"record {i}\"}}")));
        var records = Load(Policy(["*.NDJSON"]));
        Assert.Equal(10, records.Train.Count + records.HeldOut.Count);
        Assert.Equal("record 0", records.Train[0].Text);

        Assert.True(CorpusLoader.IsJsonReadAsText("e.json"));
        Assert.False(CorpusLoader.IsJsonReadAsText("d.NDJSON"));
        var e = Assert.Throws<CollapseCheckException>(() => Load(Policy(["e.json"])));
        Assert.Contains("'e.json' is read as plain text, so for one JSON record per line name it *.jsonl", e.Message);
    }

    [Theory]
    [InlineData("{\"text\": \"ok\"}\n[1, 2]", 2, 1, "found an array")]
    [InlineData("{\"text\": \"ok\"}\n{\"body\": \"x\"}", 2, 1, "has none (fields: body)")]
    [InlineData("{\"text\": \"ok\"}\n  {\"text\": 5}", 2, 3, "it is a number")]
    [InlineData("{\"text\": \"ok\"}\n{\"text\": \"x\"", 2, 13, "not valid JSON")]
    [InlineData("{\"text\": \"héllo wörld 😀\", oops}", 1, 27, "not valid JSON ('o' is an invalid start of a property name. Expected a '\"')")]
    [InlineData("{\"text\": \"a\", \"x\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}", 1, 83, "more than 64 levels deep")]
    [InlineData("{\"text\": \"ok\"}\n{\"text\": \"bad \\ud800 here\"}", 2, 1, "half of a UTF-16 surrogate pair")]
    [InlineData("{\"text2\\n::warning::x\": \"a\"}", 1, 1, "(fields: text2\\n::warning::x)")]
    public void Bad_jsonl_records_name_file_line_and_column(string content, int line, int column, string says)
    {
        var path = Write("d.jsonl", content);
        var e = Assert.Throws<CollapseCheckException>(() => Load(Policy(["d.jsonl"])));
        Assert.Equal("CC0013", e.Code);
        Assert.Equal(new SourceLocation(path, line, column), e.Location);
        Assert.Contains(says, e.Message);
    }

    [Fact]
    public void Every_bad_record_and_file_is_reported_at_once_in_the_order_read_a_few_per_file()
    {
        // One run per bad line was the way to find them; a wrong textField still stops each file after a few.
        var b = Write("b.jsonl", "{\"text\": \"ok\"}\n[1]\n{\"text\": \"ok\"}\n{\"text\": 5}\n");
        var a = Write("a.jsonl", string.Join("\n", Enumerable.Range(0, 100).Select(i => $"{{\"body\": \"record {i}\"}}")));
        var c = Write("c.txt", "fine text\0 with a NUL");
        Write("d.txt", Paragraphs("d", 10));

        var e = Assert.Throws<CollapseCheckException>(() => Load(Policy(["*.jsonl", "*.txt"])));

        var all = e.All.ToList();
        Assert.Equal(4, all.Count);
        // The wrong textField's ten identical errors are one, at the first record, with the count and where reading stopped.
        Assert.Equal((a, 1), (all[0].Location!.Value.File, all[0].Location!.Value.Line));
        Assert.EndsWith($"expected a string field 'text', but this record and the {JsonLines.MaxReported - 1} bad ones after it have none (fields: body); set 'corpus.textField' to the right one; reading stopped at this file's {JsonLines.MaxReported}th bad record, line {JsonLines.MaxReported}", all[0].Message);
        Assert.Equal([(b, 2), (b, 4)], all.Skip(1).Take(2).Select(x => (x.Location!.Value.File, x.Location.Value.Line)));
        Assert.Equal(c, all[^1].Location!.Value.File);
        Assert.Equal("CC0017", all[^1].Code);
    }

    [Fact]
    public void Bad_records_of_different_kinds_are_each_reported_and_the_stop_is_said()
    {
        Write("m.jsonl", string.Join("\n", Enumerable.Range(0, 30).Select(i => i % 2 == 0 ? "[1]" : "{\"text\": 5}")));

        var all = Assert.Throws<CollapseCheckException>(() => Load(Policy(["m.jsonl"]))).All.ToList();

        Assert.Equal(JsonLines.MaxReported, all.Count);
        Assert.EndsWith($"; reading stopped at this file's {JsonLines.MaxReported}th bad record, line {JsonLines.MaxReported}", all[^1].Message);
        Assert.DoesNotContain("reading stopped", all[0].Message);
    }

    [Fact]
    public void Ten_bad_records_and_blank_lines_after_them_left_nothing_unread()
    {
        Write("d.jsonl", string.Join("\n", Enumerable.Range(0, JsonLines.MaxReported).Select(i => "[1]")) + "\n\n  \n");

        var all = Assert.Throws<CollapseCheckException>(() => Load(Policy(["d.jsonl"]))).All.ToList();

        Assert.Equal(JsonLines.MaxReported, all.Count);
        Assert.DoesNotContain("reading stopped", all[^1].Message);
    }

    [Fact]
    public void A_record_that_names_its_text_field_twice_is_refused()
    {
        var path = Write("d.jsonl", "{\"text\": \"a\", \"text\": \"bbb\"}");
        var e = Assert.Throws<CollapseCheckException>(() => Load(Policy(["d.jsonl"])));
        Assert.Equal(new SourceLocation(path, 1, 1), e.Location);
        Assert.EndsWith("expected one field 'text', but this record holds it more than once", e.Message);
    }

    [Fact]
    public void A_glob_over_many_bad_files_reports_the_first_few_and_says_how_many_were_left_unread()
    {
        foreach (var i in Enumerable.Range(0, CorpusLoader.MaxBadFiles + 5))
        {
            Write($"bin/{i:D2}.dat", "\0\u0001binary");
        }

        var e = Assert.Throws<CollapseCheckException>(() => Load(Policy(["bin/*"])));

        Assert.Equal(CorpusLoader.MaxBadFiles, e.All.Count());
        Assert.EndsWith("; reading stopped after 20 files with problems, 5 more were not read", e.All.Last().Message);
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
    public void Records_saved_as_json_instead_of_jsonl_are_named_as_the_likely_cause()
    {
        Write("records.json", string.Join("\n", Enumerable.Range(0, 20).Select(i => $"{{\"text\": \"record {i}\"}}")));

        var e = Assert.Throws<CollapseCheckException>(() => Load(Policy(["records.json"])));

        Assert.Equal("CC0014", e.Code);
        Assert.EndsWith("; 'records.json' is read as plain text, so for one JSON record per line name it *.jsonl", e.Message);
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
    public void Writing_the_docs_cache_removes_the_copies_of_killed_writers_but_not_a_running_ones()
    {
        var folder = DotnetDocsCorpus.Locate();
        var parsed = DotnetDocsCorpus.Read(folder);
        DotnetDocsCache.Write(folder, parsed);
        var cache = Path.Combine(CollapseCheck.Common.UserCache.Folder(), "corpus");
        var current = Path.GetFileName(Assert.Single(Directory.GetFiles(cache, "dotnet-docs-*.tsv")));
        // No process has id int.MaxValue; process 1 runs as long as the machine does.
        var dead = Path.Combine(cache, $"{current}.{int.MaxValue}.tmp");
        var running = Path.Combine(cache, $"{current}.1.tmp");
        File.WriteAllText(dead, "half a copy");
        File.WriteAllText(running, "a copy being written");
        var longAgo = DateTime.UtcNow - CollapseCheck.Common.DeadWriters.QuietFor - TimeSpan.FromMinutes(1);
        File.SetLastWriteTimeUtc(dead, longAgo);
        File.SetLastWriteTimeUtc(running, longAgo);

        DotnetDocsCache.Write(folder, parsed);

        Assert.False(File.Exists(dead));
        Assert.True(File.Exists(running));
        File.Delete(running);
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

    /// <summary>
    /// A docs cache file a killed copy, a full disk or an edit damaged read as a smaller corpus without a word (a probe's
    /// truncation to 80,000 bytes: 32,034 tokens instead of 89,015), or as a corpus with no text: each is parsed
    /// again from the XML, and the file written whole.
    /// </summary>
    [Theory]
    [InlineData("truncated")]
    [InlineData("short")]
    [InlineData("edited")]
    [InlineData("line removed")]
    [InlineData("older format")]
    public void A_damaged_docs_cache_is_parsed_again_and_written_whole(string damage)
    {
        var folder = DotnetDocsCorpus.Locate();
        var parsed = DotnetDocsCorpus.Read(folder);
        DotnetDocsCache.Write(folder, parsed);
        var path = DotnetDocsCache.PathFor(folder, parsed.Files)!;
        var bytes = File.ReadAllBytes(path);
        var middle = Array.IndexOf(bytes, (byte)'\n', bytes.Length / 2) + 1;
        var nextLine = Array.IndexOf(bytes, (byte)'\n', middle) + 1;
        File.WriteAllBytes(path, damage switch
        {
            "truncated" => bytes[..80_000],
            "short" => bytes[..30],
            // One letter of one document, so the length and every line count stay as they were.
            "edited" => [.. bytes[..(nextLine - 2)], (byte)(bytes[nextLine - 2] == (byte)'a' ? 'b' : 'a'), .. bytes[(nextLine - 1)..]],
            "line removed" => [.. bytes[..middle], .. bytes[nextLine..]],
            // The format before the end line: the pack, then the documents.
            _ => Encoding.UTF8.GetBytes(string.Join("\n", parsed.Documents.Take(100).Select(d => $"{d.Id}\t{d.Text}").Prepend(parsed.Pack)) + "\n"),
        });

        Assert.Null(DotnetDocsCache.TryRead(folder));
        var loaded = DotnetDocsCorpus.ReadCached(folder);
        Assert.Equal(parsed.Pack, loaded.Pack);
        Assert.Equal(parsed.Documents, loaded.Documents);
        var repaired = DotnetDocsCache.TryRead(folder)!;
        Assert.Equal(parsed.Documents, repaired.Documents);
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
    [InlineData("emoji.txt", new byte[] { (byte)'o', (byte)'k', (byte)'\n', 0xF0, 0x9F, 0x98, 0x80, (byte)'a', 0xC3, 0x28 }, 2, 3)]
    [InlineData("high-odd-byte.txt", new byte[] { 0xFF, 0xFE, (byte)'a', 0, (byte)'\n', 0, (byte)'c', 0, 0x00, 0xD8, 0x41 }, 2, 2)]
    public void A_file_that_does_not_decode_is_an_error_at_the_first_bad_byte(string name, byte[] content, int line, int column)
    {
        Write("data/a.txt", Paragraphs("a", 10));
        var path = Path.Combine(Folder, "data", name);
        File.WriteAllBytes(path, content);

        var e = Assert.Throws<CollapseCheckException>(() => Load(Policy(["data/*"])));

        Assert.Equal("CC0017", e.Code);
        Assert.Equal(new SourceLocation(path, line, column), e.Location);
        // A byte-order mark said what the file is, so the error says the file breaks its own encoding.
        Assert.Contains(content is [0xFF, 0xFE, ..] or [0xFE, 0xFF, ..] ? "is not valid UTF-16 here, although its byte-order mark says UTF-16"
            : content is [0xEF, 0xBB, 0xBF, ..] ? "is not valid UTF-8 here, although its byte-order mark says UTF-8"
            : "is not text here: neither UTF-8 nor UTF-16/UTF-32 with a byte-order mark", e.Message);
    }

    [Fact]
    public void A_link_to_nothing_is_named_as_one()
    {
        Write("data/a.txt", Paragraphs("a", 10));
        var link = Path.Combine(Folder, "data", "dangling.txt");
        File.CreateSymbolicLink(link, "nowhere.txt");

        var e = Assert.Throws<CollapseCheckException>(() => Load(Policy(["data/*.txt"])));

        Assert.Equal("CC0018", e.Code);
        Assert.Contains($"'{link}'", e.Message);
        Assert.Contains("it is a symbolic link to 'nowhere.txt', which does not exist", e.Message);

        File.Delete(link);
        File.CreateSymbolicLink(link, "loop.txt");
        File.CreateSymbolicLink(Path.Combine(Folder, "data", "loop.txt"), "dangling.txt");
        var loop = Assert.Throws<CollapseCheckException>(() => Load(Policy(["data/*.txt"])));
        Assert.Equal("CC0018", loop.Code);
        Assert.Contains("that cannot be followed", loop.Message);
    }

    [Fact]
    public void A_file_that_cannot_be_read_is_reported_at_the_pattern_that_matched_it()
    {
        Write("notes/a.txt", Paragraphs("a", 10));
        Write("data/a.txt", Paragraphs("a", 10));
        File.CreateSymbolicLink(Path.Combine(Folder, "data", "dangling.txt"), "nowhere.txt");
        var path = Path.Combine(Folder, "p.json");
        var policy = PolicyLoader.Parse("{ \"corpus\": { \"include\": [\n  \"notes/*.txt\",\n  \"data/*.txt\"\n] } }", path);

        var e = Assert.Throws<CollapseCheckException>(() => CorpusLoader.Load(policy.Corpus, Folder, policy));

        Assert.Equal("CC0018", e.Code);
        Assert.Equal(new SourceLocation(path, 3, 3), e.Location);
    }

    [Fact]
    public void A_binary_is_an_error_at_its_first_nul_byte_when_that_comes_before_bytes_that_do_not_decode()
    {
        Write("data/a.txt", Paragraphs("a", 10));
        var path = Path.Combine(Folder, "data", "program.txt");
        File.WriteAllBytes(path, [0x7F, (byte)'E', (byte)'L', (byte)'F', 0x02, 0x01, 0x01, 0x00, 0x00, 0xE9, 0xFF]);

        var e = Assert.Throws<CollapseCheckException>(() => Load(Policy(["data/*.txt"])));

        Assert.Equal("CC0017", e.Code);
        Assert.Equal(new SourceLocation(path, 1, 8), e.Location);
        Assert.Contains("has a NUL byte here", e.Message);
    }

    [Fact]
    public void Utf16_saved_without_a_byte_order_mark_is_an_error_at_its_first_nul_byte_not_noise_to_train_on()
    {
        Write("data/a.txt", Paragraphs("a", 10));
        var path = Path.Combine(Folder, "data", "export.txt");
        File.WriteAllBytes(path, System.Text.Encoding.Unicode.GetBytes("ok\nWindows export"));

        var e = Assert.Throws<CollapseCheckException>(() => Load(Policy(["data/*.txt"])));

        Assert.Equal("CC0017", e.Code);
        Assert.Equal(new SourceLocation(path, 1, 2), e.Location);
        Assert.Contains("has a NUL byte here, which text does not: it looks like UTF-16 or UTF-32 saved without a byte-order mark", e.Message);
    }

    [Fact]
    public void Byte_order_marks_and_CRLF_line_ends_read_as_plain_text()
    {
        File.WriteAllBytes(Path.Combine(Folder, "bom.txt"), [0xEF, 0xBB, 0xBF, .. "first\r\n\r\nsecond"u8]);
        File.WriteAllBytes(Path.Combine(Folder, "bom.jsonl"), [0xEF, 0xBB, 0xBF, .. "{\"text\": \"third\"}\r\n{\"text\": \"fourth\"}\r\n"u8]);

        File.WriteAllBytes(Path.Combine(Folder, "bom16.txt"), [0xFF, 0xFE, .. Encoding.Unicode.GetBytes("fifth")]);
        File.WriteAllBytes(Path.Combine(Folder, "bom32.txt"), [0x00, 0x00, 0xFE, 0xFF, .. new UTF32Encoding(bigEndian: true, byteOrderMark: false).GetBytes("sixth")]);

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
            CollapseCheck.Common.TextFile.Read(Folder, Errors.CorpusNotText, reason => Errors.CorpusFileUnreadable(null, Folder, reason)));
        Assert.Equal("CC0018", e.Code);
        Assert.StartsWith($"corpus file '{Folder}' could not be read: ", e.Message);
    }

    [LinuxFact]
    public async Task A_named_pipe_a_glob_matches_is_an_error_not_an_endless_read()
    {
        Write("data/a.txt", Paragraphs("a", 10));
        var pipe = NamedPipe.Make(Path.Combine(Folder, "data", "pipe.txt"));

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
