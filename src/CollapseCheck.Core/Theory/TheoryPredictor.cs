using System.Globalization;
using CollapseCheck.Lineage;
using CollapseCheck.Policy;

namespace CollapseCheck.Theory;

/// <summary>
/// Runs the ledger at the lineage's own token counts: once for the whole corpus (the empty context), and once per
/// previous-token context with its share π(x) of every count, then weights the contexts as THEORY.md says. Where a
/// subsample of documents makes the diversity's design effect differ from the entropy's and KL's, each gets its own run.
/// </summary>
public static class TheoryPredictor
{
    /// <summary>How far the long-run classification looks ahead.</summary>
    public const int Horizon = 200;

    public static LedgerCounts CountsFor(LineagePolicy lineage, long realPoolTokens) => new(
        realPoolTokens,
        lineage.SyntheticTokensPerGeneration,
        lineage.TrainingTokens ?? realPoolTokens,
        lineage.FreshRealTokensPerGeneration,
        lineage.Mode == LineageMode.Mix ? CorpusComposer.MixRealTokens(lineage) : 0);

    public static TheoryPrediction Predict(LineagePolicy lineage, long realPoolTokens, ContextStatistics statistics)
    {
        var counts = CountsFor(lineage, realPoolTokens);
        var generations = lineage.Generations;
        var (single, singleDivergence) = RunBoth(lineage.Mode, counts, generations, statistics.Unigram.Documents);

        var kl = new double[generations + 1];
        var bigramDiversity = new double[generations + 1];
        var bigramGini = statistics.Bigram.Sum(x => x.Weight * x.GiniSimpson);
        foreach (var context in statistics.Bigram)
        {
            var (c, divergence) = RunBoth(lineage.Mode, Scale(counts, context.Weight), generations, context.Documents);
            for (var g = 0; g <= generations; g++)
            {
                kl[g] += context.Weight * divergence[g] * (context.Support - 1) / 2;
                bigramDiversity[g] += context.Weight * context.GiniSimpson * (1 - c[g]);
            }
        }

        var entropy = statistics.UnigramEntropyNats;
        var support = statistics.Unigram.Support;
        var rows = Enumerable.Range(0, generations + 1).Select(g =>
        {
            var loss = singleDivergence[g] * (support - 1) / 2;
            var loss0 = singleDivergence[0] * (support - 1) / 2;
            return new GenerationPrediction(
                g,
                single[g],
                1 - single[g],
                bigramGini == 0 ? 1 : bigramDiversity[g] / bigramGini,
                loss,
                loss / Math.Log(2),
                kl[g],
                kl[g] / Math.Log(2),
                Math.Exp(kl[g] - kl[0]),
                // A corpus of one token type has no entropy to lose: 0/0, which as NaN failed every entropy check.
                entropy - loss0 > 0 ? (entropy - loss) / (entropy - loss0) : 1);
        }).ToList();

        return new TheoryPrediction(counts, rows, Classify(lineage, counts, statistics.Unigram.Documents, statistics.Bigram));
    }

    /// <summary>
    /// c_g for the diversity and for the entropy loss and KL, which weight the document-level noise differently; one run
    /// where the two effects agree, as in the modes that draw no subsample and take no fresh text.
    /// </summary>
    private static (double[] Diversity, double[] Divergence) RunBoth(LineageMode mode, LedgerCounts counts, int generations, DesignEffect documents)
    {
        if (mode is not (LineageMode.Mix or LineageMode.AccumulateSubsample) && counts.FreshRealTokens == 0)
        {
            documents = DesignEffect.None;
        }

        var diversity = CovarianceLedger.Run(mode, counts, generations, realDesignEffect: documents.Diversity, realDocumentLength: documents.DocumentLength);
        return (diversity, documents.Divergence == documents.Diversity ? diversity
            : CovarianceLedger.Run(mode, counts, generations, realDesignEffect: documents.Divergence, realDocumentLength: documents.DocumentLength));
    }

    /// <summary>
    /// The π·Gini–Simpson-weighted share of the contexts' expected next-token diversity that replace or mix keeps in the
    /// limit, given the pool: each generation a context x of share π trains on m·π tokens drawn from the model before and
    /// r·π real ones (fresh, and mix's share of the pool), so c = w_s²·(c + (1 − c)/(mπ)) + w_r²/(rπ) with w the two
    /// shares, whose fixed point is (w_s²/(mπ) + w_r²/(rπ)) / (1 − w_s² + w_s²/(mπ)). The real draws count as independent
    /// tokens: without the ledger's finite-pool factor it is harsher than the ledger for mix with r near the pool's size
    /// (up to twice c at λ 0.5, where it is far from collapse anyway), and without the design effect kinder where that is
    /// above 1 and harsher where below (cl100k's rare contexts). Nor does it floor a context's counts at one token.
    /// </summary>
    internal static double ContextLimit(LedgerCounts n, IReadOnlyList<ContextSummary> contexts)
    {
        var real = n.FreshRealTokens + n.MixRealTokens;
        var synthetic = n.SyntheticTokens;
        var (ws, wr) = (synthetic / (synthetic + real), real / (synthetic + real));
        double kept = 0, total = 0;
        foreach (var x in contexts)
        {
            var (m, r) = (synthetic * x.Weight, real * x.Weight);
            var c = real <= 0 ? 1 : Math.Min(1, (ws * ws / m + wr * wr / r) / (1 - ws * ws + ws * ws / m));
            kept += x.Weight * x.GiniSimpson * (1 - c);
            total += x.Weight * x.GiniSimpson;
        }

        return total == 0 ? 1 : kept / total;
    }

    /// <summary>A context seeing a share w of the tokens sees w times each count (at least one token).</summary>
    private static LedgerCounts Scale(LedgerCounts n, double w) => new(
        Math.Max(1, n.RealTokens * w),
        Math.Max(1, n.SyntheticTokens * w),
        Math.Max(1, n.TrainingTokens * w),
        n.FreshRealTokens * w,
        Math.Max(1, n.MixRealTokens * w));

    /// <summary>
    /// A share of the truth's diversity in six digits, or as 1 − x where it is that close to 1: a corpus-scale c of 3e-7
    /// read "is 1 of the truth's … still falling (generation 0: 1)".
    /// </summary>
    private static string Share(double x)
    {
        var inv = CultureInfo.InvariantCulture;
        var six = Reporting.Numbers.Plain(x, 6);
        return six == "1" && x != 1 ? string.Create(inv, $"1 − {1 - x:0.##e0}") : six;
    }

    /// <summary>
    /// Below this share of the contexts' expected next-token diversity in the limit, replace or mix with a little real
    /// text is called collapsing: its real tokens are too few for most contexts to be held (see <see cref="ContextLimit"/>).
    /// </summary>
    public const double CollapsedContextShare = 0.5;

    /// <param name="realDocuments">The real documents' design effect on the unigram, whose diversity the sentences quote (none: independent tokens).</param>
    /// <param name="contexts">The previous-token contexts, for the limit of replace and mix with few real tokens (none: not judged).</param>
    public static LongRun Classify(LineagePolicy lineage, LedgerCounts counts, DesignEffect? realDocuments = null, IReadOnlyList<ContextSummary>? contexts = null)
    {
        var d = realDocuments ?? DesignEffect.None;
        var c = CovarianceLedger.Run(lineage.Mode, counts, Horizon, realDesignEffect: d.Diversity, realDocumentLength: d.DocumentLength);
        var mode = PolicyNames.Of(lineage.Mode);
        var inv = CultureInfo.InvariantCulture;
        var keepsNoRealData = lineage.Mode == LineageMode.Replace && lineage.FreshRealTokensPerGeneration == 0;
        if (keepsNoRealData || 1 - c[Horizon] < 0.01)
        {
            var halfLife = Math.Log(2) / -Math.Log(1 - 1 / counts.SyntheticTokens);
            return new LongRun(LongRunBehaviour.Collapses, 0, Horizon, string.Create(inv,
                $"{mode} without real data collapses: each generation keeps only (1 − 1/m) = {Share(1 - 1 / counts.SyntheticTokens)} of the expected diversity (Wright–Fisher), so every context ends on a single token; at m = {counts.SyntheticTokens:G} tokens the whole-corpus diversity halves every {halfLife:F0} generations, and a context with a share π of the tokens every {halfLife:F0}·π."),
                string.Create(inv, $"{mode} without real data collapses (the expected diversity halves every {halfLife:F0} generations at m = {counts.SyntheticTokens:G} tokens)"));
        }

        // One fresh token a generation beside 20,000 synthetic ones "converged to a floor" at corpus scale, 0.99 at generation
        // 200, while a context seen by 1 % of the tokens gets a fiftieth of a real token a generation and loses nearly all
        // of its diversity: judged per context, in the limit, where the composition stays the same every generation.
        if (contexts is { Count: > 0 } && lineage.Mode is LineageMode.Replace or LineageMode.Mix && ContextLimit(counts, contexts) is var kept && kept < CollapsedContextShare)
        {
            var real = counts.FreshRealTokens + counts.MixRealTokens;
            return new LongRun(LongRunBehaviour.Collapses, 0, Horizon, string.Create(inv,
                $"{mode} with {real:G} real token{(real == 1 ? "" : "s")} a generation beside {counts.SyntheticTokens:G} synthetic ones collapses context by context: a previous-token context with a share π of the tokens gets π·{real:G} real tokens a generation, too few to hold its next-token distribution, and in the limit the contexts keep {Reporting.Numbers.Plain(kept, 3)} of their expected diversity (weighted by π), below {Reporting.Numbers.Plain(CollapsedContextShare)}; the corpus-wide diversity hides it ({Share(1 - c[Horizon])} of the truth's at generation {Horizon}), since the whole corpus is one context of all the tokens."),
                string.Create(inv, $"{mode} with {real:G} real token{(real == 1 ? "" : "s")} a generation beside {counts.SyntheticTokens:G} synthetic ones collapses context by context (in the limit they keep {Reporting.Numbers.Plain(kept, 3)} of their diversity)"));
        }

        // Judged on c, not 1 − c: at corpus scale c is tiny, and a tripled c still reads as "1.0000" diversity. Over every
        // generation, not the last alone: accumulate with much fresh text rises 25 % by generation 11 and falls back.
        var floor = 1 - c[Horizon];
        var start = 1 - c[0];
        var peak = Array.IndexOf(c, c.Max());
        if (c[peak] <= c[0] * 1.01)
        {
            return new LongRun(LongRunBehaviour.Stationary, floor, Horizon, string.Create(inv,
                $"{mode} is stationary: real data keeps the expected diversity at generation 0's level ({Share(start)} of the truth's) for all {Horizon} generations looked at."),
                $"{mode} is stationary");
        }

        // Fresh text can bring c back below generation 0's after a rise: no floor then, the dip is the story.
        if (c[Horizon] <= c[0] * 1.01)
        {
            return new LongRun(LongRunBehaviour.ConvergesToFloor, floor, Horizon, string.Create(inv,
                $"{mode} recovers: real data bounds the estimation noise, so the expected diversity dips to {Share(1 - c[peak])} of the truth's at generation {peak} and is back at {Share(floor)} by generation {Horizon} (generation 0: {Share(start)}) instead of collapsing."),
                string.Create(inv, $"{mode} recovers after a dip at generation {peak}"));
        }

        var dip = c[peak] > c[Horizon] * 1.01 ? string.Create(inv, $", after a low of {Share(1 - c[peak])} at generation {peak}") : "";
        // Still moving when the last tenth of the horizon made more than 1 % of the curve's range: a small real share
        // (mix at λ 0.001) is far from its limit at generation 200, which then is no floor to quote.
        var late = c[Horizon - Horizon / 10];
        var moving = Math.Abs(c[Horizon] - late) > 0.01 * (c[peak] - c.Min());
        // "Converges" and "still falling" in one sentence read as a contradiction: a floor not yet reached is said so first.
        var sentence = moving
            ? string.Create(inv, $"{mode} converges to a floor it has not reached by generation {Horizon}: real data bounds the estimation noise, so the expected diversity stops short of collapsing, but is {Share(floor)} of the truth's there and still {(c[Horizon] < late ? "rising" : "falling")} (generation 0: {Share(start)}{dip}).")
            : string.Create(inv, $"{mode} converges to a floor: real data bounds the estimation noise, so the expected diversity settles near {Share(floor)} of the truth's (generation 0: {Share(start)}{dip}) instead of collapsing.");
        return new LongRun(LongRunBehaviour.ConvergesToFloor, floor, Horizon, sentence,
            moving
                ? string.Create(inv, $"{mode} converges to a floor it has not reached by generation {Horizon}")
                : string.Create(inv, $"{mode} converges to a floor (expected diversity {Share(floor)} of the truth's)"));
    }
}
