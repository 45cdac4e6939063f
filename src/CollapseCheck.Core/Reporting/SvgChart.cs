using System.Globalization;
using System.Security;
using System.Text;
using CollapseCheck.Gate;

namespace CollapseCheck.Reporting;

/// <summary>
/// collapsecheck-report.svg: two panels, held-out perplexity ×gen0 and generated entropy ×gen0 by generation,
/// each with the measured line, the theory's prediction, the gate's threshold and generation 0's level (×1); a failed
/// check, a failed budget too, is ringed red. Plain SVG with a generic font and no script, so GitHub's file view shows
/// it as it is.
/// </summary>
public static class SvgChart
{
    private const int PanelWidth = 420;
    private const int Height = 300;
    private const int Left = 58;
    private const int Right = 16;
    private const int Top = 44;
    private const int Bottom = 48;

    private sealed record Series(string Name, string Color, string Dash, IReadOnlyList<(int Generation, double Value)> Points);

    public static string Render(LineageReport report)
    {
        var svg = new StringBuilder();
        svg.Append(F($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{2 * PanelWidth}\" height=\"{Height}\" viewBox=\"0 0 {2 * PanelWidth} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n"));
        svg.Append(F($"<rect width=\"{2 * PanelWidth}\" height=\"{Height}\" fill=\"#ffffff\"/>\n"));
        Panel(svg, report, 0, "perplexity ×gen0 (lower is better)", CollapseGate.PerplexityCode, CollapseGate.PerplexityBudgetCode, g => g.RelativeToGeneration0.Perplexity, "ceiling");
        Panel(svg, report, PanelWidth, "entropy ×gen0 (higher is better)", CollapseGate.EntropyCode, CollapseGate.EntropyBudgetCode, g => g.RelativeToGeneration0.UnigramEntropy, "floor");
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void Panel(StringBuilder svg, LineageReport report, int x0, string title, string code, string budgetCode, Func<GenerationRow, double> measured, string thresholdName)
    {
        var checks = report.Gate.Checks.Where(c => c.Code == code).ToList();
        var series = new List<Series>
        {
            // With several seeds the line is their mean, which the generations table (the first seed's) is not.
            new(report.Gate.Seeds.Count > 1 ? "measured (mean)" : "measured", "#1f4e9c", "", [(0, 1.0), .. checks.Select(c => (c.Generation, c.Measured))]),
            new("predicted", "#6a6a6a", "6,4", [(0, 1.0), .. checks.Select(c => (c.Generation, c.Predicted ?? double.NaN))]),
            new(thresholdName, "#c0392b", "2,3", checks.Select(c => (c.Generation, c.Threshold)).ToList()),
        };
        if (checks.Count == 0)
        {
            series[0] = series[0] with { Points = report.Generations.Select(g => (g.Generation, measured(g))).ToList() };
        }

        // A ratio of 0 (a lineage whose generated text collapsed to one token) is the worst case, not a missing one:
        // it keeps the axis linear and inside its range rather than falling below the axis or off a log scale.
        var values = series.SelectMany(s => s.Points.Select(p => p.Value)).Where(double.IsFinite).ToList();
        var log = values.All(v => v > 0) && values.Max() / values.Min() > 8;
        var (lo, hi) = (values.Min(), values.Max());
        Func<double, double> scale = log ? Math.Log10 : v => v;
        var (sLo, sHi) = (scale(lo), scale(hi));
        var pad = Math.Max((sHi - sLo) * 0.08, 0.01);
        (sLo, sHi) = (sLo - pad, sHi + pad);
        var generations = Math.Max(1, report.Generations.Count - 1);
        double X(int g) => x0 + Left + (PanelWidth - Left - Right) * (double)g / generations;
        double Y(double v) => Top + (Height - Top - Bottom) * (1 - (scale(v) - sLo) / (sHi - sLo));

        svg.Append(F($"<text x=\"{x0 + Left}\" y=\"20\" font-weight=\"bold\">{Escape(title)}</text>\n"));
        svg.Append(F($"<line x1=\"{x0 + Left}\" y1=\"{Top}\" x2=\"{x0 + Left}\" y2=\"{Height - Bottom}\" stroke=\"#444\"/>\n"));
        svg.Append(F($"<line x1=\"{x0 + Left}\" y1=\"{Height - Bottom}\" x2=\"{x0 + PanelWidth - Right}\" y2=\"{Height - Bottom}\" stroke=\"#444\"/>\n"));
        for (var g = 0; g <= generations; g++)
        {
            svg.Append(F($"<text x=\"{X(g):F1}\" y=\"{Height - Bottom + 16}\" text-anchor=\"middle\">{g}</text>\n"));
        }

        svg.Append(F($"<text x=\"{x0 + (PanelWidth + Left) / 2}\" y=\"{Height - 12}\" text-anchor=\"middle\">generation</text>\n"));
        for (var i = 0; i <= 4; i++)
        {
            var v = log ? Math.Pow(10, sLo + (sHi - sLo) * i / 4) : sLo + (sHi - sLo) * i / 4;
            svg.Append(F($"<line x1=\"{x0 + Left - 4}\" y1=\"{Y(v):F1}\" x2=\"{x0 + PanelWidth - Right}\" y2=\"{Y(v):F1}\" stroke=\"#e4e4e4\"/>\n"));
            svg.Append(F($"<text x=\"{x0 + Left - 6}\" y=\"{Y(v) + 4:F1}\" text-anchor=\"end\">{Tick(v)}</text>\n"));
        }

        if (log)
        {
            svg.Append(F($"<text x=\"{x0 + PanelWidth - Right}\" y=\"20\" text-anchor=\"end\" fill=\"#666\" font-size=\"11\">log scale</text>\n"));
        }

        // Generation 0's level, which every ratio starts from: above or below it is the direction of change.
        svg.Append(F($"<line x1=\"{x0 + Left}\" y1=\"{Y(1.0):F1}\" x2=\"{x0 + PanelWidth - Right}\" y2=\"{Y(1.0):F1}\" stroke=\"#9a9a9a\" stroke-dasharray=\"1,3\"/>\n"));
        svg.Append(F($"<text x=\"{x0 + PanelWidth - Right - 2}\" y=\"{Y(1.0) - 3:F1}\" text-anchor=\"end\" fill=\"#666\" font-size=\"10\">×1</text>\n"));

        var legendStep = report.Gate.Seeds.Count > 1 ? 130 : 100;
        foreach (var (s, index) in series.Select((s, i) => (s, i)))
        {
            var points = s.Points.Where(p => double.IsFinite(p.Value)).ToList();
            if (points.Count > 1)
            {
                var path = string.Join(" ", points.Select(p => F($"{X(p.Generation):F1},{Y(p.Value):F1}")));
                svg.Append(F($"<polyline points=\"{path}\" fill=\"none\" stroke=\"{s.Color}\" stroke-width=\"2\"{(s.Dash.Length > 0 ? F($" stroke-dasharray=\"{s.Dash}\"") : "")}/>\n"));
            }

            svg.Append(F($"<line x1=\"{x0 + Left + 8 + index * legendStep}\" y1=\"33\" x2=\"{x0 + Left + 26 + index * legendStep}\" y2=\"33\" stroke=\"{s.Color}\" stroke-width=\"2\"{(s.Dash.Length > 0 ? F($" stroke-dasharray=\"{s.Dash}\"") : "")}/>\n"));
            svg.Append(F($"<text x=\"{x0 + Left + 30 + index * legendStep}\" y=\"37\" font-size=\"11\">{Escape(s.Name)}</text>\n"));
        }

        foreach (var c in checks)
        {
            svg.Append(F($"<circle cx=\"{X(c.Generation):F1}\" cy=\"{Y(c.Measured):F1}\" r=\"3.5\" fill=\"#1f4e9c\"/>\n"));
        }

        // A budget is checked at the last generation: a failed one is ringed there like a failed check.
        foreach (var c in checks.Concat(report.Gate.Checks.Where(b => b.Code == budgetCode)).Where(c => !c.Passed))
        {
            svg.Append(F($"<circle cx=\"{X(c.Generation):F1}\" cy=\"{Y(c.Measured):F1}\" r=\"8\" fill=\"none\" stroke=\"#c0392b\" stroke-width=\"2\"><title>{Escape($"{c.Code} at generation {c.Generation}: {c.Reason}")}</title></circle>\n"));
        }
    }

    private static string Tick(double v) => v >= 100 ? F($"{v:F0}") : v >= 10 ? F($"{v:F1}") : F($"{v:F3}");

    private static string Escape(string text) => SecurityElement.Escape(text);

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
