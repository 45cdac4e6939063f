using System.CommandLine;
using System.Globalization;
using CollapseCheck.Reporting;
using CollapseCheck.Running;

namespace CollapseCheck.Tool.Commands;

internal static class PredictCommand
{
    public static Command Create(ToolOutput output)
    {
        var policy = CommonOptions.Policy();
        var json = new Option<bool>("--json") { Description = "Print the prediction as JSON on stdout (nothing else goes there)." };
        var seed = CommonOptions.WholeNumber("--seed", "Overrides training.seed, as 'run --seed' does: the Monte Carlo surrogate draws from it.");
        var command = new Command("predict", "What the theory expects of this policy, generation by generation; no training.") { policy, json, seed };
        command.SetAction(parsed =>
        {
            var path = CommonOptions.PolicyOf(parsed, policy, output);
            var report = SignalCancellation.Run(output.Error,
                cancellation => ConsoleProgress.Run(output, progress => PredictJob.Execute(path, progress, cancellation, parsed.GetValue(seed), output.DiagnosticsFile)), _ => "collapsecheck: cancelled.");
            if (parsed.GetValue(json))
            {
                output.Out.Write(ReportJson.Serialize(report));
                return 0;
            }

            Write(output.Out, report);
            return 0;
        });
        return command;
    }

    private static void Write(TextWriter o, PredictionReport r)
    {
        var c = CultureInfo.InvariantCulture;
        var n = r.Ledger;
        var subsample = n.TrainingTokens is { } size ? string.Create(c, $", n = {size} training tokens")
            : n.RealFraction is { } share ? string.Create(c, $", λ = {Numbers.Plain(share)} real share (r = {n.MixRealTokensPerGeneration} real tokens per generation)") : "";
        o.WriteLine(string.Create(c, $"Theory for mode {r.Mode}: N0 = {n.RealTokens} real tokens, m = {n.SyntheticTokensPerGeneration} synthetic tokens per generation{subsample}, f = {n.FreshRealTokensPerGeneration} fresh real tokens per generation"));
        o.WriteLine($"The gate checks against {r.GateBasis}.");
        o.WriteLine($"Corpus: {r.Corpus.Description}, {r.Corpus.Tokenizer} tokenizer, {r.Corpus.BigramContexts} bigram contexts; {r.Exactness}.");
        o.WriteLine();
        o.WriteLine("gen  c (one context)   diversity 1−c ↑  bigram diversity ↑  entropy loss bits ↓  model KL bits ↓  ppl ×gen0 ↓  entropy ×gen0 ↑  diversity ×gen0 ↑");
        var first = r.Generations[0].UnigramDiversityRatio;
        foreach (var g in r.Generations)
        {
            o.WriteLine(string.Create(c,
                $"{g.Generation,3}  {g.C,15:0.0000e0}  {g.UnigramDiversityRatio,15:F8}  {g.BigramDiversityRatio,18:F6}  {g.EntropyLossBits,19:0.000e0}  {g.KlBits,15:F5}  {g.PerplexityRatio,11:F5}  {g.EntropyRatio,15:F6}  {g.UnigramDiversityRatio / first,17:F8}"));
        }

        // run's report has a KL column too, of the generated text's token frequencies: another quantity under a like name.
        o.WriteLine("model KL: the count model's expected KL(truth ‖ its bigram estimate); run's KL column is another quantity, of its generated text's token frequencies.");
        if (r.Surrogate is null)
        {
            o.WriteLine("The gate checks against this table: ppl, entropy and diversity ×gen0 (diversity 1−c over generation 0's).");
        }

        if (r.Surrogate is { } s)
        {
            o.WriteLine();
            o.WriteLine($"Surrogate: {s.Runs} runs from seed {r.Seed} of the {s.Context} count model with this policy's sampler; held-out text add-{Numbers.Plain(s.Smoothing)} smoothed. Mean [10th–90th percentile]:");
            string[] headers = ["model diversity ×gen0 ↑", "generated diversity ×gen0 ↑", "generated entropy bits ↑", "generated entropy ×gen0 ↑", "held-out ppl ×gen0 ↓"];
            string Cell(Theory.Spread v) => string.Create(c, $"{v.Mean:F4} [{v.P10:F4}–{v.P90:F4}]");
            // Each column as wide as its header or its widest cell, values right-aligned under the header's end.
            var rows = s.Generations.Select(g => new[] { Cell(g.DiversityRatio), Cell(g.GeneratedDiversityRatio), Cell(g.GeneratedEntropyBits), Cell(g.EntropyRatio), Cell(g.PerplexityRatio) }).ToList();
            var widths = headers.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
            o.WriteLine("gen  " + string.Join("  ", headers.Select((h, i) => h.PadLeft(widths[i]))));
            foreach (var (g, row) in s.Generations.Zip(rows))
            {
                o.WriteLine($"{g.Generation,3}  " + string.Join("  ", row.Select((v, i) => v.PadLeft(widths[i]))));
            }

            // The sampler is biased or the ledger is past its second order, so its rows above are not what the gate checks against.
            if (r.GatePerplexity == r.GateSource)
            {
                o.WriteLine("The gate checks against this table's means: held-out ppl, generated entropy and generated diversity ×gen0.");
            }
            else
            {
                // The count model charges held-out tokens a generation lost at an add-δ price the network never pays; only the sampler's effect is taken from it.
                o.WriteLine("The gate checks against this table's generated entropy and generated diversity means, and held-out ppl ×gen0 of "
                    + string.Join(", ", r.Gate.Skip(1).Select(g => g.PerplexityRatio.ToString("F4", c)))
                    + " for generations 1 on: the ledger's × this table's over the same runs' with the sampler the ledger models.");
            }
        }

        o.WriteLine();
        o.WriteLine($"Long run ({r.LongRun.Behaviour}): {r.LongRun.Sentence}");
        if (r.FailsOnLongRun)
        {
            o.WriteLine("run's gate fails this policy on its long run alone (CC1020), whatever is measured; gate.failOnPredictedCollapse: false turns that check off.");
        }
    }
}
