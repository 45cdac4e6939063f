using System.Globalization;
using CollapseCheck.Gate;
using CollapseCheck.Reporting;

namespace CollapseCheck.Tool.Commands;

/// <summary>The per-generation numbers a person wants first, as plain aligned text (stable in CI logs).</summary>
internal static class SummaryTable
{
    public static void Write(TextWriter writer, LineageReport report)
    {
        var c = CultureInfo.InvariantCulture;
        writer.WriteLine($"Policy: {report.Policy.Source} — mode {report.Policy.Lineage.Mode}, {report.Policy.Lineage.Generations} generation{(report.Policy.Lineage.Generations == 1 ? "" : "s")} after generation 0, m = {report.Policy.Lineage.SyntheticTokensPerGeneration} synthetic tokens/generation, tokenizer {report.Corpus.Tokenizer}");
        writer.WriteLine($"Corpus: {report.Corpus.Description}; real pool {report.Corpus.RealPoolTokens} tokens, {report.Corpus.HeldOutTokensScored} held-out tokens scored per generation");
        writer.WriteLine();
        if (report.Gate.Seeds.Count > 1)
        {
            // The gate's rows below are means over the seeds; these are one lineage's, as in the Markdown.
            writer.WriteLine($"Seed {report.Seed} (the gate uses the mean of seeds {string.Join(", ", report.Gate.Seeds)}):");
        }

        writer.WriteLine("gen  train tokens  held-out ppl ↓  bits/byte ↓  ppl ×gen0 ↓  entropy bits ↑  distinct-2 ↑  tail cov ↑  KL bits ↓");
        foreach (var g in report.Generations)
        {
            writer.WriteLine(string.Create(c,
                $"{g.Generation,3}  {g.TrainingSet.Tokens,12}  {g.HeldOut.Perplexity,14:F3}  {g.HeldOut.BitsPerByte,11:F4}  {g.RelativeToGeneration0.Perplexity,11:F4}  {g.Generated.UnigramEntropyBits,14:F4}  {g.Generated.Distinct2,12:F4}  {g.Generated.TailCoverage,10:F4}  {g.Generated.KlRealToGeneratedBits,9:F4}"));
        }

        var real = report.Reference.RealText;
        writer.WriteLine(string.Create(c,
            $"real held-out text ({report.Reference.SizeCaveat(report.Generations[0].Generated.Tokens) ?? "same size"}): entropy {real.UnigramEntropyBits:F4} bits, distinct-2 {real.Distinct2:F4}, tail coverage {real.TailCoverage:F4}; perplexity of the uniform model {report.Reference.UniformPerplexity:F0}, of the unigram model {report.Reference.UnigramPerplexity:F3}"));
        writer.WriteLine();
        WriteGate(writer, report);
    }

    private static void WriteGate(TextWriter writer, LineageReport report)
    {
        static string Cell(GateCheck check)
        {
            var (measured, threshold) = GateNumbers.Apart(check.Measured, check.Threshold);
            return $"{measured} / {threshold} {(check.Passed ? "ok" : "FAIL")}";
        }

        var gate = report.Gate;
        writer.WriteLine($"Gate: predictions from the {gate.PredictionSource}, tolerance {Numbers.Plain(gate.Tolerance)}");
        writer.WriteLine($"Margin: {gate.MarginMethod}");
        string[] headers = ["ppl ×gen0 ↓ measured / ceiling", "entropy ×gen0 ↑ measured / floor", "diversity ×gen0 ↑ measured / floor"];
        var rows = gate.Checks.Where(c => c.Predicted is not null).GroupBy(c => c.Generation)
            .Select(row => (Generation: row.Key, Cells: row.Select(Cell).ToArray()))
            .ToList();
        // Each column as wide as its header or its widest cell (a three-digit ceiling), so the columns stay in line.
        var widths = headers.Select((h, i) => rows.Select(r => i < r.Cells.Length ? r.Cells[i].Length : 0).Append(h.Length).Max()).ToArray();
        writer.WriteLine("gen  " + string.Join("    ", headers.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
        foreach (var (generation, cells) in rows)
        {
            writer.WriteLine($"{generation,3}  " + string.Join("    ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
        }

        foreach (var budget in gate.Checks.Where(c => c.Predicted is null))
        {
            writer.WriteLine($"budget: {budget.Metric} at generation {budget.Generation}: {budget.Reason} {(budget.Passed ? "ok" : "FAIL")}");
        }

        // A passing verdict's line names the long run; a failing one lists findings, so the table says it.
        if (!gate.Passed)
        {
            writer.WriteLine($"long run: {gate.LongRunSentence}");
        }

        writer.WriteLine();
    }
}
