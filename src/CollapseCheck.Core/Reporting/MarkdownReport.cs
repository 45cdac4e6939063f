using System.Globalization;
using System.Text;
using CollapseCheck.Gate;

namespace CollapseCheck.Reporting;

/// <summary>
/// collapsecheck-report.md: what a reviewer reads in a pull request. Verdict first, then per generation the
/// measurements, then the gate's comparison with the theory, so the generation that crossed a threshold and
/// why is on one line. Every number is formatted here with fixed decimals and the invariant culture.
/// </summary>
public static class MarkdownReport
{
    public static string Render(LineageReport r)
    {
        var md = new StringBuilder();
        var gate = r.Gate;
        var lineage = r.Policy.Lineage;
        md.Append($"# CollapseCheck report: {r.Policy.Source}\n\n");
        // The long run has its own line in the gate section; the verdict's word is already in bold.
        md.Append($"**Verdict: {(gate.Passed ? "PASS" : "FAIL")}.** {Capitalized(CollapseGate.Detail(gate))}.\n\n");
        md.Append(F($"Policy: mode `{lineage.Mode}`, {lineage.Generations} generation{(lineage.Generations == 1 ? "" : "s")} after generation 0, m = {lineage.SyntheticTokensPerGeneration:N0} synthetic tokens per generation, sampling temperature {Numbers.Plain(lineage.Sampling.Temperature)}, top-k {lineage.Sampling.TopK}, top-p {Numbers.Plain(lineage.Sampling.TopP)}{(lineage.RealFraction is { } l ? $", real fraction {Numbers.Plain(l)}" : "")}{(lineage.FreshRealTokensPerGeneration > 0 ? F($", {lineage.FreshRealTokensPerGeneration:N0} fresh real tokens per generation") : "")}{Unusual(r.Policy)}.  \n"));
        md.Append(F($"Corpus: {r.Corpus.Description}; tokenizer `{r.Corpus.Tokenizer}` ({r.Corpus.VocabularySize:N0} ids); real pool {r.Corpus.RealPoolTokens:N0} tokens; held-out {r.Corpus.HeldOutTokensScored:N0} tokens scored, end-of-document tokens included ({r.Corpus.HeldOutBytesScored:N0} bytes of text).  \n"));
        if (r.Corpus.HeldOutUnknownTokens is { } unknown)
        {
            md.Append(F($"{unknown:N0} of the held-out tokens ({(double)unknown / r.Corpus.HeldOutTokensScored:P1}) never occur in the training text: each is scored as the one unknown id, which no generation learns to predict, so they raise perplexity and bits per byte by an amount set by training length as much as by the text.  \n"));
        }

        md.Append(F($"Model: {r.Model.Parameters:N0} parameters (layers {r.Model.Layers}, width {r.Model.Width}, heads {r.Model.Heads}, context {r.Model.Context}); {(gate.Seeds.Count == 1 ? "seed" : "seeds")} {string.Join(", ", gate.Seeds)}; device {r.Device}; {r.Tool} {r.ToolVersion}.  \n"));
        md.Append($"Numerics: {r.Numerics.Machine}; fingerprint `{r.Numerics.Fingerprint}` ({(r.Device == "cpu" ? "measured values repeat bit for bit only under the same fingerprint" : "CUDA kernels are not bit-reproducible")}).\n\n");

        md.Append($"## Generations (seed {r.Seed})\n\n");
        md.Append("| gen | training tokens | held-out perplexity ↓ | bits/byte ↓ | training loss (nats/token) ↓ | entropy (bits/token) ↑ | Gini–Simpson ↑ | distinct-1 / 2 / 3 ↑ | tail coverage ↑ | KL real‖gen (bits) ↓ |\n");
        md.Append("|---:|---|---:|---:|---:|---:|---:|---|---:|---:|\n");
        foreach (var g in r.Generations)
        {
            var sources = string.Join(" + ", g.TrainingSet.Sources.Select(kv => F($"{kv.Value:N0} {kv.Key}")));
            var t = g.Generated;
            md.Append(F($"| {g.Generation} | {sources} | {g.HeldOut.Perplexity:F3} | {g.HeldOut.BitsPerByte:F4} | {g.TrainingLoss:F4} | {t.UnigramEntropyBits:F4} | {t.GiniSimpson:F4} | {t.Distinct1:F4} / {t.Distinct2:F4} / {t.Distinct3:F4} | {t.TailCoverage:F4} | {t.KlRealToGeneratedBits:F4} |\n"));
        }

        var real = r.Reference.RealText;
        // Distinct-n, tail coverage and KL all move with the sample's size: say when the held-out text was the smaller.
        var sampled = r.Generations[0].Generated.Tokens;
        var size = r.Reference.SizeCaveat(sampled) ?? "held-out text, same size";
        md.Append(F($"| real | {size} | uniform model: {r.Reference.UniformPerplexity:F0}; unigram model: {r.Reference.UnigramPerplexity:F3} | | | {real.UnigramEntropyBits:F4} | {real.GiniSimpson:F4} | {real.Distinct1:F4} / {real.Distinct2:F4} / {real.Distinct3:F4} | {real.TailCoverage:F4} | {real.KlRealToGeneratedBits:F4} |\n\n"));
        if (r.Reference.Undertrained(r.Generations[0].HeldOut.Perplexity))
        {
            md.Append($"**Warning:** {r.Reference.UndertrainedWarning(r.Generations[0].HeldOut.Perplexity)}.\n\n");
        }

        AppendGate(md, gate);
        AppendDefinitions(md, r);
        return md.ToString();
    }

    private static void AppendGate(StringBuilder md, GateVerdict gate)
    {
        md.Append("## Gate: measured degradation against the theory\n\n");
        md.Append(F($"Prediction: {gate.PredictionSource}. Ceilings are the prediction × {1 + gate.Tolerance:0.00######}{(gate.Seeds.Count > 1 ? " plus the noise margin" : "")}, floors the prediction / {1 + gate.Tolerance:0.00######}{(gate.Seeds.Count > 1 ? " minus it (not below 0)" : "")}; noise margin: {gate.MarginMethod}. {RatiosSentence(gate)}\n\n"));
        md.Append("| gen | perplexity ×gen0 ↓ (predicted → ceiling) | entropy ×gen0 ↑ (predicted → floor) | diversity (Gini–Simpson) ×gen0 ↑ (predicted → floor) | verdict |\n");
        md.Append("|---:|---|---|---|---|\n");
        foreach (var row in gate.Checks.Where(c => c.Predicted is not null).GroupBy(c => c.Generation))
        {
            var cells = row.Select(c => (Check: c, Printed: GateNumbers.Apart(c.Measured, c.Threshold)))
                .Select(x => F($"{(x.Check.Passed ? "" : "**")}{x.Printed.Measured}{(x.Check.Passed ? "" : "**")} ({x.Check.Predicted?.ToString("F" + GateNumbers.Decimals(x.Printed.Threshold), CultureInfo.InvariantCulture)} → {x.Printed.Threshold})"));
            var failed = row.Where(c => !c.Passed).ToList();
            var verdict = failed.Count == 0 ? "pass" : "**fail**: " + string.Join("; ", failed.Select(c => $"{c.Code} {c.Metric} {c.Reason}"));
            md.Append($"| {row.Key} | {string.Join(" | ", cells)} | {verdict} |\n");
        }

        md.Append('\n');
        AppendPerSeed(md, gate);
        foreach (var budget in gate.Checks.Where(c => c.Predicted is null))
        {
            md.Append($"- Budget, {budget.Metric} at generation {budget.Generation}: {budget.Reason}: **{(budget.Passed ? "pass" : "fail")}**.\n");
        }

        md.Append($"- Long run ({gate.LongRun}): {gate.LongRunSentence}\n");
        foreach (var failure in gate.Failures)
        {
            md.Append($"- **{failure.Code}** (`{failure.PolicyField}`): {failure.Message}\n");
        }

        md.Append('\n');
    }

    private static string RatiosSentence(GateVerdict gate) => gate.Seeds.Count < 2
        ? "Ratios are relative to generation 0."
        : $"Ratios are relative to the same seed's generation 0, averaged over the {gate.Seeds.Count} seeds.";

    /// <summary>
    /// With several seeds the gate table shows their mean; each seed's own ratio and the margin their spread adds to a
    /// ceiling (or takes from a floor) are what a reviewer needs to tell a real change from one unlucky seed.
    /// </summary>
    private static void AppendPerSeed(StringBuilder md, GateVerdict gate)
    {
        if (gate.Seeds.Count < 2)
        {
            return;
        }

        md.Append($"Per seed ({string.Join(", ", gate.Seeds)}, in that order), each ratio to its own generation 0, and the noise margin (2 × their sample standard deviation) in the thresholds above:\n\n");
        md.Append("| gen | perplexity ×gen0 ↓ | entropy ×gen0 ↑ | diversity (Gini–Simpson) ×gen0 ↑ |\n");
        md.Append("|---:|---|---|---|\n");
        foreach (var row in gate.Checks.Where(c => c.Predicted is not null).GroupBy(c => c.Generation))
        {
            var cells = row.Select(c => string.Join(", ", c.PerSeed.Select(v => F($"{v:F4}"))) + F($" (margin {c.Margin:F4})"));
            md.Append($"| {row.Key} | {string.Join(" | ", cells)} |\n");
        }

        md.Append('\n');
    }

    /// <summary>
    /// Settings that change what the numbers mean, named only when set, so the default report reads as before: a
    /// reviewer must not take continued training (warm start) or a cut sampler for a policy's effect.
    /// </summary>
    private static string Unusual(PolicyEcho policy)
    {
        var parts = new List<string>();
        if (policy.Lineage.TrainingTokens is { } n)
        {
            parts.Add(F($"n = {n:N0} training tokens"));
        }

        if (policy.Lineage.Sampling.MaxLength is { } maxLength)
        {
            parts.Add(F($"documents sampled up to {maxLength} tokens"));
        }

        if (policy.Lineage.Filters.Dedupe)
        {
            parts.Add("duplicate samples dropped (dedupe)");
        }

        if (policy.Training.Precision is { } precision and not "fp32")
        {
            parts.Add($"training in {precision}");
        }

        if (policy.Training.WarmStart)
        {
            parts.Add("warm start: each generation continues from its predecessor's weights, so its ratios to generation 0 include that extra training");
        }

        return string.Concat(parts.Select(p => ", " + p));
    }

    private static void AppendDefinitions(StringBuilder md, LineageReport r)
    {
        md.Append("## Metrics\n\n| metric | unit | better | meaning |\n|---|---|---|---|\n");
        foreach (var m in r.Metrics)
        {
            md.Append($"| `{m.Name}` | {m.Unit} | {m.Better} | {m.Meaning} |\n");
        }
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>The verdict's detail begins a sentence after the bold verdict.</summary>
    private static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
