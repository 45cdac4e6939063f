using System.Text;
using CollapseCheck.Corpus;
using CollapseCheck.Policy;

namespace CollapseCheck.Core.Tests.Corpus;

public class TokenizerTests
{
    private static readonly string[] s_fitting =
    [
        "Returns a value indicating whether the specified string occurs within this string.",
        "Gets the number of elements contained in the collection. Größe und Länge — naïve café 🙂.",
        "Initializes a new instance of the class with the specified capacity.",
    ];

    [Theory]
    [InlineData("plain ASCII")]
    [InlineData("Größe — naïve café")]
    [InlineData("emoji 🙂 and CJK 漢字")]
    public void Byte_round_trips_any_text_and_counts_one_byte_per_id(string text)
    {
        var t = new ByteTokenizer();
        var ids = t.Encode(text);
        Assert.Equal(Encoding.UTF8.GetByteCount(text), ids.Length);
        Assert.Equal(text, t.Decode(ids));
        Assert.All(ids, id => Assert.Equal(1, t.ByteLength(id)));
        Assert.Equal(256, t.EndOfDocumentId);
        Assert.Equal(0, t.ByteLength(t.EndOfDocumentId));
        Assert.Equal(-1, t.UnknownId);
    }

    [Fact]
    public void Fits_says_which_tokenizers_read_the_training_split()
    {
        foreach (var kind in Enum.GetValues<TokenizerKind>())
        {
            var read = 0;
            TokenizerFactory.Create(kind, s_fitting.Select(text => { read++; return text; }));
            Assert.True(TokenizerFactory.Fits(kind) == (read > 0), $"{kind}: Fits {TokenizerFactory.Fits(kind)}, read {read} texts");
        }
    }

    [Theory]
    [InlineData(TokenizerKind.Cl100k)]
    [InlineData(TokenizerKind.O200k)]
    public void Tiktoken_vocabularies_compact_to_the_fitted_ids_and_round_trip(TokenizerKind kind)
    {
        var t = TokenizerFactory.Create(kind, s_fitting);
        Assert.InRange(t.VocabularySize, 20, 200);
        Assert.Equal(t.VocabularySize - 1, t.EndOfDocumentId);
        Assert.Equal(t.VocabularySize - 2, t.UnknownId);
        foreach (var text in s_fitting)
        {
            var ids = t.Encode(text);
            Assert.DoesNotContain(t.UnknownId, ids);
            Assert.All(ids, id => Assert.InRange(id, 0, t.UnknownId - 1));
            Assert.Equal(text, t.Decode(ids));
            Assert.Equal(Encoding.UTF8.GetByteCount(text), ids.Sum(t.ByteLength));
        }
    }

    [Fact]
    public void Unseen_tokens_map_to_unknown_and_decode_as_replacement_characters()
    {
        var t = TokenizerFactory.Create(TokenizerKind.Cl100k, s_fitting);
        var ids = t.Encode("Returns the specified zebra");
        Assert.Contains(t.UnknownId, ids);
        Assert.Contains("\uFFFD", t.Decode(ids));
        Assert.StartsWith("Returns the specified", t.Decode(ids));
    }

    [Fact]
    public void Compaction_is_deterministic_for_the_same_fitting_text()
    {
        var a = TokenizerFactory.Create(TokenizerKind.O200k, s_fitting);
        var b = TokenizerFactory.Create(TokenizerKind.O200k, s_fitting);
        Assert.Equal(a.VocabularySize, b.VocabularySize);
        Assert.Equal(a.Encode(s_fitting[1]), b.Encode(s_fitting[1]));
        Assert.Contains("compacted to", a.ToString());
    }

    [Fact]
    public void Text_without_long_runs_encodes_exactly_as_tiktoken_does()
    {
        var words = string.Join(" ", s_fitting) + " " + new string('x', TiktokenVocabulary.LongestRun) + " " + new string('7', 1000);
        foreach (var vocabulary in new[] { TiktokenVocabulary.Cl100k, TiktokenVocabulary.O200k })
        {
            Assert.Empty(TiktokenVocabulary.Cuts(words));
            Assert.Equal(vocabulary.Tokenizer.EncodeToIds(words), vocabulary.Encode(words));
        }
    }

    [Fact]
    public void A_run_longer_than_any_word_is_encoded_in_pieces_that_still_round_trip()
    {
        var letters = "ab " + new string('q', 2 * TiktokenVocabulary.LongestRun + 10) + " end";
        Assert.Equal([3 + TiktokenVocabulary.LongestRun, 3 + 2 * TiktokenVocabulary.LongestRun], TiktokenVocabulary.Cuts(letters));

        // A symbol outside the basic plane is two UTF-16 units: the cut falls after whole characters.
        var emoji = string.Concat(Enumerable.Repeat("🙂", TiktokenVocabulary.LongestRun + 5));
        Assert.Equal([2 * TiktokenVocabulary.LongestRun], TiktokenVocabulary.Cuts(emoji));
        Assert.Equal([TiktokenVocabulary.LongestRun], TiktokenVocabulary.Cuts(new string(' ', TiktokenVocabulary.LongestRun + 1)));

        // Combining marks continue the run they are in: punctuation and marks alternating is one pre-token in both patterns.
        var marked = string.Concat(Enumerable.Repeat("!\u0301", TiktokenVocabulary.LongestRun));
        Assert.Equal([TiktokenVocabulary.LongestRun], TiktokenVocabulary.Cuts(marked));
        Assert.Equal([TiktokenVocabulary.LongestRun], TiktokenVocabulary.Cuts(string.Concat(Enumerable.Repeat("e\u0301", TiktokenVocabulary.LongestRun))));
        Assert.Equal([TiktokenVocabulary.LongestRun], TiktokenVocabulary.Cuts(new string('\u0301', TiktokenVocabulary.LongestRun + 1)));

        var vocabulary = TiktokenVocabulary.Cl100k;
        var pieces = vocabulary.Tokenizer.EncodeToIds(letters[..259]).Concat(vocabulary.Tokenizer.EncodeToIds(letters[259..515])).Concat(vocabulary.Tokenizer.EncodeToIds(letters[515..]));
        Assert.Equal(pieces, vocabulary.Encode(letters));
        var t = TokenizerFactory.Create(TokenizerKind.Cl100k, [letters, emoji, marked]);
        Assert.Equal(letters + emoji + marked, t.Decode(t.Encode(letters + emoji + marked)));
    }
}
