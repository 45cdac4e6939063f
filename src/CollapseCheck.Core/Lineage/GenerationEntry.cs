using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace CollapseCheck.Lineage;

/// <summary>
/// A generation's file in the <see cref="GenerationCache"/>: what it is for (the full key and the generation number),
/// the SHA-256 of its payload, and the payload, a <see cref="CachedGeneration"/> as JSON. The folder and file names
/// alone said neither: a probe's g1.json and g2.json swapped, or g1 copied over g2, ran on another generation's text
/// and gave a report unlike a cold run's without a word, and an edited number or id reached the gate or libtorch as an
/// internal error. Anything that does not match is a miss, recomputed.
/// </summary>
internal static class GenerationEntry
{
    private const string Format = "collapsecheck generation 3";

    public static string Write(string key, int generation, string payload)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("format", Format);
            writer.WriteString("key", key);
            writer.WriteNumber("generation", generation);
            writer.WriteString("sha256", Sha256(payload));
            writer.WritePropertyName("entry");
            // Written as it is, so the text read back is the text hashed, whatever a serializer would make of it now.
            writer.WriteRawValue(payload);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The payload of an entry written for this key and generation, unchanged since; otherwise null.</summary>
    /// <exception cref="JsonException">The text is not JSON (a torn write).</exception>
    public static string? PayloadOf(string text, string key, int generation)
    {
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || StringOf(root, "format") != Format
            || StringOf(root, "key") != key
            || !root.TryGetProperty("generation", out var number) || number.ValueKind != JsonValueKind.Number
            || !number.TryGetInt32(out var written) || written != generation
            || !root.TryGetProperty("entry", out var entry))
        {
            return null;
        }

        var payload = entry.GetRawText();
        return StringOf(root, "sha256") == Sha256(payload) ? payload : null;
    }

    /// <summary>
    /// Whether a payload read back could have been written by a run for this generation: the checksum shows it was
    /// not changed since, this shows it was right when written (a hand-made entry, another build's bug). Each test
    /// stands for an internal error the entry would cause: an id past the vocabulary in libtorch, a null document in
    /// the composer, a generation 0 of no diversity in the gate, which divides by it.
    /// </summary>
    public static bool IsConsistent(CachedGeneration entry, int generation, int vocabularySize) =>
        // Nulls first: a payload written by hand, its checksum made to match, can hold them where the types say none.
        entry.Result?.Generated is not null && entry.Sample is not null && entry.Result.TrainingTokensBySource is not null
        && entry.Result.Generation == generation
        && entry.Sample.All(document => document is not null && document.All(id => (uint)id < (uint)vocabularySize))
        && entry.Result.TrainingTokensBySource.All(source => source.Key is not null && source.Value >= 0)
        && (generation > 0 || entry.Result.Generated.GiniSimpson > 0);

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static string Sha256(string text) => Sha256(Encoding.UTF8.GetBytes(text));

    private static string? StringOf(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
