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
        var command = new Command("predict", "What the theory expects of this policy, generation by generation; no training.") { policy, json };
        command.SetAction(parsed =>
        {
            var path = CommonOptions.PolicyOf(parsed, policy, output);
            var report = SignalCancellation.Run(output.Error,
                cancellation => ConsoleProgress.Run(output, progress => PredictJob.Execute(path, progress, cancellation)), _ => "collapsecheck: cancelled.");
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
        var subsample = n.TrainingTokens is { } size ? string.Create(c, $", n = {size} training") : "";
        o.WriteLine(string.Create(c, $"Theory for mode {r.Mode}: N0 = {n.RealTokens} real tokens, m = {n.SyntheticTokensPerGeneration} synthetic per generation{subsample}, f = {n.FreshRealTokensPerGeneration} fresh"));
        o.WriteLine($"Corpus: {r.Corpus.Description}, {r.Corpus.Tokenizer} tokenizer, {r.Corpus.BigramContexts} bigram contexts; {r.Exactness}.");
        o.WriteLine();
        o.WriteLine("gen  c (one context)   diversity 1−c ↑  bigram diversity ↑  entropy loss bits ↓  KL bits ↓  ppl ×gen0 ↓  entropy ×gen0 ↑");
        foreach (var g in r.Generations)
        {
            o.WriteLine(string.Create(c,
                $"{g.Generation,3}  {g.C,15:0.0000e0}  {g.UnigramDiversityRatio,15:F8}  {g.BigramDiversityRatio,18:F6}  {g.EntropyLossBits,19:0.000e0}  {g.KlBits,9:F5}  {g.PerplexityRatio,11:F5}  {g.EntropyRatio,15:F6}"));
        }

        if (r.Surrogate is { } s)
        {
            o.WriteLine();
            o.WriteLine($"Surrogate: {s.Runs} seeded runs of the {s.Context} count model with this policy's sampler; held-out text add-{s.Smoothing} smoothed. Mean [10th–90th percentile]:");
            o.WriteLine("gen  model diversity ×gen0 ↑    generated diversity ×gen0 ↑  generated entropy bits ↑     generated entropy ×gen0 ↑  held-out ppl ×gen0 ↓");
            foreach (var g in s.Generations)
            {
                o.WriteLine(string.Create(c,
                    $"{g.Generation,3}  {g.DiversityRatio.Mean,7:F4} [{g.DiversityRatio.P10:F4}–{g.DiversityRatio.P90:F4}]  {g.GeneratedDiversityRatio.Mean,7:F4} [{g.GeneratedDiversityRatio.P10:F4}–{g.GeneratedDiversityRatio.P90:F4}]  {g.GeneratedEntropyBits.Mean,7:F4} [{g.GeneratedEntropyBits.P10:F4}–{g.GeneratedEntropyBits.P90:F4}]  {g.EntropyRatio.Mean,7:F4} [{g.EntropyRatio.P10:F4}–{g.EntropyRatio.P90:F4}]  {g.PerplexityRatio.Mean,8:F4} [{g.PerplexityRatio.P10:F4}–{g.PerplexityRatio.P90:F4}]"));
            }

            // The sampler is biased, so the ledger's rows above are not what the gate checks against.
            o.WriteLine("The gate checks against this table's means: held-out ppl, generated entropy and generated diversity ×gen0.");
        }

        o.WriteLine();
        o.WriteLine($"Long run ({r.LongRun.Behaviour}): {r.LongRun.Sentence}");
    }
}
