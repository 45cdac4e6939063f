using System.Globalization;
using System.Text.RegularExpressions;
using CollapseCheck.Gate;
using CollapseCheck.Lineage;
using CollapseCheck.Metrics;
using CollapseCheck.Training;
using CollapseCheck.Policy;

namespace CollapseCheck.Core.Tests.Gate;

/// <summary>An error line is all a CI log shows of a failed check: its threshold must be derivable from the line alone, and it must show why it failed.</summary>
public class GateFailureLineTests
{
    [Fact]
    public void With_two_seeds_the_line_names_each_seed_and_the_margin_that_makes_the_threshold()
    {
        var check = CollapseGate.Floor(CollapseGate.EntropyCode, "generated entropy ×gen0", 1, [0.5288, 0.4781], predicted: 0.7833, tolerance: 0.05);
        var line = CollapseGate.FailureLine(check, [1, 2], tolerance: 0.05);

        Assert.StartsWith("generated entropy ×gen0 at generation 1 is 0.5035, the mean of seeds 1, 2 (0.5288, 0.4781), threshold ", line);
        var parts = Regex.Match(line, @"threshold (?<t>[0-9.]+) \(predicted (?<p>[0-9.]+) / 1\.05 − margin (?<m>[0-9.]+)\); higher is better$");
        Assert.True(parts.Success, line);
        double Read(string name) => double.Parse(parts.Groups[name].Value, CultureInfo.InvariantCulture);
        Assert.Equal(Read("t"), Math.Round(Read("p") / 1.05 - Read("m"), 4), 4);
    }

    [Fact]
    public void A_ceiling_adds_the_margin_and_one_seed_has_none_to_name()
    {
        var twoSeeds = CollapseGate.FailureLine(
            CollapseGate.Ceiling(CollapseGate.PerplexityCode, "held-out perplexity ×gen0", 2, [52.0121, 48.1265], predicted: 33.6342, tolerance: 0.05), [1, 2], 0.05);
        Assert.Matches(@"threshold [0-9.]+ \(predicted 33\.6342 × 1\.05 \+ margin [0-9.]+\); lower is better$", twoSeeds);

        var oneSeed = CollapseGate.FailureLine(
            CollapseGate.Ceiling(CollapseGate.PerplexityCode, "held-out perplexity ×gen0", 2, [52.0121], predicted: 33.6342, tolerance: 0.05), [1], 0.05);
        Assert.Equal("held-out perplexity ×gen0 at generation 2 is 52.0121, threshold 35.3159 (predicted 33.6342 × 1.05); lower is better", oneSeed);
    }

    [Fact]
    public void A_value_this_close_to_its_threshold_prints_the_prediction_to_as_many_decimals_so_the_product_agrees()
    {
        // From a review: "is 1.05092, threshold 1.05091 (predicted 1.0017 × 1.04918)", where 1.0017 × 1.04918 = 1.05096.
        var check = CollapseGate.Ceiling(CollapseGate.PerplexityCode, "held-out perplexity ×gen0", 5, [1.0509210], predicted: 1.0016500, tolerance: 0.049188);
        var line = CollapseGate.FailureLine(check, [1], 0.049188);

        var parts = Regex.Match(line, @"is (?<m>[0-9.]+), threshold (?<t>[0-9.]+) \(predicted (?<p>[0-9.]+) × 1\.049188\)");
        Assert.True(parts.Success, line);
        Assert.False(check.Passed);
        Assert.Equal(parts.Groups["t"].Length, parts.Groups["p"].Length);
        double Read(string name) => double.Parse(parts.Groups[name].Value, CultureInfo.InvariantCulture);
        var decimals = parts.Groups["t"].Length - 2;
        Assert.Equal(Read("t"), Math.Round(Read("p") * 1.049188, decimals), decimals);
        Assert.True(Read("m") > Read("t"), line);
        Assert.Contains($"(predicted {parts.Groups["p"].Value} × 1.049188)", check.Reason);

        // With two seeds the margin is printed to the same decimals, so the parts still add up to the threshold. The
        // second pair has the first's spread (so its margin and threshold) and a mean 1e-7 above that threshold.
        var seeds = CollapseGate.Ceiling(CollapseGate.PerplexityCode, "held-out perplexity ×gen0", 5, [1.0521, 1.0497], predicted: 1.0016500, tolerance: 0.049188);
        seeds = CollapseGate.Ceiling(CollapseGate.PerplexityCode, "held-out perplexity ×gen0", 5, [seeds.Threshold + 0.0012 + 1e-7, seeds.Threshold - 0.0012 + 1e-7], predicted: 1.0016500, tolerance: 0.049188);
        var twoSeeds = CollapseGate.FailureLine(seeds, [1, 2], 0.049188);
        var two = Regex.Match(twoSeeds, @"threshold (?<t>[0-9.]+) \(predicted (?<p>[0-9.]+) × 1\.049188 \+ margin (?<m>[0-9.]+)\)");
        Assert.True(two.Success, twoSeeds);
        Assert.False(seeds.Passed);
        var places = two.Groups["t"].Length - 2;
        Assert.True(places > 4, twoSeeds);
        Assert.Equal(places, two.Groups["m"].Length - 2);
        double Two(string name) => double.Parse(two.Groups[name].Value, CultureInfo.InvariantCulture);
        Assert.Equal(Two("t"), Two("p") * 1.049188 + Two("m"), places - 1);
    }

    [Fact]
    public void CC1020_advises_what_keeps_real_text_in_each_generation_for_the_policys_mode()
    {
        var replace = new LineagePolicy(5, LineageMode.Replace, 4000, 0.5, 0, null, new SamplingPolicy(1, 0, 1, null), new FilterPolicy(false));
        Assert.Equal("keep real text in each generation (mode accumulate or mix, or lineage.freshRealTokensPerGeneration)", CollapseGate.KeepsRealData(replace));
        // One that has fresh text already and still collapses (context by context) needs more of it.
        Assert.Contains("or a higher lineage.freshRealTokensPerGeneration)", CollapseGate.KeepsRealData(replace with { FreshRealTokensPerGeneration = 10 }));
        Assert.StartsWith("keep more real text in each generation (a higher lineage.realFraction", CollapseGate.KeepsRealData(replace with { Mode = LineageMode.Mix }));
        Assert.DoesNotContain("mode accumulate", CollapseGate.KeepsRealData(replace with { Mode = LineageMode.Accumulate }));
    }

    [Fact]
    public void A_budget_line_gives_the_policys_limit_and_no_prediction()
    {
        var budget = CollapseGate.Budget(CollapseGate.EntropyBudgetCode, "generated entropy ×gen0 (budget)", 2, "higher", [0.3161, 0.2290], 0.99);
        Assert.Equal("generated entropy ×gen0 (budget) at generation 2 is 0.2726, the mean of seeds 1, 2 (0.3161, 0.2290), threshold 0.9900; higher is better",
            CollapseGate.FailureLine(budget, [1, 2], 0.05));
    }

    [Fact]
    public void A_tolerance_with_more_than_two_decimals_is_written_in_full()
    {
        var check = CollapseGate.Ceiling(CollapseGate.PerplexityCode, "held-out perplexity ×gen0", 1, [2.0], predicted: 1.6, tolerance: 0.125);
        Assert.Contains("threshold 1.8000 (predicted 1.6000 × 1.125)", CollapseGate.FailureLine(check, [1], 0.125));
        Assert.EndsWith("(predicted 1.6000 × 1.125): it degrades more than the theory allows", check.Reason);
    }

    [Fact]
    public void One_seeds_failure_that_the_next_generation_recovers_from_says_one_seed_cannot_tell_it_from_degradation()
    {
        var failed = CollapseGate.Ceiling(CollapseGate.PerplexityCode, "held-out perplexity ×gen0", 1, [1.2956], predicted: 1.0002, tolerance: 0.25);
        var recovered = CollapseGate.Ceiling(CollapseGate.PerplexityCode, "held-out perplexity ×gen0", 2, [0.9955], predicted: 1.0004, tolerance: 0.25);
        var stillFailing = CollapseGate.Ceiling(CollapseGate.PerplexityCode, "held-out perplexity ×gen0", 2, [1.4], predicted: 1.0004, tolerance: 0.25);
        var otherMetric = CollapseGate.Floor(CollapseGate.EntropyCode, "generated entropy ×gen0", 2, [0.99], predicted: 1, tolerance: 0.25);

        Assert.Equal("; generation 2 is back within its threshold (0.9955), as after one unlucky training run, which one seed cannot tell from degradation: gate.seeds 2 or more measures that noise",
            CollapseGate.OneSeedHint(failed, [failed, otherMetric, recovered], seeds: 1));
        Assert.Equal("", CollapseGate.OneSeedHint(failed, [failed, otherMetric, stillFailing], seeds: 1));
        Assert.Equal("", CollapseGate.OneSeedHint(failed, [failed, otherMetric], seeds: 1));
        Assert.Equal("", CollapseGate.OneSeedHint(failed, [failed, recovered], seeds: 2));
    }

    [Fact]
    public void One_seeds_perplexity_failure_whose_training_loss_rose_with_it_says_the_model_fit_its_training_text_no_better()
    {
        // The default policy at --seed 5, generation 5 (this project's EPYC, 2026-12-02), and replace at temperature 0.7.
        var first = Generation(0, trainingLoss: 2.4669, heldOutNats: 2.4449);
        var unlucky = Generation(5, trainingLoss: 2.7884, heldOutNats: 2.7241);
        var degraded = Generation(1, trainingLoss: 1.685, heldOutNats: 3.149);
        var failed = CollapseGate.Ceiling(CollapseGate.PerplexityCode, "held-out perplexity ×gen0", 5, [1.3222], predicted: 1.0017, tolerance: 0.25);

        Assert.Equal("; its training loss rose with it (2.7884 against generation 0's 2.4669 nats/token, held-out 2.7241 against 2.4449), so the model fit its own training text no better than the real text, unlike a collapsing lineage, whose training loss falls; one seed cannot tell an unlucky training run from slow degradation: gate.seeds 2 or more measures that noise",
            CollapseGate.FitHint(failed, first, unlucky, applies: true));
        Assert.Equal("", CollapseGate.FitHint(failed, first, degraded, applies: true));
        // Sampled hotter than the model, or warm-started: both losses can rise as the text degrades.
        Assert.Equal("", CollapseGate.FitHint(failed, first, unlucky, applies: false));
        // Training loss up by less than 0.8 of the held-out rise: not said.
        Assert.Equal("", CollapseGate.FitHint(failed, first, Generation(5, trainingLoss: 2.4669 + 0.79 * 0.2792, heldOutNats: 2.7241), applies: true));
        // Only perplexity: a model that fit badly writes text of other entropy for its own reasons.
        var entropy = CollapseGate.Floor(CollapseGate.EntropyCode, "generated entropy ×gen0", 5, [0.5], predicted: 1, tolerance: 0.25);
        Assert.Equal("", CollapseGate.FitHint(entropy, first, unlucky, applies: true));
    }

    [Fact]
    public void A_failures_hint_reads_its_own_generation_prefers_a_recovery_and_is_for_one_seed_only()
    {
        GenerationResult[] lineage =
        [
            Generation(0, trainingLoss: 2.4669, heldOutNats: 2.4449),
            Generation(1, trainingLoss: 2.7884, heldOutNats: 2.7241),
            Generation(2, trainingLoss: 1.685, heldOutNats: 3.149),
            Generation(3, trainingLoss: 2.4669, heldOutNats: 2.4449),
        ];
        GateCheck Perplexity(int g, double ratio) => CollapseGate.Ceiling(CollapseGate.PerplexityCode, "held-out perplexity ×gen0", g, [ratio], predicted: 1, tolerance: 0.25);
        var first = Perplexity(1, 1.3222);
        var second = Perplexity(2, 2.0);
        GateCheck[] checks = [first, second, Perplexity(3, 1.0)];

        // Generation 1 fit everything worse (generation 2, read by an off-by-one, fit its own text better and says nothing).
        Assert.StartsWith("; its training loss rose with it (2.7884 against", CollapseGate.FailureHint(first, checks, [lineage], fitHintApplies: true));
        // Generation 3 recovered, which is said instead.
        Assert.StartsWith("; generation 3 is back within its threshold", CollapseGate.FailureHint(second, checks, [lineage], fitHintApplies: true));
        Assert.Equal("", CollapseGate.FailureHint(first, [first, Perplexity(2, 2.0)], [lineage, lineage], fitHintApplies: true));
        Assert.Equal("", CollapseGate.FailureHint(first, [first, Perplexity(2, 2.0)], [lineage], fitHintApplies: false));
    }

    private static GenerationResult Generation(int generation, double trainingLoss, double heldOutNats) =>
        new(generation, [new("real", 1000)], new TrainingResult(trainingLoss, [trainingLoss], 1000), new EvaluationResult(heldOutNats * 10_000, 10_000, 10_000),
            new TextMetrics(1000, 1000, 10, 4.8, 4.8, 0.94, 0.005, 0.1, 0.4, 0.85, 0.01));

    [Fact]
    public void One_seed_names_no_margin_and_two_seeds_name_theirs_even_when_it_is_zero()
    {
        var one = CollapseGate.Floor(CollapseGate.EntropyCode, "generated entropy ×gen0", 1, [0.9], predicted: 0.95, tolerance: 0.25);
        var agreeing = CollapseGate.Floor(CollapseGate.EntropyCode, "generated entropy ×gen0", 1, [0.9, 0.9], predicted: 0.95, tolerance: 0.25);

        Assert.Equal("0.9000 is above the floor 0.7600 (predicted 0.9500 / 1.25)", one.Reason);
        Assert.Equal("0.9000 is above the floor 0.7600 (predicted 0.9500 / 1.25 − margin 0.0000)", agreeing.Reason);
    }

    [Fact]
    public void A_floor_that_the_seeds_margin_takes_below_zero_is_zero_and_says_it_cannot_fail()
    {
        // The probe's seeds: entropy ×gen0 0.0684 and 0.5628, predicted 0.5646 at tolerance 0.1.
        var check = CollapseGate.Floor(CollapseGate.EntropyCode, "generated entropy ×gen0", 3, [0.0684, 0.5628], predicted: 0.5646, tolerance: 0.1);

        Assert.Equal(0, check.Threshold);
        Assert.True(check.Passed);
        Assert.EndsWith("below 0: with seeds this far apart the check cannot fail)", check.Reason);

        var close = CollapseGate.Floor(CollapseGate.EntropyCode, "generated entropy ×gen0", 3, [0.55, 0.56], predicted: 0.5646, tolerance: 0.1);
        Assert.True(close.Threshold > 0);
        Assert.DoesNotContain("cannot fail", close.Reason);
    }

    [Fact]
    public void A_value_that_fails_by_less_than_the_fourth_decimal_is_printed_apart_from_its_threshold()
    {
        // The reviewer's budget: entropy ×gen0 0.964085 against at least 0.96410 printed "0.9641 against … 0.9641: fail".
        var budget = CollapseGate.Budget(CollapseGate.EntropyBudgetCode, "generated entropy ×gen0 (budget)", 2, "higher", [0.964085], 0.96410);
        Assert.False(budget.Passed);
        Assert.Equal("0.96408 against the policy's budget of at least 0.96410", budget.Reason);
        Assert.Contains("is 0.96408, threshold 0.96410;", CollapseGate.FailureLine(budget, [1], 0.05));

        var ceiling = CollapseGate.Ceiling(CollapseGate.PerplexityCode, "held-out perplexity ×gen0", 1, [1.01341], predicted: 1.0134, tolerance: 0);
        Assert.StartsWith("1.01341 exceeds the ceiling 1.01340 (", ceiling.Reason);

        // Equal values pass and print equal; values apart at four decimals keep four.
        Assert.Equal(("1.0000", "1.0000"), GateNumbers.Apart(1.0, 1.0));
        Assert.Equal(("0.9000", "0.9500"), GateNumbers.Apart(0.9, 0.95));
    }
}
