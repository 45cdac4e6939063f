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
            var report = PredictJob.Execute(parsed.GetValue(policy));
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
        o.WriteLine(string.Create(c, $"Theory for mode {r.Mode}: N0 = {n.RealTokens} real tokens, m = {n.SyntheticTokensPerGeneration} synthetic per generation, n = {n.TrainingTokens} training, f = {n.FreshRealTokensPerGeneration} fresh"));
        o.WriteLine($"Corpus: {r.Corpus.Description}, {r.Corpus.Tokenizer} tokenizer, {r.Corpus.BigramContexts} bigram contexts; {r.Exactness}.");
        o.WriteLine();
        o.WriteLine("gen  c (one context)   diversity 1−c ↑  bigram diversity ↑  entropy loss bits ↓  KL bits ↓  ppl ×gen0 ↓  entropy ×gen0 ↑");
        foreach (var g in r.Generations)
        {
            o.WriteLine(string.Create(c,
                $"{g.Generation,3}  {g.C,15:E4}  {g.UnigramDiversityRatio,15:F8}  {g.BigramDiversityRatio,18:F6}  {g.EntropyLossBits,19:E3}  {g.KlBits,9:F5}  {g.PerplexityRatio,11:F5}  {g.EntropyRatio,15:F6}"));
        }

        o.WriteLine();
        o.WriteLine($"Long run ({r.LongRun.Behaviour}): {r.LongRun.Sentence}");
    }
}
