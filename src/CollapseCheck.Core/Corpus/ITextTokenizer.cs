namespace CollapseCheck.Corpus;

/// <summary>
/// Text to model ids and back. Ids are dense, 0..VocabularySize-1, and include an end-of-document
/// id (which the lineage uses as beginning-of-sequence too) and, for compacted BPE vocabularies,
/// an unknown id for tokens the training text never used.
/// </summary>
public interface ITextTokenizer
{
    /// <summary>Stable name, as written in the policy: byte, cl100k, o200k.</summary>
    string Name { get; }

    int VocabularySize { get; }

    int EndOfDocumentId { get; }

    /// <summary>The id unseen tokens map to, or -1 when every input is representable (byte).</summary>
    int UnknownId { get; }

    /// <summary>Ids for the text, without an end-of-document id.</summary>
    int[] Encode(string text);

    /// <summary>Text for ids; end-of-document ids are skipped; invalid UTF-8 becomes U+FFFD.</summary>
    string Decode(ReadOnlySpan<int> ids);

    /// <summary>
    /// UTF-8 bytes the id stands for (0 for end-of-document), so metrics can be reported per byte. For the unknown id,
    /// which stands for many tokens, an estimate; <see cref="EncodeWithBytes"/> has the exact figures for known text.
    /// </summary>
    int ByteLength(int id);

    /// <summary><see cref="Encode"/>'s ids with the UTF-8 bytes of each token, unknown ones included, from one encoding.</summary>
    (int[] Ids, int[] Bytes) EncodeWithBytes(string text);

    /// <summary>
    /// What every id stands for, for cache keys: tokenizers of equal identity decode and measure every id alike. A
    /// compacted one's ids depend on the text it was fitted to, so equal id streams can be other tokens.
    /// </summary>
    string Identity { get; }
}
