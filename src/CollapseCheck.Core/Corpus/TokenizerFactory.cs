using CollapseCheck.Policy;

namespace CollapseCheck.Corpus;

public static class TokenizerFactory
{
    /// <summary>Whether <see cref="Create"/> reads its fitting texts: a pass over the training split, for progress totals.</summary>
    public static bool Fits(TokenizerKind kind) => kind is TokenizerKind.Cl100k or TokenizerKind.O200k;

    /// <param name="fittingTexts">The training split: a compacted vocabulary keeps the ids these use.</param>
    public static ITextTokenizer Create(TokenizerKind kind, IEnumerable<string> fittingTexts) => kind switch
    {
        TokenizerKind.Byte => new ByteTokenizer(),
        TokenizerKind.Cl100k => new CompactedTokenizer(TiktokenVocabulary.Cl100k, fittingTexts),
        TokenizerKind.O200k => new CompactedTokenizer(TiktokenVocabulary.O200k, fittingTexts),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
