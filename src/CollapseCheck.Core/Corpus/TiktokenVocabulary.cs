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
