using CollapseCheck.Snapshots;

namespace CollapseCheck.Core.Tests.Snapshots;

public class ReportComparerTests
{
    private static readonly string[] s_measured = ["generations.*.heldOut.*", "gate.summary"];

    private static string Report(double perplexity, string mode = "replace", string summary = "pass: 1.0000", int generations = 1) =>
        $$"""
        { "policy": { "mode": "{{mode}}" },
          "generations": [{{string.Join(",", Enumerable.Range(0, generations).Select(g => $$"""{ "generation": {{g}}, "heldOut": { "perplexity": {{perplexity.ToString(System.Globalization.CultureInfo.InvariantCulture)}} } }"""))}}],
          "gate": { "summary": "{{summary}}", "passed": true } }
        """;

    [Fact]
    public void Identical_reports_have_no_differences() =>
        Assert.Empty(ReportComparer.Compare(Report(16.3), Report(16.3), s_measured, 0));

    [Fact]
    public void A_differing_text_is_shown_as_the_report_writes_it_not_escaped()
    {
        var difference = Assert.Single(ReportComparer.Compare("{ \"m\": \"2 × sd\" }", "{ \"m\": \"2 × sd − 1\" }", s_measured, 0));
        Assert.Equal(("\"2 × sd\"", "\"2 × sd − 1\""), (difference.Verified, difference.Received));
    }

    [Fact]
    public void A_number_written_another_way_is_the_same_number() =>
        Assert.Empty(ReportComparer.Compare("{ \"t\": 1e-05, \"n\": 2 }", "{ \"t\": 1E-05, \"n\": 2.0 }", s_measured, 0));

    [Fact]
    public void Measured_numbers_may_differ_within_the_relative_tolerance_only()
    {
        Assert.Empty(ReportComparer.Compare(Report(100.0), Report(100.9), s_measured, 0.01));
        var beyond = Assert.Single(ReportComparer.Compare(Report(100.0), Report(101.1), s_measured, 0.01));
        Assert.Equal("generations.0.heldOut.perplexity", beyond.Path);
        Assert.Equal("generations.0 (generation 0).heldOut.perplexity", beyond.Where);
        Assert.Equal("100", beyond.Verified);
        Assert.Equal("101.1", beyond.Received);
    }

    [Theory]
    [InlineData("1e400")]
    [InlineData("-1e400")]
    [InlineData("1e309")]
    public void A_measured_number_past_a_doubles_range_is_never_within_the_tolerance(string edited)
    {
        // It reads as infinity, and |∞ − ∞| ≤ tolerance × ∞ held: a tampered snapshot verified.
        var tampered = Report(168.057).Replace("168.057", edited);
        Assert.Single(ReportComparer.Compare(tampered, Report(168.057), s_measured, 0.01));
        Assert.Single(ReportComparer.Compare(Report(168.057), tampered, s_measured, 0.01));
    }

    [Fact]
    public void Without_tolerance_every_difference_counts()
    {
        Assert.Single(ReportComparer.Compare(Report(100.0), Report(100.0000001), s_measured, 0));
        Assert.Single(ReportComparer.Compare(Report(1, summary: "a"), Report(1, summary: "b"), s_measured, 0));
    }

    [Fact]
    public void Fields_that_are_not_measured_must_match_exactly_even_with_a_tolerance()
    {
        var difference = Assert.Single(ReportComparer.Compare(Report(16.3), Report(16.3, mode: "accumulate"), s_measured, 0.5));
        Assert.Equal("policy.mode", difference.Path);
    }

    [Fact]
    public void Measured_text_is_left_to_its_numbers_under_a_tolerance() =>
        Assert.Empty(ReportComparer.Compare(Report(1, summary: "pass: 1.0000"), Report(1, summary: "pass: 1.0001"), s_measured, 0.01));

    [Theory]
    // A probe's edit verified on the machine that made the snapshot: the text was skipped whenever a tolerance applied.
    [InlineData("pass: 1.0000", "tampered", false)]
    [InlineData("pass: 1.0000 (15 checks)", "pass: 1.0000 (16 checks)", false)]
    [InlineData("1.0107 is within the ceiling 1.2505", "1.0107 exceeds the ceiling 1.2505", false)]
    // Two roundings of values within the tolerance differ by one unit of the last digit at most, and decimals vary
    // where the gate prints a value and its threshold apart.
    [InlineData("0.96412 against at least 0.96418", "0.9641 against at least 0.9642", true)]
    [InlineData("pass: 1.0000", "pass: 1.0001", true)]
    [InlineData("pass: 1.0000", "pass: 1.0002", false)]
    public void Measured_text_must_say_the_same_words_with_numbers_as_close_as_their_printing_allows(string verified, string received, bool same) =>
        Assert.Equal(same, ReportComparer.Compare(Report(1, summary: verified), Report(1, summary: received), s_measured, 1e-5).Count == 0);

    [Fact]
    public void Uncompared_fields_are_left_out_unless_a_measured_pattern_names_them()
    {
        string[] everything = ["generations.*.heldOut.*", "gate.summary"];
        Assert.Empty(ReportComparer.Compare(Report(16.3, summary: "a"), Report(99.9, summary: "b"), [], 0, uncompared: everything));
        // A ratio from a zero baseline is null: not compared, it is a measured value like any other.
        Assert.Empty(ReportComparer.Compare(Report(16.3).Replace("16.3", "null"), Report(16.3), [], 0, uncompared: everything));
        var difference = Assert.Single(ReportComparer.Compare(Report(16.3), Report(99.9, mode: "mix"), [], 0, uncompared: everything));
        Assert.Equal("policy.mode", difference.Path);
        Assert.Contains(ReportComparer.Compare(Report(16.3, generations: 2), Report(16.3, generations: 1), [], 0, uncompared: everything),
            d => d.Path == "generations.1");
        // Named by a measured pattern too: compared, with the tolerance.
        var loose = Assert.Single(ReportComparer.Compare(Report(16.3, summary: "a"), Report(99.9, summary: "b"), ["generations.*.heldOut.perplexity"], 0.05, uncompared: everything));
        Assert.Equal("generations.0.heldOut.perplexity", loose.Path);
    }

    [Fact]
    public void A_changed_shape_is_a_difference()
    {
        var differences = ReportComparer.Compare(Report(16.3, generations: 2), Report(16.3, generations: 1), s_measured, 0.5);
        Assert.Contains(differences, d => d.Path == "generations.1" && d.Received == "(absent)");
    }

    [Fact]
    public void A_null_is_shown_as_null_and_a_missing_field_as_absent_and_the_two_still_compare_equal()
    {
        var differences = ReportComparer.Compare("""{ "budget": null, "seeds": 2, "off": null }""", """{ "budget": 0.01, "off": null }""", [], 0);

        Assert.Equal([("budget", "null", "0.01"), ("seeds", "2", "(absent)")], differences.Select(d => (d.Path, d.Verified, d.Received)));
        Assert.Empty(ReportComparer.Compare("""{ "budget": null }""", "{ }", [], 0));
    }

    [Fact]
    public void An_ignored_field_is_left_out_with_everything_under_it_and_nothing_else()
    {
        const string Report = """{ "policy": { "mode": "MODE", "verify": { "tolerance": TOLERANCE } } }""";
        string With(string mode, string tolerance) => Report.Replace("MODE", mode).Replace("TOLERANCE", tolerance);
        Assert.Empty(ReportComparer.Compare(With("replace", "1e-5"), With("replace", "0.001"), s_measured, 0, ["policy.verify"]));
        var difference = Assert.Single(ReportComparer.Compare(With("replace", "1e-5"), With("mix", "0.001"), s_measured, 0, ["policy.verify"]));
        Assert.Equal("policy.mode", difference.Path);
        Assert.Equal(2, ReportComparer.Compare(With("replace", "1e-5"), With("mix", "0.001"), s_measured, 0).Count);
    }

    [Fact]
    public void A_gate_check_is_named_by_its_generation_and_metric_for_a_person()
    {
        const string Check = """{ "gate": { "checks": [ { "generation": 1, "metric": "entropy ×gen0", "threshold": 0.9 }, { "generation": 2, "metric": "held-out perplexity ×gen0", "threshold": THRESHOLD } ] } }""";
        var difference = Assert.Single(ReportComparer.Compare(Check.Replace("THRESHOLD", "1.25"), Check.Replace("THRESHOLD", "1.5"), s_measured, 0));
        Assert.Equal("gate.checks.1.threshold", difference.Path);
        Assert.Equal("gate.checks.1 (generation 2, held-out perplexity ×gen0).threshold", difference.Where);
    }

    [Theory]
    [InlineData("generations.*.heldOut.*", "generations.3.heldOut.perplexity", true)]
    [InlineData("generations.*.heldOut.*", "generations.3.heldOut", false)]
    [InlineData("gate.checks.*.perSeed.*", "gate.checks.0.perSeed.1", true)]
    [InlineData("gate.summary", "gate.passed", false)]
    public void Patterns_match_one_segment_per_star(string pattern, string path, bool expected) =>
        Assert.Equal(expected, ReportComparer.Matches(pattern, path.Split('.')));
}
