using System.Text.Json;
using CollapseCheck.Diagnostics;

namespace CollapseCheck.Corpus;

/// <summary>*.jsonl: one JSON object per line, its text in a named string field. Blank lines are skipped.</summary>
internal static class JsonLines
{
    public static IEnumerable<Document> Read(string content, string path, string relative, string field)
    {
        var number = 0;
        using var lines = new StringReader(content);
        while (lines.ReadLine() is { } line)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var column = line.Length - line.TrimStart().Length + 1;
            var at = new SourceLocation(path, number, column);
            JsonDocument json;
            try
            {
                json = JsonDocument.Parse(line);
            }
            catch (JsonException e)
            {
                throw Errors.CorpusBadRecord(at with { Column = (int)(e.BytePositionInLine ?? 0) + 1 },
                    $"expected a JSON object with a string field '{field}' on each line, but this line is not valid JSON");
            }

            using (json)
            {
                var root = json.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    throw Errors.CorpusBadRecord(at, $"expected a JSON object with a string field '{field}', but found {Describe(root.ValueKind)}");
                }

                if (!root.TryGetProperty(field, out var text))
                {
                    throw Errors.CorpusBadRecord(at, $"expected a string field '{field}', but the object has none (fields: {string.Join(", ", root.EnumerateObject().Select(p => p.Name))}); set 'corpus.textField' to the right one");
                }

                if (text.ValueKind != JsonValueKind.String)
                {
                    throw Errors.CorpusBadRecord(at, $"expected field '{field}' to be a string, but it is {Describe(text.ValueKind)}");
                }

                var value = text.GetString()!.Trim();
                if (value.Length > 0)
                {
                    yield return new Document($"{relative}:{number}", value);
                }
            }
        }
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "true/false",
        _ => "null",
    };
}
