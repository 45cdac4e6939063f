using System.Text;
using CollapseCheck.Diagnostics;
using CollapseCheck.Policy;

namespace CollapseCheck.Core.Tests.Policy;

public class PolicyLoaderTests
{
    private static CollapseCheckException Reject(string json) =>
        Assert.Throws<CollapseCheckException>(() => PolicyLoader.Parse(json, "p.json"));

    private static void AssertAt(CollapseCheckException e, string code, int line, int column)
    {
        Assert.Equal(code, e.Code);
        Assert.Equal(new SourceLocation("p.json", line, column), e.Location);
        Assert.StartsWith($"p.json({line},{column}): error {code}: ", e.ToDiagnosticLine());
        Assert.Equal(2, e.ExitCode);
    }

    /// <summary>A device named as the policy never ends: read whole, it ran until an OutOfMemoryException (CC0099).</summary>
    [UnixFact]
    public void A_policy_file_that_never_ends_is_refused_after_a_megabyte()
    {
        var e = Assert.Throws<CollapseCheck.Diagnostics.CollapseCheckException>(() => PolicyLoader.Load("/dev/zero"));
        Assert.Equal("CC0001", e.Code);
        Assert.EndsWith("could not be read: it holds more than 1,048,576 bytes, far more than any policy", e.Message);
    }

    [Fact]
    public void An_empty_object_is_the_default_policy()
    {
        var p = PolicyLoader.Parse("{}", "p.json");
        // Spelled out: the embedded default is itself parsed from a policy text, so comparing with it proves nothing.
        Assert.Equal(new LineagePolicy(5, LineageMode.AccumulateSubsample, 20_000, 0.5, 0, null, new SamplingPolicy(1.0, 0, 1.0, null), new FilterPolicy(false)), p.Lineage);
        Assert.Equal(["builtin:dotnet-docs"], p.Corpus.Include);
        Assert.Equal(PolicyLoader.DotnetDocsDefaultMaxBytes, p.Corpus.MaxBytes);
        Assert.Equal(new ModelPolicy(2, 64, 4, 64), p.Model);
        Assert.Equal(20_000, p.Evaluation.HeldOutTokens);
    }

    [Fact]
    public void The_starter_policy_with_fewer_steps_than_the_default_warmup_still_loads()
    {
        var fewer = PolicyLoader.StarterPolicyText.Replace("\"steps\": 300,", "\"steps\": 20,");
        Assert.NotEqual(PolicyLoader.StarterPolicyText, fewer);
        // A tenth of the run warms up, so the rest still decays (all 20 used to, leaving the model at the peak rate).
        Assert.Equal(2, PolicyLoader.Parse(fewer, "collapsecheck.json").Training.WarmupSteps);
        Assert.Equal(30, PolicyLoader.Parse(PolicyLoader.StarterPolicyText, "collapsecheck.json").Training.WarmupSteps);
        Assert.Equal(1, PolicyLoader.Parse(PolicyLoader.StarterPolicyText.Replace("\"steps\": 300,", "\"steps\": 5,"), "collapsecheck.json").Training.WarmupSteps);
    }

    [Fact]
    public void The_starter_policy_is_the_default_with_comments()
    {
        var starter = PolicyLoader.Parse(PolicyLoader.StarterPolicyText, "collapsecheck.json");
        var d = PolicyLoader.Default;
        Assert.Contains("//", PolicyLoader.StarterPolicyText);
        Assert.Equal(d.Corpus.Include, starter.Corpus.Include);
        Assert.Equal(d.Corpus with { Include = [], Exclude = [] }, starter.Corpus with { Include = [], Exclude = [] });
        Assert.Equal((d.Tokenizer, d.Model, d.Training, d.Evaluation), (starter.Tokenizer, starter.Model, starter.Training, starter.Evaluation));
        Assert.Equal(d.Lineage, starter.Lineage);
        Assert.Equal(d.Gate with { Budget = null! }, starter.Gate with { Budget = null! });
        Assert.Equal(d.Gate.Budget, starter.Gate.Budget);
        Assert.Equal(d.Verify, starter.Verify);
        Assert.Equal(new VerifyPolicy(1e-5, null), d.Verify);
    }

    [Fact]
    public void Comments_trailing_commas_and_the_corpus_shorthand_are_accepted()
    {
        var p = PolicyLoader.Parse("""
            {
              // real text
              "corpus": "data/*.txt",
              "lineage": { "mode": "mix", "realFraction": 0.25, },
            }
            """, "p.json");
        Assert.Equal(["data/*.txt"], p.Corpus.Include);
        Assert.Null(p.Corpus.MaxBytes);
        Assert.Equal(0.25, p.Lineage.RealFraction);
        Assert.Equal(new SourceLocation("p.json", 4, 3), p.Locations["lineage"]);
        Assert.Equal(new SourceLocation("p.json", 4, 31), p.Locations["lineage.realFraction"]);
    }

    [Fact]
    public void A_retired_field_says_what_replaced_it_at_its_name()
    {
        var e = Reject("{ \"verify\": { \"tolerance\": 0.00001, \"cudaTolerance\": 0.05 } }");
        AssertAt(e, "CC0003", 1, 37);
        Assert.Contains("'verify.cudaTolerance' is no longer read: 'verify.otherMachineTolerance' replaced it", e.Message);
        // Nor is it offered when another field is misspelt.
        Assert.EndsWith("expected one of: tolerance, otherMachineTolerance", Reject("{ \"verify\": { \"tolerence\": 0.1 } }").Message);
    }

    [Fact]
    public void Unknown_field_at_the_root_points_at_its_name_and_lists_the_known_ones()
    {
        var e = Reject("{\n  \"linage\": {}\n}");
        AssertAt(e, "CC0003", 2, 3);
        Assert.Contains("'linage'", e.Message);
        var known = e.Message.Split("expected one of:")[1].Split(',', StringSplitOptions.TrimEntries);
        Assert.Contains("lineage", known);
        Assert.Equal(known.Distinct(), known);
    }

    [Theory]
    [InlineData("{ \"training\": { \"stpes\": 5 } }", "unknown field 'stpes' in 'training'; did you mean 'steps'? expected one of:")]
    [InlineData("{ \"training\": { \"Steps\": 5 } }", "did you mean 'steps'?")]
    [InlineData("{ \"tr\u0430ining\": {} }", "did you mean 'training'? ('tr\u0430ining' holds U+0430 at character 3, not an ASCII letter)")]
    [InlineData("{ \"lineage\": { \"mode\": \"acumulate\" } }", "'lineage.mode' is 'acumulate'; did you mean 'accumulate'? expected one of:")]
    [InlineData("{ \"tokenizer\": \"Byte\" }", "did you mean 'byte'?")]
    [InlineData("{ \"gate\": { \"budget\": { \"entropyratio\": 0.5 } } }", "did you mean 'entropyRatio'?")]
    public void A_name_written_another_way_gets_the_one_it_was_likely_meant_as(string policy, string expected) =>
        Assert.Contains(expected, Reject(policy).Message);

    [Theory]
    [InlineData("{ \"training\": { \"x\": 5 } }")]
    [InlineData("{ \"lineage\": { \"mode\": \"recycle\" } }")]
    public void A_name_far_from_every_known_one_gets_no_guess(string policy) =>
        Assert.DoesNotContain("did you mean", Reject(policy).Message);

    [Fact]
    public void A_schema_hint_at_the_root_is_not_policy()
    {
        Assert.Equal(PolicyLoader.Parse("{}", "p.json").Training, PolicyLoader.Parse("{ \"$schema\": \"./collapsecheck.schema.json\" }", "p.json").Training);
        AssertAt(Reject("{ \"model\": { \"$schema\": \"x\" } }"), "CC0003", 1, 14);
    }

    [Fact]
    public void Unknown_nested_field_names_its_parent()
    {
        var e = Reject("{ \"lineage\": { \"sampling\": { \"topk\": 5 } } }");
        AssertAt(e, "CC0003", 1, 30);
        Assert.Contains("'lineage.sampling'", e.Message);
        Assert.Contains("topK", e.Message);
    }

    /// <summary>The column is where <paramref name="marker"/> first occurs: the value the error is about.</summary>
    [Theory]
    [InlineData("[ 1 ]", "CC0004", "[ 1 ]", "a policy is a JSON object ({ \"lineage\": { … } }, or {} for every default), but this one is an array")]
    [InlineData("{ \"model\": { \"layers\": \"2\" } }", "CC0004", "\"2\"", "an integer")]
    [InlineData("{ \"model\": { \"layers\": 2.5 } }", "CC0004", "2.5", "fractional number 2.5")]
    [InlineData("{ \"training\": { \"learningRate\": true } }", "CC0004", "true", "a number")]
    [InlineData("{ \"training\": { \"warmStart\": 1 } }", "CC0004", "1 }", "true or false")]
    [InlineData("{ \"corpus\": { \"include\": 3 } }", "CC0004", "3", "a string or an array")]
    [InlineData("{ \"model\": { \"layers\": 0 } }", "CC0005", "0", "from 1 to 48")]
    [InlineData("{ \"training\": { \"steps\": 1e100 } }", "CC0005", "1e100", "an integer from 1 to 1000000, but is 1e100")]
    [InlineData("{ \"corpus\": { \"maxBytes\": 1 } }", "CC0005", "1 }", "'corpus.maxBytes' must be an integer of at least 1000, but is 1")]
    [InlineData("{ \"corpus\": { \"maxBytes\": 1e30 } }", "CC0005", "1e30", "an integer from 1000 to 9223372036854775807, but is 1e30")]
    [InlineData("{ \"corpus\": { \"heldOutFraction\": 0.5 } }", "CC0005", "0.5", "less than 0.5")]
    [InlineData("{ \"lineage\": { \"sampling\": { \"topP\": 0 } } }", "CC0005", "0 }", "greater than 0")]
    [InlineData("{ \"corpus\": { \"include\": [] } }", "CC0005", "[]", "at least one pattern")]
    [InlineData("{ \"corpus\": \"\" }", "CC0004", "\"\"", "'corpus' must be a non-empty string or an array of them, but is empty")]
    [InlineData("{ \"gate\": { \"tolerance\": 25 } }", "CC0005", "25 }", "'gate.tolerance' must be from 0 to 1, a fraction (0.25: 25 % beyond the prediction), but is 25")]
    [InlineData("{ \"gate\": { \"budget\": { \"perplexityIncrease\": 10 } } }", "CC0005", "10 }", "must be from 0 to 1, a fraction (0.1: 10 % above generation 0's), but is 10")]
    [InlineData("{ \"gate\": { \"tolerance\": 1e400 } }", "CC0005", "1e400", "(and within a double's range, about ±1.8e308), but is 1e400")]
    [InlineData("{ \"gate\": { \"tolerance\": 1e-400 } }", "CC0005", "1e-400", "this reads as 0), but is 1e-400")]
    [InlineData("{ \"corpus\": { \"include\": [\"a/*.txt\"], \"exclude\": [\"/data/*\"] } }", "CC0005", "\"/data/*\"", "relative to the policy file's folder")]
    [InlineData("{ \"lineage\": { \"mode\": \"recycle\" } }", "CC0006", "\"recycle\"", "accumulate-subsample")]
    [InlineData("{ \"tokenizer\": \"gpt2\" }", "CC0006", "\"gpt2\"", "cl100k")]
    [InlineData("{ \"training\": { \"precision\": \"fp16\" } }", "CC0006", "\"fp16\"", "bf16")]
    [InlineData("{ \"model\": { \"width\": 64, \"heads\": 5 } }", "CC0007", "5 }", "divisible")]
    [InlineData("{ \"lineage\": { \"mode\": \"replace\", \"realFraction\": 0.5 } }", "CC0007", "0.5", "mode 'mix' only")]
    [InlineData("{ \"lineage\": { \"mode\": \"mix\", \"trainingTokens\": 500 } }", "CC0007", "500", "accumulate-subsample")]
    [InlineData("{ \"lineage\": { \"mode\": \"mix\", \"syntheticTokensPerGeneration\": 1500, \"realFraction\": 0.0003 } }", "CC0007", "0.0003", "= 0 tokens from the real pool, so mix would train on its samples alone; use a realFraction of at least 0.000334")]
    // The exact bound at m = 7,812 rounds to no real token in floating point: the advice is checked with the composer's rounding.
    [InlineData("{ \"lineage\": { \"mode\": \"mix\", \"syntheticTokensPerGeneration\": 7812, \"realFraction\": 0.000064 } }", "CC0007", "0.000064", "'lineage.realFraction' 0.000064 with 7812 synthetic tokens per generation gives round(m·λ/(1 − λ)) = 0 tokens from the real pool, so mix would train on its samples alone; use a realFraction of at least 0.0000641")]
    [InlineData("{ \"lineage\": { \"sampling\": { \"temperature\": 1e-40 } } }", "CC0005", "1e-40", "from 0.01 to 10 (for greedy sampling set topK to 1)")]
    [InlineData("{ \"training\": { \"steps\": 10, \"warmupSteps\": 20 } }", "CC0007", "20", "must not exceed")]
    [InlineData("{ \"model\": { \"context\": 32 }, \"lineage\": { \"sampling\": { \"maxLength\": 64 } } }", "CC0007", "64", "model.context")]
    [InlineData("{ \"model\": { \"context\": 256 }, \"lineage\": { \"mode\": \"replace\", \"syntheticTokensPerGeneration\": 200 } }", "CC0007", "200", "200 tokens, fewer than one window of 'model.context' + 1 (257)")]
    [InlineData("{ \"model\": { \"context\": 256 }, \"lineage\": { \"trainingTokens\": 100 } }", "CC0007", "100", "accumulate-subsample trains each generation on this many tokens: 100 tokens")]
    [InlineData("{ \"training\": { \"seed\": 2147483640 }, \"gate\": { \"seeds\": 9 } }", "CC0007", "2147483640", "the lineages train with seeds training.seed, training.seed + 1")]
    public void Bad_values_point_at_the_value_and_say_what_was_expected(string json, string code, string marker, string expected)
    {
        var e = Reject(json);
        AssertAt(e, code, 1, json.IndexOf(marker, StringComparison.Ordinal) + 1);
        Assert.Contains(expected, e.Message);
        Assert.Empty(e.AlsoFound);
    }

    [Fact]
    public void Every_bad_field_is_reported_at_once_in_file_order()
    {
        var e = Reject("""
            {
              "tokenizer": "gpt2",
              "model": { "width": 64, "heads": 5, "depth": 2 },
              "training": { "steps": "many", "learningRate": 2 },
              "lineage": { "mode": "replace", "realFraction": 0.5 },
              "colour": "blue",
            }
            """);
        Assert.Equal(
            ["p.json(2,16): error CC0006", "p.json(3,36): error CC0007", "p.json(3,39): error CC0003", "p.json(4,26): error CC0004",
             "p.json(4,50): error CC0005", "p.json(5,51): error CC0007", "p.json(6,3): error CC0003"],
            e.All.Select(x => x.ToDiagnosticLine().Split(':')[0] + ":" + x.ToDiagnosticLine().Split(':')[1]));
        Assert.All(e.All, x => Assert.Equal(2, x.ExitCode));
    }

    [Fact]
    public void Each_failing_check_is_reported_even_when_an_earlier_one_named_the_same_field()
    {
        var e = Reject("{ \"corpus\": { \"include\": [\"a/*.txt\"], \"exclude\": [\"/one/*\", \"/two/*\"] } }");
        Assert.Equal(["'/one/*'", "'/two/*'"], e.All.Select(x => x.Message.Split("but is ")[1]));
    }

    [Theory]
    [InlineData("{ \"corpus\": { \"include\": [\"a/*.txt\", \"builtin:nope\"] }, \"tokenizer\": \"x\" }")]
    [InlineData("{ \"corpus\": \"builtin:nope\", \"tokenizer\": \"x\" }")]
    public void An_unknown_builtin_source_is_reported_with_the_other_problems_at_its_item(string json)
    {
        // It was found by the corpus loader, so only once every other problem was fixed.
        var e = Reject(json);
        Assert.Equal(["corpus.include", "tokenizer"], e.All.Select(x => x.Message.Split('\'')[1]));
        Assert.Equal(json.IndexOf("\"builtin:nope", StringComparison.Ordinal) + 1, e.All.First().Location!.Value.Column);
    }

    [Fact]
    public void Every_bad_item_of_a_pattern_list_is_reported_at_the_item()
    {
        const string json = "{ \"corpus\": { \"include\": [5, null, \"a/*.txt\", \"\"] } }";
        var e = Reject(json);
        Assert.Equal(
            ["'corpus.include[0]' must be a non-empty string, but is the number 5", "'corpus.include[1]' must be a non-empty string, but is null",
             "'corpus.include[3]' must be a non-empty string, but is empty"],
            e.All.Select(x => x.Message));
        Assert.Equal([json.IndexOf('5') + 1, json.IndexOf("null", StringComparison.Ordinal) + 1, json.IndexOf("\"\"", StringComparison.Ordinal) + 1], e.All.Select(x => x.Location!.Value.Column));
    }

    /// <summary>A bad value is read as its default, and a check across fields must not then blame the default.</summary>
    [Theory]
    [InlineData("{ \"model\": { \"width\": \"wide\", \"heads\": 5 } }", "CC0004")]
    [InlineData("{ \"lineage\": { \"mode\": \"recycle\", \"realFraction\": 0.5 } }", "CC0006")]
    [InlineData("{ \"model\": 5, \"lineage\": { \"sampling\": { \"maxLength\": 100 } } }", "CC0004")]
    [InlineData("{ \"training\": { \"steps\": 0, \"warmupSteps\": 20 } }", "CC0005")]
    public void A_bad_field_causes_no_made_up_errors_in_checks_across_fields(string json, string code)
    {
        var e = Reject(json);
        Assert.Equal(code, e.Code);
        Assert.Empty(e.AlsoFound);
    }

    [Fact]
    public void Precision_is_fp32_unless_bf16_is_asked_for()
    {
        Assert.Null(PolicyLoader.Parse("{}", "p.json").Training.Precision);
        Assert.Null(PolicyLoader.Parse("{ \"training\": { \"precision\": \"fp32\" } }", "p.json").Training.Precision);
        Assert.Equal("bf16", PolicyLoader.Parse("{ \"training\": { \"precision\": \"bf16\" } }", "p.json").Training.Precision);
    }

    [Fact]
    public void Syntax_errors_carry_the_position_of_the_problem()
    {
        var e = Reject("{\n  \"model\": { \"layers\": 2 \n  \"width\": 64 }\n}");
        AssertAt(e, "CC0002", 3, 3);
        Assert.DoesNotContain("LineNumber", e.Message);
    }

    [Theory]
    [InlineData("\r")]
    [InlineData("\r\n")]
    [InlineData("\n")]
    public void Lines_are_counted_as_an_editor_shows_them_whatever_the_line_ends(string end)
    {
        AssertAt(Reject($"{{{end}  // a comment{end}  \"modle\": {{}}{end}}}"), "CC0003", 3, 3);
        AssertAt(Reject($"{{{end}  \"model\": {{ \"layers\": 2 {end}  \"width\": 64 }}{end}}}"), "CC0002", 3, 3);

        // A raw CR inside a string is named as the byte it is, where it is.
        var inString = Reject($"{{{end}  \"tokenizer\": \"by\rte\"{end}}}");
        AssertAt(inString, "CC0002", 2, 19);
        Assert.Contains("0x0D", inString.Message);
    }

    [Fact]
    public void A_file_that_is_not_utf8_is_rejected_where_it_stops_being_utf8_and_a_bom_is_fine()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("collapsecheck-policy-").FullName, "p.json");
        try
        {
            File.WriteAllBytes(path, [.. Encoding.UTF8.GetBytes("{\n  \"tokenizer\": \"by"), 0xFF, .. Encoding.UTF8.GetBytes("te\"\n}")]);
            var e = Assert.Throws<CollapseCheckException>(() => PolicyLoader.Load(path));
            Assert.Equal("CC0002", e.Code);
            Assert.Equal(new SourceLocation(path, 2, 19), e.Location);
            Assert.Contains("not UTF-8", e.Message);

            File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("{ \"tokenizer\": \"byte\" }")]);
            Assert.Equal(PolicyLoader.Default.Tokenizer, PolicyLoader.Load(path).Tokenizer);

            // UTF-16 without a mark (iconv -t utf-16le) decodes as UTF-8 with a NUL after every ASCII character.
            File.WriteAllBytes(path, Encoding.Unicode.GetBytes("{ \"tokenizer\": \"byte\" }"));
            var utf16 = Assert.Throws<CollapseCheckException>(() => PolicyLoader.Load(path));
            Assert.Equal("CC0002", utf16.Code);
            Assert.Equal(new SourceLocation(path, 1, 2), utf16.Location);
            Assert.Contains("looks like UTF-16 saved without a byte-order mark", utf16.Message);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Theory]
    [InlineData("", 1, 1, "write {} for the default policy")]
    [InlineData("// only a comment\n", 2, 1, "write {} for the default policy")]
    [InlineData("{\n  \"model\": { \"layers\": 2 }\n", 3, 1, "ends before every '{' and '[' is closed")]
    public void An_empty_or_unfinished_file_is_explained_in_policy_terms(string json, int line, int column, string expected)
    {
        var e = Reject(json);
        AssertAt(e, "CC0002", line, column);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain("isFinalBlock", e.Message);
    }

    [Fact]
    public void Duplicate_fields_are_rejected_at_the_second_one()
    {
        var e = Reject("{ \"tokenizer\": \"byte\",\n  \"tokenizer\": \"cl100k\" }");
        AssertAt(e, "CC0007", 2, 3);
        Assert.Contains("duplicate field 'tokenizer'", e.Message);
    }

    [Fact]
    public void A_duplicate_field_is_one_problem_among_the_others_named_by_its_path()
    {
        var e = Reject("{ \"model\": 5, \"training\": { \"steps\": 5, \"steps\": 6 }, \"zzz\": 1 }");
        Assert.Equal(["CC0004", "CC0007", "CC0003"], e.All.Select(x => x.Code));
        Assert.Equal("duplicate field 'training.steps'", e.All.ElementAt(1).Message);
    }

    [Fact]
    public void Column_counts_characters_not_bytes()
    {
        var e = Reject("{ \"corpus\": { \"textField\": \"é\", \"x\": 1 } }");
        AssertAt(e, "CC0003", 1, 33);
    }

    [Fact]
    public void Null_limits_mean_no_limit_and_absent_ones_take_the_default()
    {
        var p = PolicyLoader.Parse("{ \"corpus\": { \"maxBytes\": null }, \"evaluation\": { \"heldOutTokens\": null } }", "p.json");
        Assert.Null(p.Corpus.MaxBytes);
        Assert.Null(p.Evaluation.HeldOutTokens);
        Assert.Equal(20_000, PolicyLoader.Parse("{ \"evaluation\": {} }", "p.json").Evaluation.HeldOutTokens);
    }

    [Fact]
    public void Array_items_have_their_own_locations()
    {
        var p = PolicyLoader.Parse("{ \"corpus\": { \"include\": [\"a.txt\", \"b/*.txt\"] } }", "p.json");
        Assert.Equal(new SourceLocation("p.json", 1, 36), p.LocationOf("corpus.include[1]"));
        Assert.Equal(p.Locations["corpus.include"], p.LocationOf("corpus.include[7]"));
    }

    [Theory]
    [InlineData("{\n  \"corpus\": { \"include\": [\"\\ud800.txt\"] }\n}", 2, 27)]
    [InlineData("{\n  \"training\": { \"\\udc00\": 1 }\n}", 2, 17)]
    public void An_escaped_half_surrogate_pair_is_a_syntax_error_where_it_is_written(string json, int line, int column)
    {
        var e = Reject(json);
        AssertAt(e, "CC0002", line, column);
        Assert.Contains("half of a UTF-16 surrogate pair", e.Message);
    }

    [Fact]
    public void What_the_policy_says_is_quoted_on_one_line_with_control_characters_escaped()
    {
        var e = Reject("{ \"x\\n::warning::injected\\u0007\": 1 }");

        var line = e.ToDiagnosticLine();
        Assert.DoesNotContain('\n', line);
        Assert.DoesNotContain('\a', line);
        Assert.Contains("unknown field 'x\\n::warning::injected\\u0007'", line);
    }

    [Fact]
    public void A_named_pipe_is_refused_instead_of_waiting_for_a_writer()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // statx tells a pipe from a file on Linux only; elsewhere the read reports what it meets.
        }

        var folder = Directory.CreateTempSubdirectory("collapsecheck-fifo-").FullName;
        try
        {
            var fifo = NamedPipe.Make(Path.Combine(folder, "policy.json"));

            var e = Assert.Throws<CollapseCheckException>(() => PolicyLoader.Load(fifo));
            Assert.Equal("CC0001", e.Code);
            Assert.Contains("not a plain file but a pipe", e.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_missing_file_is_CC0001_and_suggests_init()
    {
        var e = Assert.Throws<CollapseCheckException>(() => PolicyLoader.Load("/nonexistent/collapsecheck.json"));
        Assert.Equal("CC0001", e.Code);
        // The file named, so the command that failed finds it next time.
        Assert.Contains("collapsecheck init /nonexistent/collapsecheck.json'", e.Message);
        Assert.Contains("collapsecheck init'", Assert.Throws<CollapseCheckException>(() => PolicyLoader.Load("collapsecheck.json")).Message);
        // init makes a folder of a name without an extension: the advice names a file, and says to run it.
        Assert.Contains("collapsecheck init /nonexistent/gate.json' and run that name", Assert.Throws<CollapseCheckException>(() => PolicyLoader.Load("/nonexistent/gate")).Message);
        // A name ending in a separator is a folder to init, not a hidden '.json' in it.
        Assert.Contains("collapsecheck init /nonexistent/gate/' and run 'collapsecheck run /nonexistent/gate/collapsecheck.json'", Assert.Throws<CollapseCheckException>(() => PolicyLoader.Load("/nonexistent/gate/")).Message);
    }

    /// <summary>A link that leads nowhere read as the system's "Could not find file"; a link that leads to a policy is one.</summary>
    [Fact]
    public void A_policy_link_that_leads_nowhere_says_so_and_one_that_leads_somewhere_loads()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"cc-link-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            var dangling = Path.Combine(folder, "collapsecheck.json");
            File.CreateSymbolicLink(dangling, "moved.json");
            var e = Assert.Throws<CollapseCheckException>(() => PolicyLoader.Load(dangling));
            Assert.Equal("CC0001", e.Code);
            Assert.Contains("it is a symbolic link to 'moved.json', which does not exist; fix the link or name the policy file itself", e.Message);

            File.WriteAllText(Path.Combine(folder, "moved.json"), "{}");
            Assert.Equal(dangling, PolicyLoader.Load(dangling).SourcePath);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>'ok.json/' said "not found" of a file that exists, and its init advice could not be carried out.</summary>
    [Fact]
    public void A_file_named_with_a_trailing_separator_is_told_to_drop_it()
    {
        var file = Path.Combine(Path.GetTempPath(), $"cc-trailing-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, "{}");
        try
        {
            var e = Assert.Throws<CollapseCheckException>(() => PolicyLoader.Load(file + "/"));
            Assert.Equal("CC0001", e.Code);
            Assert.Equal($"policy file '{file}/' ends in a folder separator, but '{file}' is a file; name it without the separator", e.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Location_lookup_falls_back_to_the_nearest_written_parent()
    {
        var p = PolicyLoader.Parse("{\n  \"lineage\": { \"generations\": 2 }\n}", "p.json");
        Assert.Equal(new SourceLocation("p.json", 2, 3), p.LocationOf("lineage.mode"));
        Assert.Equal(new SourceLocation("p.json", 2, 16), p.LocationOf("lineage.generations"));
        Assert.Equal(new SourceLocation("p.json", 1, 1), p.LocationOf("gate.tolerance"));
    }
}
