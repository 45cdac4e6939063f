using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using CollapseCheck.Policy;
using CollapseCheck.Reporting;

namespace CollapseCheck.Core.Tests.Reporting;

/// <summary>
/// The renderers on a fixed lineage result (a real tiny replace lineage with two seeds, a failed entropy floor,
/// a broken budget and the predicted collapse), reviewed as snapshots in __snapshots__.
/// </summary>
public class ReportRendererTests
{
    private static readonly LineageReport s_report = JsonSerializer.Deserialize<LineageReport>(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reporting", "fixture-report.json")), ReportJson.Options)!;

    [Fact]
    public void The_fixture_round_trips_through_the_report_schema() =>
        Assert.Equal(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reporting", "fixture-report.json")), ReportJson.Serialize(s_report));

    [Fact]
    public void Held_out_tokens_the_training_text_never_used_are_reported_only_when_there_are_some()
    {
        Assert.Null(s_report.Corpus.HeldOutUnknownTokens);
        Assert.DoesNotContain("heldOutUnknownTokens", ReportJson.Serialize(s_report));
        Assert.DoesNotContain("never occur in the training text", MarkdownReport.Render(s_report));

        var unknown = s_report with { Corpus = s_report.Corpus with { HeldOutUnknownTokens = 104 } };
        Assert.Contains("\"heldOutUnknownTokens\": 104", ReportJson.Serialize(unknown));
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"104 of the held-out tokens ({104.0 / s_report.Corpus.HeldOutTokensScored:P1}) never occur in the training text"), MarkdownReport.Render(unknown));
    }

    [Fact]
    public void Markdown() => ReviewedText.Match(MarkdownReport.Render(s_report), "Reporting");

    [Fact]
    public void A_generation_0_no_better_than_token_frequencies_is_called_undertrained_in_the_markdown()
    {
        var generation0 = s_report.Generations[0].HeldOut.Perplexity;
        Assert.DoesNotContain("**Warning:**", MarkdownReport.Render(s_report));

        var undertrained = s_report with { Reference = s_report.Reference with { UnigramPerplexity = generation0 * 0.9 } };
        Assert.Contains(string.Create(CultureInfo.InvariantCulture,
            $"**Warning:** generation 0's held-out perplexity {generation0:F1} is no better than token frequencies alone ({generation0 * 0.9:F1}, the unigram model)"), MarkdownReport.Render(undertrained));
    }

    [Fact]
    public void Svg() => ReviewedText.Match(SvgChart.Render(s_report), "Reporting");

    [Fact]
    public void The_markdown_says_which_generation_failed_which_check_and_why()
    {
        var markdown = MarkdownReport.Render(s_report);
        var failed = s_report.Gate.Checks.Where(c => !c.Passed && c.Predicted is not null).ToList();
        Assert.NotEmpty(failed);
        foreach (var check in failed)
        {
            var row = markdown.Split('\n').Single(l => l.StartsWith($"| {check.Generation} | ", StringComparison.Ordinal) && l.Contains("fail"));
            Assert.Contains(check.Code, row);
            Assert.Contains(check.Reason, row);
        }

        Assert.StartsWith("# CollapseCheck report: fixture.json\n\n**Verdict: FAIL.**", markdown);
        Assert.Contains("CC1020", markdown);
    }

    [Fact]
    public void With_several_seeds_each_seeds_ratio_and_the_margin_are_tabled_under_the_mean()
    {
        Assert.True(s_report.Gate.Seeds.Count >= 2, "the fixture has two seeds");
        var lines = MarkdownReport.Render(s_report).Split('\n');
        var table = lines.SkipWhile(l => !l.StartsWith("Per seed (", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(table);
        foreach (var generation in s_report.Gate.Checks.Where(c => c.Predicted is not null).GroupBy(c => c.Generation))
        {
            var row = table.First(l => l.StartsWith($"| {generation.Key} | ", StringComparison.Ordinal));
            var expected = generation.Select(c => string.Join(", ", c.PerSeed.Select(v => v.ToString("F4", CultureInfo.InvariantCulture)))
                + $" (margin {c.Margin.ToString("F4", CultureInfo.InvariantCulture)})");
            Assert.Equal($"| {generation.Key} | {string.Join(" | ", expected)} |", row);
        }

        var oneSeed = s_report with
        {
            Gate = s_report.Gate with
            {
                Seeds = [1],
                Checks = s_report.Gate.Checks.Select(c => c with { PerSeed = c.PerSeed.Take(1).ToList(), Margin = 0 }).ToList(),
            },
        };
        var oneSeedMarkdown = MarkdownReport.Render(oneSeed);
        Assert.DoesNotContain("Per seed (", oneSeedMarkdown);
        Assert.Contains("Ratios are relative to generation 0.", oneSeedMarkdown);
        Assert.DoesNotContain("averaged over", oneSeedMarkdown);
        Assert.Contains("averaged over the 2 seeds.", MarkdownReport.Render(s_report));
    }

    /// <summary>Top 140 and the x-axis at 400 − 52 = 348 (SvgChart's layout).</summary>
    [Fact]
    public void A_collapsed_entropy_ratio_of_zero_is_drawn_inside_its_panel_on_the_measured_line()
    {
        var collapsed = s_report with
        {
            Gate = s_report.Gate with
            {
                Checks = s_report.Gate.Checks.Select(c => c.Generation == 3 && c.Code is "CC1002" or "CC1011" ? c with { Measured = 0, PerSeed = [0, 0] } : c).ToList(),
            },
        };

        var svg = SvgChart.Render(collapsed);
        var circles = Regex.Matches(svg, "<circle cx=\"([0-9.]+)\" cy=\"(-?[0-9.]+)\"").Select(m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.NotEmpty(circles);
        Assert.All(circles, cy => Assert.InRange(cy, 140, 348));
        var entropyLine = Regex.Matches(svg, "<polyline points=\"([^\"]+)\" fill=\"none\" stroke=\"#1f4e9c\"").Last().Groups[1].Value;
        Assert.Equal(4, entropyLine.Split(' ').Length);
    }

    [Fact]
    public void A_passing_verdict_gives_the_long_run_once_and_does_not_repeat_its_own_word()
    {
        var gate = s_report.Gate;
        var passing = s_report with
        {
            Gate = gate with
            {
                Passed = true,
                Summary = $"pass: every generation within the theory's thresholds ({gate.Checks.Count} checks); {gate.LongRunSentence}",
                Checks = gate.Checks.Select(c => c with { Passed = true }).ToList(),
                Failures = [],
            },
        };

        var markdown = MarkdownReport.Render(passing);

        Assert.Contains($"**Verdict: PASS.** Every generation within the theory's thresholds ({gate.Checks.Count} checks).\n", markdown);
        Assert.Single(markdown.Split(gate.LongRunSentence)[1..]);
    }

    [Fact]
    public void Settings_that_change_what_the_ratios_mean_are_named_on_the_policy_line_only_when_set()
    {
        var policy = s_report.Policy;
        var unusual = s_report with
        {
            Policy = policy with
            {
                Training = policy.Training with { WarmStart = true },
                Lineage = policy.Lineage with { Sampling = policy.Lineage.Sampling with { MaxLength = 12 } },
            },
        };

        var line = MarkdownReport.Render(unusual).Split('\n').Single(l => l.StartsWith("Policy: ", StringComparison.Ordinal));

        Assert.Contains(", documents sampled up to 12 tokens, warm start: each generation continues from its predecessor's weights", line);
        Assert.DoesNotContain("warm start", MarkdownReport.Render(s_report));
    }

    /// <summary>Every other training field is echoed with its default filled in; fp32 was left out.</summary>
    [Fact]
    public void The_policy_echo_names_the_training_precision_and_the_markdown_only_bf16()
    {
        Assert.Equal("fp32", s_report.Policy.Training.Precision);
        static string Echoed(string policy) => JsonDocument.Parse(ReportJson.Serialize(ReportBuilder.Echo(PolicyLoader.Parse(policy, "p.json"))))
            .RootElement.GetProperty("training").GetProperty("precision").GetString()!;
        Assert.Equal("fp32", Echoed("{}"));
        Assert.Equal("bf16", Echoed("{ \"training\": { \"precision\": \"bf16\" } }"));
        var bf16 = ReportBuilder.Echo(PolicyLoader.Parse("{ \"training\": { \"precision\": \"bf16\" } }", "p.json"));

        Assert.DoesNotContain("training in", MarkdownReport.Render(s_report));
        Assert.Contains(", training in bf16.", MarkdownReport.Render(s_report with { Policy = s_report.Policy with { Training = bf16.Training } }));
    }

    [Fact]
    public void The_real_row_says_when_the_held_out_text_is_smaller_than_the_samples()
    {
        var sampled = s_report.Generations[0].Generated.Tokens;
        var smaller = s_report with { Reference = s_report.Reference with { RealText = s_report.Reference.RealText with { Tokens = sampled - 1 } } };

        Assert.Contains("| real | held-out text, same size |", MarkdownReport.Render(s_report));
        Assert.Contains(FormattableString.Invariant($"| real | all {sampled - 1:N0} held-out tokens (samples: {sampled:N0}; metrics move with size) |"), MarkdownReport.Render(smaller));
    }

    [Fact]
    public void The_svg_rings_every_failed_check_and_budget_and_has_no_script()
    {
        var svg = SvgChart.Render(s_report);
        var ringed = s_report.Gate.Checks.Count(c => !c.Passed && c.Code is "CC1001" or "CC1002" or "CC1010" or "CC1011");
        Assert.Contains(s_report.Gate.Checks, c => !c.Passed && c.Code is "CC1010"); // the fixture fails a budget
        Assert.Equal(ringed, svg.Split("stroke=\"#c0392b\" stroke-width=\"2\"><title>").Length - 1);
        Assert.DoesNotContain("<script", svg);
        Assert.DoesNotContain("@font-face", svg);
        Assert.StartsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"", svg);
    }
}
