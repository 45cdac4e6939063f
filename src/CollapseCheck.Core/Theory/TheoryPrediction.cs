namespace CollapseCheck.Theory;

public enum LongRunBehaviour { Collapses, ConvergesToFloor, Stationary }

/// <summary>
/// Per generation, what the MLE count model of THEORY.md expects. Ratios are relative to generation 0, as the gate
/// compares them; nats and bits are per token.
/// </summary>
/// <param name="C">c(model_g, model_g) for one context holding the policy's whole-corpus token counts.</param>
/// <param name="UnigramDiversityRatio">E[Gini–Simpson of the unigram model] over the truth's: 1 − c (exact).</param>
/// <param name="BigramDiversityRatio">The same over previous-token contexts, weighted by π(x)·Gini(x).</param>
/// <param name="EntropyLossNats">Expected unigram Shannon-entropy loss, ≈ c (K − 1)/2 (second order).</param>
/// <param name="KlNats">Expected KL(p ‖ p̂) over bigram contexts, Σ π(x) c_x (K_x − 1)/2 (second order).</param>
/// <param name="PerplexityRatio">exp(KL_g − KL_0): the count model's held-out perplexity relative to generation 0.</param>
/// <param name="EntropyRatio">(H − loss_g) / (H − loss_0) for the real unigram entropy H.</param>
public sealed record GenerationPrediction(
    int Generation,
    double C,
    double UnigramDiversityRatio,
    double BigramDiversityRatio,
    double EntropyLossNats,
    double EntropyLossBits,
    double KlNats,
    double KlBits,
    double PerplexityRatio,
    double EntropyRatio);

/// <param name="FloorDiversityRatio">The single-context diversity ratio at the horizon: where it settles, when it has (0 for collapse; the sentence says when it is still moving).</param>
/// <param name="Sentence">The whole explanation, for the report and predict.</param>
/// <param name="Headline">A clause of it short enough for a verdict line or an error in a CI log.</param>
public sealed record LongRun(LongRunBehaviour Behaviour, double FloorDiversityRatio, int HorizonGenerations, string Sentence, string Headline);

public sealed record TheoryPrediction(LedgerCounts Counts, IReadOnlyList<GenerationPrediction> Generations, LongRun LongRun);
