using System.Globalization;
using System.Security;
using System.Text;
using CollapseCheck.Gate;

namespace CollapseCheck.Reporting;

/// <summary>
/// collapsecheck-report.svg: a header naming the policy and its mode and giving the gate's verdict in words, then two
/// panels, held-out perplexity ×gen0 and generated entropy ×gen0 by generation, each with the measured line, the
/// theory's prediction, the gate's threshold, the policy's budget where it sets one, and generation 0's level (ratio 1),
/// on round ticks (<see cref="AxisTicks"/>); a failed check, a failed budget too, is ringed red. Plain SVG with a generic font and no script, so GitHub's file
/// view shows it as it is; its title and description are what a screen reader announces.
/// </summary>
public static class SvgChart
{
    private const int Width = 960;
    private const int PanelWidth = Width / 2;
    private const int Height = 400;
    private const int Left = 56;
    private const int Right = 20;
    private const int Top = 140;
    private const int Bottom = 52;

    /// <summary>How far from 1 an axis reaches at most: ratios live near 1, and a threshold of 1e300 spans no axis.</summary>
    private const double FarOff = 1e6;
    private const string Pass = "#1e7b34";
    private const string Fail = "#c0392b";

    private sealed record Series(string Name, string Color, string Dash, IReadOnlyList<(int Generation, double Value)> Points);

    private sealed record PanelSpec(string Label, string Code, string BudgetCode, Func<GenerationRow, double> Measured, string ThresholdName);

    private static readonly PanelSpec s_perplexity = new("held-out perplexity ratio to generation 0 (lower is better)",
        CollapseGate.PerplexityCode, CollapseGate.PerplexityBudgetCode, g => g.RelativeToGeneration0.Perplexity, "ceiling");

    private static readonly PanelSpec s_entropy = new("generated-text entropy ratio to generation 0 (higher is better)",
        CollapseGate.EntropyCode, CollapseGate.EntropyBudgetCode, g => g.RelativeToGeneration0.UnigramEntropy, "floor");

    public static string Render(LineageReport report)
    {
        var gate = report.Gate;
        var title = Title(report);
        var svg = new StringBuilder();
        svg.Append(F($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\" role=\"img\" aria-labelledby=\"collapsecheck-title collapsecheck-desc\">\n"));
        svg.Append($"<title id=\"collapsecheck-title\">{Escape($"{title}: gate {Word(gate)}")}</title>\n");
        svg.Append($"<desc id=\"collapsecheck-desc\">{Escape(Description(report))}</desc>\n");
        svg.Append(F($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"#ffffff\"/>\n"));
        svg.Append($"<text x=\"16\" y=\"26\" font-size=\"16\" font-weight=\"bold\">{Escape(title)}</text>\n");
        svg.Append($"<text x=\"16\" y=\"47\" fill=\"#333\">{Escape(Subtitle(report))}</text>\n");
        // The verdict in words, on a badge whose colour only repeats them: a reader who cannot tell red from green, or
        // sees the chart printed grey, reads PASS or FAIL all the same.
        svg.Append("<text x=\"16\" y=\"76\" font-size=\"13\" font-weight=\"bold\">Gate:</text>\n");
        svg.Append($"<rect x=\"62\" y=\"60\" width=\"56\" height=\"22\" rx=\"3\" fill=\"{(gate.Passed ? Pass : Fail)}\"/>\n");
        svg.Append($"<text x=\"90\" y=\"76\" font-size=\"13\" font-weight=\"bold\" fill=\"#ffffff\" text-anchor=\"middle\">{Word(gate)}</text>\n");
        svg.Append($"<text x=\"128\" y=\"76\" font-size=\"13\">{Escape(VerdictDetail(gate))}</text>\n");
        Panel(svg, report, 0, s_perplexity);
        Panel(svg, report, PanelWidth, s_entropy);
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static string Title(LineageReport r) => $"CollapseCheck: {r.Policy.Source}, mode {r.Policy.Lineage.Mode}";

    private static string Subtitle(LineageReport r)
    {
        var seeds = r.Gate.Seeds.Count > 1 ? $"mean of seeds {string.Join(", ", r.Gate.Seeds)}" : $"seed {r.Seed}";
        var generations = r.Policy.Lineage.Generations;
        return F($"Held-out perplexity and generated-text entropy as ratios to generation 0, over {generations} generation{(generations == 1 ? "" : "s")} of {r.Policy.Lineage.SyntheticTokensPerGeneration:N0} synthetic tokens; {seeds}");
    }

    private static string Word(GateVerdict gate) => gate.Passed ? "PASS" : "FAIL";

    /// <summary>What passed, or which findings failed it by code ("2 × CC1002"): each one's reason is in the Markdown.</summary>
    private static string VerdictDetail(GateVerdict gate)
    {
        if (gate.Passed)
        {
            return CollapseGate.Detail(gate);
        }

        var codes = gate.Failures.GroupBy(f => f.Code).Select(g => g.Count() > 1 ? $"{g.Count()} × {g.Key}" : g.Key);
        var ringed = gate.Checks.Any(c => !c.Passed && c.Code is CollapseGate.PerplexityCode or CollapseGate.EntropyCode or CollapseGate.PerplexityBudgetCode or CollapseGate.EntropyBudgetCode);
        return $"{gate.Failures.Count} finding{(gate.Failures.Count == 1 ? "" : "s")}: {string.Join(", ", codes)}{(ringed ? "; failed checks are ringed in red" : "")}";
    }

    /// <summary>The chart's content for a reader who cannot see it: the verdict, the panels, and where the last generation ended.</summary>
    private static string Description(LineageReport r)
    {
        var last = r.Gate.Checks.Where(c => c.Predicted is not null).GroupBy(c => c.Generation).LastOrDefault();
        var ended = last is null ? "" : $" At generation {last.Key}: " + string.Join("; ", last
            .Where(c => c.Code is CollapseGate.PerplexityCode or CollapseGate.EntropyCode)
            .Select(c => (Check: c, Printed: GateNumbers.Apart(c.Measured, c.Threshold)))
            .Select(x => $"{x.Check.Metric} {x.Printed.Measured} against a {(x.Check.Better == "lower" ? "ceiling" : "floor")} of {x.Printed.Threshold}")) + ".";
        return $"{Subtitle(r)}. Gate: {r.Gate.Summary}. Left: {s_perplexity.Label}; right: {s_entropy.Label}; each shows the measured ratio, the theory's prediction and the gate's threshold per generation.{ended}";
    }

    private static void Panel(StringBuilder svg, LineageReport report, int x0, PanelSpec spec)
    {
        var checks = report.Gate.Checks.Where(c => c.Code == spec.Code).ToList();
        var series = new List<Series>
        {
            // With several seeds the line is their mean, which the generations table (the first seed's) is not.
            new(report.Gate.Seeds.Count > 1 ? "measured (mean)" : "measured", "#1f4e9c", "", [(0, 1.0), .. checks.Select(c => (c.Generation, c.Measured))]),
            new("predicted", "#6a6a6a", "6,4", [(0, 1.0), .. checks.Select(c => (c.Generation, c.Predicted ?? double.NaN))]),
            new(spec.ThresholdName, Fail, "2,3", checks.Select(c => (c.Generation, c.Threshold)).ToList()),
        };
        if (checks.Count == 0)
        {
            series[0] = series[0] with { Points = report.Generations.Select(g => (g.Generation, spec.Measured(g))).ToList() };
        }

        // A ratio of 0 (a lineage whose generated text collapsed to one token) is the worst case, not a missing one:
        // it keeps the axis linear and inside its range rather than falling below the axis or off a log scale.
        // The policy's budget is a line of its own: a ring on a point far inside the theory's threshold said nothing of why.
        var budget = report.Gate.Checks.FirstOrDefault(b => b.Code == spec.BudgetCode && double.IsFinite(b.Threshold));
        // Within a million-fold of 1: a policy may set a tolerance or budget of 1e300, which no axis spans; beyond the
        // range its line runs along the panel's edge (Y clamps), and the label still gives its value.
        var values = series.SelectMany(s => s.Points.Select(p => p.Value)).Append(budget?.Threshold ?? double.NaN).Where(double.IsFinite)
            .Select(v => v > 0 ? Math.Clamp(v, 1 / FarOff, FarOff) : Math.Max(v, -FarOff)).ToList();
        var log = values.All(v => v > 0) && values.Max() / values.Min() > 8;
        Func<double, double> scale = log ? Math.Log10 : v => v;
        Func<double, double> unscale = log ? v => Math.Pow(10, v) : v => v;
        // A little room beyond the data, so a line at the extreme does not run along the frame, then out to round ticks.
        var (lo, hi) = (scale(values.Min()), scale(values.Max()));
        var pad = (hi - lo) * 0.04;
        var ticks = log ? AxisTicks.Logarithmic(unscale(lo - pad), unscale(hi + pad)) : AxisTicks.Linear(lo - pad, hi + pad);
        var (sLo, sHi) = (scale(ticks[0]), scale(ticks[^1]));
        var generations = Math.Max(1, report.Generations.Count - 1);
        double X(int g) => x0 + Left + (PanelWidth - Left - Right) * (double)g / generations;
        double Y(double v) => Top + (Height - Top - Bottom) * (1 - (Math.Clamp(scale(v), sLo, sHi) - sLo) / (sHi - sLo));

        svg.Append(F($"<text x=\"{x0 + 16}\" y=\"{Top - 34}\" font-weight=\"bold\">{Escape(spec.Label)}</text>\n"));
        if (log)
        {
            svg.Append(F($"<text x=\"{x0 + PanelWidth - Right}\" y=\"{Top - 5}\" text-anchor=\"end\" fill=\"#666\" font-size=\"11\">log scale</text>\n"));
        }

        svg.Append(F($"<line x1=\"{x0 + Left}\" y1=\"{Top}\" x2=\"{x0 + Left}\" y2=\"{Height - Bottom}\" stroke=\"#444\"/>\n"));
        svg.Append(F($"<line x1=\"{x0 + Left}\" y1=\"{Height - Bottom}\" x2=\"{x0 + PanelWidth - Right}\" y2=\"{Height - Bottom}\" stroke=\"#444\"/>\n"));
        for (var g = 0; g <= generations; g++)
        {
            svg.Append(F($"<text x=\"{X(g):F1}\" y=\"{Height - Bottom + 16}\" text-anchor=\"middle\">{g}</text>\n"));
        }

        svg.Append(F($"<text x=\"{x0 + (PanelWidth + Left - Right) / 2}\" y=\"{Height - 14}\" text-anchor=\"middle\">generation (0: trained on real text)</text>\n"));
        foreach (var tick in ticks)
        {
            svg.Append(F($"<line x1=\"{x0 + Left - 4}\" y1=\"{Y(tick):F1}\" x2=\"{x0 + PanelWidth - Right}\" y2=\"{Y(tick):F1}\" stroke=\"#e4e4e4\"/>\n"));
            svg.Append(F($"<text x=\"{x0 + Left - 6}\" y=\"{Y(tick) + 4:F1}\" text-anchor=\"end\">{Numbers.Plain(tick)}</text>\n"));
        }

        // Generation 0's level, which every ratio starts from: above or below it is the direction of change. Unlabelled:
        // the axis names 1, and a "×1" at the line's end sat on the prediction, which is about 1 wherever real text stays.
        svg.Append(F($"<line x1=\"{x0 + Left}\" y1=\"{Y(1.0):F1}\" x2=\"{x0 + PanelWidth - Right}\" y2=\"{Y(1.0):F1}\" stroke=\"#9a9a9a\" stroke-dasharray=\"1,3\"/>\n"));

        if (budget is not null)
        {
            const string BudgetColor = "#b35900";
            // Checked at the last generation only: drawn over the last step, so earlier points are not read against it.
            var from = X(Math.Max(0, budget.Generation - 1));
            svg.Append(F($"<line x1=\"{from:F1}\" y1=\"{Y(budget.Threshold):F1}\" x2=\"{X(budget.Generation):F1}\" y2=\"{Y(budget.Threshold):F1}\" stroke=\"{BudgetColor}\" stroke-width=\"1.5\" stroke-dasharray=\"8,3\"/>\n"));
            svg.Append(F($"<text x=\"{X(budget.Generation):F1}\" y=\"{Y(budget.Threshold) - 4:F1}\" text-anchor=\"end\" font-size=\"11\" fill=\"{BudgetColor}\">{Escape($"budget {(budget.Better == "lower" ? "≤" : "≥")} {Numbers.Plain(budget.Threshold)} at generation {budget.Generation}")}</text>\n"));
        }

        var legendStep = report.Gate.Seeds.Count > 1 ? 130 : 100;
        foreach (var (s, index) in series.Select((s, i) => (s, i)))
        {
            var points = s.Points.Where(p => double.IsFinite(p.Value)).ToList();
            var dash = s.Dash.Length > 0 ? F($" stroke-dasharray=\"{s.Dash}\"") : "";
            if (points.Count > 1)
            {
                var path = string.Join(" ", points.Select(p => F($"{X(p.Generation):F1},{Y(p.Value):F1}")));
                svg.Append(F($"<polyline points=\"{path}\" fill=\"none\" stroke=\"{s.Color}\" stroke-width=\"2\"{dash}/>\n"));
            }

            var x = x0 + Left + 8 + index * legendStep;
            svg.Append(F($"<line x1=\"{x}\" y1=\"{Top - 18}\" x2=\"{x + 18}\" y2=\"{Top - 18}\" stroke=\"{s.Color}\" stroke-width=\"2\"{dash}/>\n"));
            svg.Append(F($"<text x=\"{x + 22}\" y=\"{Top - 14}\" font-size=\"11\">{Escape(s.Name)}</text>\n"));
        }

        // A measured ratio past the axis (∞: a perplexity that overflowed) sits on the panel's edge, marked ∞, so the
        // worst generation still gets its dot and its ring; NaN has no place at all.
        double Plotted(double v) => Math.Clamp(Y(Math.Clamp(v, ticks[0], ticks[^1])), Top, Height - Bottom);
        foreach (var c in checks.Where(c => !double.IsNaN(c.Measured)))
        {
            svg.Append(F($"<circle cx=\"{X(c.Generation):F1}\" cy=\"{Plotted(c.Measured):F1}\" r=\"3.5\" fill=\"#1f4e9c\"/>\n"));
            if (!double.IsFinite(c.Measured))
            {
                svg.Append(F($"<text x=\"{X(c.Generation) + 10:F1}\" y=\"{Plotted(c.Measured) + 4:F1}\" font-size=\"11\" fill=\"#1f4e9c\">{(c.Measured > 0 ? "∞" : "−∞")}</text>\n"));
            }
        }

        // A budget is checked at the last generation: a failed one is ringed there like a failed check.
        foreach (var c in checks.Concat(report.Gate.Checks.Where(b => b.Code == spec.BudgetCode)).Where(c => !c.Passed && !double.IsNaN(c.Measured)))
        {
            svg.Append(F($"<circle cx=\"{X(c.Generation):F1}\" cy=\"{Plotted(c.Measured):F1}\" r=\"8\" fill=\"none\" stroke=\"{Fail}\" stroke-width=\"2\"><title>{Escape($"{c.Code} at generation {c.Generation}: {c.Reason}")}</title></circle>\n"));
        }
    }

    /// <summary>
    /// Markup-escaped, and every character XML forbids (a control character in a policy's file name) as U+FFFD: one
    /// left in made the whole chart unreadable to a browser.
    /// </summary>
    private static string Escape(string text)
    {
        var valid = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (i + 1 < text.Length && System.Xml.XmlConvert.IsXmlSurrogatePair(text[i + 1], text[i]))
            {
                valid.Append(text, i++, 2);
            }
            else
            {
                valid.Append(System.Xml.XmlConvert.IsXmlChar(text[i]) ? text[i] : '\uFFFD');
            }
        }

        return SecurityElement.Escape(valid.ToString());
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
