using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using CollapseCheck.Reporting;

namespace CollapseCheck.Core.Tests.Reporting;

/// <summary>The chart's header, axes and text on the fixture report (a failing replace lineage, two seeds).</summary>
public partial class SvgChartTests
{
    private static readonly LineageReport s_report = JsonSerializer.Deserialize<LineageReport>(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reporting", "fixture-report.json")), ReportJson.Options)!;

    private static LineageReport Passing => s_report with
    {
        Gate = s_report.Gate with
        {
            Passed = true,
            Summary = $"pass: every generation within the theory's thresholds ({s_report.Gate.Checks.Count} checks)",
            Checks = s_report.Gate.Checks.Select(c => c with { Passed = true }).ToList(),
            Failures = [],
        },
    };

    [Fact]
    public void A_failing_gate_says_FAIL_in_words_and_names_its_findings()
    {
        var svg = SvgChart.Render(s_report);

        Assert.Contains("<title id=\"collapsecheck-title\">CollapseCheck: fixture.json, mode replace: gate FAIL</title>", svg);
        Assert.Contains(">CollapseCheck: fixture.json, mode replace</text>", svg);
        Assert.Contains("text-anchor=\"middle\">FAIL</text>", svg);
        Assert.Contains(">6 findings: 2 × CC1002, CC1003, CC1010, CC1011, CC1020; failed checks are ringed in red</text>", svg);
        Assert.Matches("<desc id=\"collapsecheck-desc\">[^<]*Gate: fail: 6 finding", svg);
        Assert.DoesNotContain("PASS", svg);
    }

    [Fact]
    public void A_passing_gate_says_PASS_in_words()
    {
        var svg = SvgChart.Render(Passing);

        Assert.Contains("<title id=\"collapsecheck-title\">CollapseCheck: fixture.json, mode replace: gate PASS</title>", svg);
        Assert.Contains("text-anchor=\"middle\">PASS</text>", svg);
        Assert.Contains($">every generation within the theory&apos;s thresholds ({s_report.Gate.Checks.Count} checks)</text>", svg);
        Assert.DoesNotContain("FAIL", svg);
        Assert.DoesNotContain("ringed", svg);
    }

    [Fact]
    public void An_infinite_ratio_is_drawn_on_the_edge_and_ringed_and_a_control_character_in_the_name_keeps_the_XML_valid()
    {
        // A perplexity ratio that overflowed wrote cy="-Infinity" for its dot and its ring; a \u0001 in the policy's
        // file name made the whole file unreadable as XML.
        var last = s_report.Gate.Checks.Last(c => c.Code == "CC1001");
        var report = s_report with
        {
            Policy = s_report.Policy with { Source = "a\u0001b.json" },
            Gate = s_report.Gate with { Checks = s_report.Gate.Checks.Select(c => c == last ? c with { Measured = double.PositiveInfinity, Passed = false } : c).ToList() },
        };

        var svg = SvgChart.Render(report);
        var document = System.Xml.Linq.XDocument.Parse(svg);

        Assert.DoesNotContain("Infinity\"", svg); // no coordinate
        Assert.Contains("CollapseCheck: a\uFFFDb.json, mode replace", svg);
        Assert.Contains(">∞</text>", svg);
        var ring = Assert.Single(document.Descendants(), e => e.Name.LocalName == "circle" && (string?)e.Attribute("r") == "8"
            && e.Value.StartsWith($"CC1001 at generation {last.Generation}:", StringComparison.Ordinal));
        Assert.True(double.IsFinite(double.Parse((string)ring.Attribute("cy")!, CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void A_threshold_far_beyond_any_ratio_runs_along_the_panels_edge_instead_of_breaking_the_axis()
    {
        // A tolerance of 1e300 passes validation and made every ceiling 1e300: the log axis's ticks overflowed and the
        // run ended in an internal error after all its training.
        var report = s_report with { Gate = s_report.Gate with { Checks = s_report.Gate.Checks.Select(c => c with { Threshold = c.Threshold > 1 ? 1e300 : c.Threshold }).ToList() } };

        var svg = SvgChart.Render(report);

        System.Xml.Linq.XDocument.Parse(svg);
        Assert.DoesNotMatch("(?:x|y|cx|cy|x1|x2|y1|y2)=\"[^\"]*(?:Infinity|NaN|E\\+)", svg);
    }

    /// <summary>The fixture's perplexity spans ×0.76 to ×41 (log scale), its entropy ×0.33 to ×1.05.</summary>
    [Fact]
    public void Ticks_are_round_numbers_and_the_axes_say_what_they_measure_and_which_way_is_better()
    {
        var svg = SvgChart.Render(s_report);
        var ticks = TickLabel().Matches(svg).Select(m => m.Groups[1].Value).ToList();

        Assert.Equal("0.5 1 2 5 10 20 50 | 0.2 0.4 0.6 0.8 1 1.2", string.Join(" ", ticks[..7]) + " | " + string.Join(" ", ticks[7..]));
        Assert.Contains(">held-out perplexity ratio to generation 0 (lower is better)</text>", svg);
        Assert.Contains(">generated-text entropy ratio to generation 0 (higher is better)</text>", svg);
        Assert.Equal(2, Regex.Matches(svg, ">generation \\(0: trained on real text\\)</text>").Count);
        Assert.Single(Regex.Matches(svg, ">log scale</text>"));
    }

    /// <summary>
    /// A snapshot reviewed on one machine must read the same bytes on a German one. The tests run without ICU
    /// (invariant globalization), so the culture is the invariant one with German separators.
    /// </summary>
    [Fact]
    public void The_chart_is_the_same_in_any_culture()
    {
        var invariant = SvgChart.Render(s_report);
        var german = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        (german.NumberFormat.NumberDecimalSeparator, german.NumberFormat.NumberGroupSeparator) = (",", ".");
        var previous = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = german;
            Assert.Equal("1,5", 1.5.ToString());
            Assert.Equal(invariant, SvgChart.Render(s_report));
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    /// <summary>A y-axis tick's label: right-aligned text with no other attribute, unlike the ×1 and log-scale notes.</summary>
    [GeneratedRegex("<text x=\"[0-9.]+\" y=\"[0-9.]+\" text-anchor=\"end\">([^<]+)</text>")]
    private static partial Regex TickLabel();
}
