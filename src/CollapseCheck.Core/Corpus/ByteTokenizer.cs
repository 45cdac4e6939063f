using System.Text;

namespace CollapseCheck.Corpus;

/// <summary>UTF-8 bytes as ids 0..255, end-of-document 256: no vocabulary to fit, nothing unknown.</summary>
public sealed class ByteTokenizer : ITextTokenizer
{
    public string Name => "byte";

    /// <summary>Every byte stands for itself, whatever the text.</summary>
    public string Identity => Name;

    public int VocabularySize => 257;

    public int EndOfDocumentId => 256;

    public int UnknownId => -1;

    public int[] Encode(string text) => Encoding.UTF8.GetBytes(text).Select(b => (int)b).ToArray();

    public string Decode(ReadOnlySpan<int> ids)
    {
        var bytes = new List<byte>(ids.Length);
        foreach (var id in ids)
        {
            if (id is >= 0 and < 256)
            {
                bytes.Add((byte)id);
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    public int ByteLength(int id) => id == EndOfDocumentId ? 0 : 1;

    public (int[] Ids, int[] Bytes) EncodeWithBytes(string text)
    {
        var ids = Encode(text);
        return (ids, Enumerable.Repeat(1, ids.Length).ToArray());
    }

    public override string ToString() => "byte (256 byte ids + end-of-document)";
}
