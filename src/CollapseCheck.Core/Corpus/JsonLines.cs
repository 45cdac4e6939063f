using System.Text;
using System.Text.Json;
using CollapseCheck.Common;
using CollapseCheck.Diagnostics;

namespace CollapseCheck.Corpus;

/// <summary>*.jsonl: one JSON object per line, its text in a named string field. Blank lines are skipped.</summary>
internal static class JsonLines
{
    /// <summary>
    /// Bad records reported from one file before it stops reading: every one at once, as a policy's fields are, but a
    /// wrong corpus.textField would otherwise make each of a million lines an error.
    /// </summary>
    public const int MaxReported = 10;

    public static List<Document> Read(string content, string path, string relative, string field)
    {
        var documents = new List<Document>();
        var bad = new List<CollapseCheckException>();
        var number = 0;
        using var lines = new StringReader(content);
        while (bad.Count < MaxReported && lines.ReadLine() is { } line)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var column = line.Length - line.TrimStart().Length + 1;
            try
            {
                var text = Record(line, new SourceLocation(path, number, column), field);
                if (text.Length > 0)
                {
                    documents.Add(new Document($"{relative}:{number}", text));
                }
            }
            catch (CollapseCheckException e)
            {
                bad.Add(e);
            }
        }

        if (bad.Count == 0)
        {
            return documents;
        }

        // A wrong corpus.textField makes every record the same error: one says it, at the first, with the count.
        if (bad.Count > 1 && bad.All(e => e.Message.EndsWith(WrongField, StringComparison.Ordinal)))
        {
            var first = bad[0];
            bad = [new CollapseCheckException(first.Code, $"{first.Message[..^WrongField.Length].Replace("but the object has none", $"but this record and the {bad.Count - 1} bad ones after it have none")}{WrongField}", first.Location)];
        }

        if (Remaining(lines))
        {
            var last = bad[^1];
            bad[^1] = new CollapseCheckException(last.Code, $"{last.Message}; reading stopped at this file's {MaxReported}th bad record, line {number}", last.Location);
        }

        throw Errors.Together(bad);
    }

    private const string WrongField = "; set 'corpus.textField' to the right one";

    /// <summary>Whether a record is left unread: blank lines are skipped anyway, so a file's last newlines are none.</summary>
    private static bool Remaining(StringReader lines)
    {
        while (lines.ReadLine() is { } line)
        {
            if (!string.IsNullOrWhiteSpace(line))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The record's text, trimmed, or the error at its line.</summary>
    private static string Record(string line, SourceLocation at, string field)
    {
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            // System.Text.Json stops at 64 levels of nesting: valid JSON, but not read.
            var why = e.Message.Contains("maximum configured depth", StringComparison.Ordinal)
                ? "this line nests arrays or objects more than 64 levels deep"
                : $"this line is not valid JSON ({Policy.PositionedJson.WithoutPosition(e.Message)})";
            throw Errors.CorpusBadRecord(at with { Column = ColumnOfByte(line, e.BytePositionInLine ?? 0) },
                $"expected a JSON object with a string field '{field}' on each line, but {why}");
        }

        using (json)
        {
            try
            {
                var root = json.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    throw Errors.CorpusBadRecord(at, $"expected a JSON object with a string field '{field}', but found {Describe(root.ValueKind)}");
                }

                if (!root.TryGetProperty(field, out var text))
                {
                    throw Errors.CorpusBadRecord(at, $"expected a string field '{field}', but the object has none (fields: {string.Join(", ", root.EnumerateObject().Select(p => p.Name))}){WrongField}");
                }

                // JSON leaves a repeated name to the reader; which of the texts to train on is not ours to guess.
                if (root.EnumerateObject().Count(p => p.Name == field) > 1)
                {
                    throw Errors.CorpusBadRecord(at, $"expected one field '{field}', but this record holds it more than once");
                }

                if (text.ValueKind != JsonValueKind.String)
                {
                    throw Errors.CorpusBadRecord(at, $"expected field '{field}' to be a string, but it is {Describe(text.ValueKind)}");
                }

                return text.GetString()!.Trim();
            }
            catch (InvalidOperationException)
            {
                // A name or text with an escaped half surrogate pair: valid JSON syntax, but no text.
                throw Errors.CorpusBadRecord(at, Policy.PositionedJson.HalfSurrogate);
            }
        }
    }

    /// <summary>System.Text.Json's position is in UTF-8 bytes; the column counts characters, as every other location does.</summary>
    private static int ColumnOfByte(string line, long bytes)
    {
        var utf8 = Encoding.UTF8.GetBytes(line);
        return LineEnds.ColumnAfter(Encoding.UTF8.GetString(utf8, 0, (int)Math.Min(bytes, utf8.Length)));
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => "null",
    };
}
