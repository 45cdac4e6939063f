using System.IO.Compression;
using System.Reflection;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace CollapseCheck.Corpus;

/// <summary>
/// A tiktoken encoding and the exact bytes of each of its tokens. Microsoft.ML.Tokenizers does not expose
/// the id → bytes map, so it is read from the data package's embedded vocabulary ("base64 rank" lines);
/// exact bytes are what bits-per-byte and decoding of partial UTF-8 tokens need.
/// </summary>
internal sealed class TiktokenVocabulary
{
    private static readonly Lazy<TiktokenVocabulary> s_cl100k = new(() => Load("cl100k", "gpt-4", "Microsoft.ML.Tokenizers.Data.Cl100kBase", "cl100k_base.tiktoken.deflate"));
    private static readonly Lazy<TiktokenVocabulary> s_o200k = new(() => Load("o200k", "gpt-4o", "Microsoft.ML.Tokenizers.Data.O200kBase", "o200k_base.tiktoken.deflate"));

    private TiktokenVocabulary(string name, TiktokenTokenizer tokenizer, Dictionary<int, byte[]> bytes)
    {
        Name = name;
        Tokenizer = tokenizer;
        Bytes = bytes;
    }

    public static TiktokenVocabulary Cl100k => s_cl100k.Value;

    public static TiktokenVocabulary O200k => s_o200k.Value;

    public string Name { get; }

    public TiktokenTokenizer Tokenizer { get; }

    public IReadOnlyDictionary<int, byte[]> Bytes { get; }

    /// <summary>
    /// Longest run of one kind of character (letters, whitespace, or punctuation and symbols) encoded in one piece:
    /// tiktoken's pattern makes such a run one pre-token (or, for some kinds under one of the patterns, several short
    /// ones), and byte-pair merging costs the square of a pre-token's length (a 200 kB line of letters took 40 s). No
    /// word comes near this; text without runs this long encodes exactly as the library encodes it, and a run this long
    /// may encode to other ids than the library's, as whole pieces of it.
    /// </summary>
    internal const int LongestRun = 256;

    /// <summary>The encoding's ids for <paramref name="text"/>, a run longer than <see cref="LongestRun"/> cut into pieces of that length.</summary>
    public IReadOnlyList<int> Encode(string text)
    {
        var cuts = Cuts(text);
        if (cuts.Count == 0)
        {
            return Tokenizer.EncodeToIds(text);
        }

        var ids = new List<int>();
        var start = 0;
        foreach (var cut in cuts.Append(text.Length))
        {
            ids.AddRange(Tokenizer.EncodeToIds(text[start..cut]));
            start = cut;
        }

        return ids;
    }

    /// <summary>Where a run of one kind reaches <see cref="LongestRun"/> characters and goes on: never inside a surrogate pair.</summary>
    internal static List<int> Cuts(string text)
    {
        var cuts = new List<int>();
        var (kind, length) = (-1, 0);
        var index = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            var own = KindOf(rune);
            var next = own != Mark ? own : kind is 0 or 2 ? kind : 2;
            if (next == kind && next >= 0 && length >= LongestRun)
            {
                cuts.Add(index);
                length = 0;
            }

            (kind, length) = next == kind ? (kind, length + 1) : (next, 1);
            index += rune.Utf16SequenceLength;
        }

        return cuts;
    }

    private const int Mark = 3;

    /// <summary>
    /// 0 letters, 1 whitespace, 2 punctuation and symbols; −1 digits (the pattern takes them three at a time). A combining
    /// mark (<see cref="Mark"/>) continues the run it is in, since either pattern can make one pre-token of it with its
    /// neighbours: o200k's words take marks, and cl100k's punctuation runs do ("!" and U+0301 alternating was one
    /// pre-token there, never cut, quadratic).
    /// </summary>
    private static int KindOf(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        >= System.Globalization.UnicodeCategory.UppercaseLetter and <= System.Globalization.UnicodeCategory.OtherLetter => 0,
        >= System.Globalization.UnicodeCategory.NonSpacingMark and <= System.Globalization.UnicodeCategory.EnclosingMark => Mark,
        System.Globalization.UnicodeCategory.DecimalDigitNumber or System.Globalization.UnicodeCategory.LetterNumber or System.Globalization.UnicodeCategory.OtherNumber => -1,
        _ when Rune.IsWhiteSpace(rune) => 1,
        _ => 2,
    };

    public byte[] BytesOf(int id) =>
        Bytes.TryGetValue(id, out var b) ? b : Encoding.UTF8.GetBytes((Tokenizer.SpecialTokens ?? new Dictionary<string, int>()).FirstOrDefault(kv => kv.Value == id).Key ?? "");

    private static TiktokenVocabulary Load(string name, string model, string assemblyName, string resource)
    {
        var tokenizer = TiktokenTokenizer.CreateForModel(model);
        var assembly = Assembly.Load(assemblyName);
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"{assemblyName} has no resource {resource}");
        using var inflated = new DeflateStream(stream, CompressionMode.Decompress);
        using var reader = new StreamReader(inflated, Encoding.ASCII);
        // The packaged form: a "Capacity: N" header, then one base64 token per line, its rank the line's
        // index (the classic "base64 rank" form is read too).
        var bytes = new Dictionary<int, byte[]>();
        var rank = 0;
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line.StartsWith("Capacity:", StringComparison.Ordinal))
            {
                continue;
            }

            var space = line.IndexOf(' ');
            if (space > 0)
            {
                rank = int.Parse(line.AsSpan(space + 1), System.Globalization.CultureInfo.InvariantCulture);
                line = line[..space];
            }

            bytes[rank++] = Convert.FromBase64String(line);
        }

        return new TiktokenVocabulary(name, tokenizer, bytes);
    }
}
