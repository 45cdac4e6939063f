using System.Globalization;
using System.Text;

namespace CollapseCheck.Corpus;

/// <summary>
/// A tiktoken encoding restricted to the ids the training text uses, renumbered densely, plus an unknown
/// id and an end-of-document id: a 100k-row embedding would dwarf a tiny model and mostly never train.
/// </summary>
public sealed class CompactedTokenizer : ITextTokenizer
{
    private readonly TiktokenVocabulary _vocabulary;
    private readonly Dictionary<int, int> _toCompact = [];
    private readonly int[] _toOriginal;
    private readonly int[] _byteLengths;

    internal CompactedTokenizer(TiktokenVocabulary vocabulary, IEnumerable<string> fittingTexts)
    {
        _vocabulary = vocabulary;
        var used = new SortedSet<int>();
        long fittedTokens = 0, fittedBytes = 0;
        foreach (var text in fittingTexts)
        {
            foreach (var id in vocabulary.Encode(text))
            {
                used.Add(id);
                fittedTokens++;
            }

            fittedBytes += Encoding.UTF8.GetByteCount(text);
        }

        _toOriginal = used.ToArray();
        for (var i = 0; i < _toOriginal.Length; i++)
        {
            _toCompact[_toOriginal[i]] = i;
        }

        UnknownId = _toOriginal.Length;
        EndOfDocumentId = _toOriginal.Length + 1;

        // An unknown token's true bytes are not kept; it counts as the fitted text's mean bytes per token, in whole bytes
        // (sampled text only: real text's true size is known, see PreparedCorpus.HeldOutTokenBytes and RealSampleBytes).
        var unknownBytes = fittedTokens == 0 ? 1 : (int)Math.Max(1, Math.Round((double)fittedBytes / fittedTokens));
        _byteLengths = [.. _toOriginal.Select(id => vocabulary.BytesOf(id).Length), unknownBytes, 0];
        Identity = $"{Name} {Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Runtime.InteropServices.MemoryMarshal.AsBytes<int>([.. _toOriginal, .. _byteLengths])))}";
    }

    /// <summary>The vocabulary's name, which of its ids are kept (in order) and every id's byte length, the unknown's estimate included.</summary>
    public string Identity { get; }

    public string Name => _vocabulary.Name;

    public int VocabularySize => _toOriginal.Length + 2;

    public int EndOfDocumentId { get; }

    public int UnknownId { get; }

    public int[] Encode(string text) => _vocabulary.Encode(text).Select(Compact).ToArray();

    private int Compact(int original) => _toCompact.TryGetValue(original, out var c) ? c : UnknownId;

    public string Decode(ReadOnlySpan<int> ids)
    {
        // Joining raw token bytes first keeps multi-token characters intact.
        var bytes = new List<byte>();
        foreach (var id in ids)
        {
            if (id == UnknownId)
            {
                bytes.AddRange("\uFFFD"u8.ToArray());
            }
            else if (id >= 0 && id < _toOriginal.Length)
            {
                bytes.AddRange(_vocabulary.BytesOf(_toOriginal[id]));
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    public int ByteLength(int id) => _byteLengths[id];

    public (int[] Ids, int[] Bytes) EncodeWithBytes(string text)
    {
        var original = _vocabulary.Encode(text);
        return (original.Select(Compact).ToArray(), original.Select(id => _vocabulary.BytesOf(id).Length).ToArray());
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Name} compacted to {_toOriginal.Length:N0} of {_vocabulary.Bytes.Count:N0} ids + unknown + end-of-document");
}
