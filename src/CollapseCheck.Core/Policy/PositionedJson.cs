using System.Text;
using System.Text.Json;
using CollapseCheck.Common;
using CollapseCheck.Diagnostics;

namespace CollapseCheck.Policy;

public enum JsonKind { Object, Array, String, Number, True, False, Null }

/// <summary>A JSON value that remembers where it was written, so validation errors can point at it.</summary>
public sealed class JsonValue
{
    public required JsonKind Kind { get; init; }

    public required SourceLocation Location { get; init; }

    /// <summary>Object members in file order, each with the location of its name.</summary>
    public IReadOnlyList<(string Name, SourceLocation NameLocation, JsonValue Value)> Members { get; init; } = [];

    public IReadOnlyList<JsonValue> Items { get; init; } = [];

    public string? Text { get; init; }

    /// <summary>The number as written, so "3.0" and "3" both read as integers but "2.5" does not.</summary>
    public string? RawNumber { get; init; }

    public string Describe() => Kind switch
    {
        JsonKind.Object => "an object",
        JsonKind.Array => "an array",
        JsonKind.String => $"a string \"{Text}\"",
        JsonKind.Number => $"the number {RawNumber}",
        JsonKind.True => "true",
        JsonKind.False => "false",
        _ => "null",
    };
}

/// <summary>Reads JSON with comments and trailing commas into <see cref="JsonValue"/>s with 1-based line/column positions.</summary>
public static class PositionedJson
{
    public static JsonValue Parse(string text, string file)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var lines = new LineMap(bytes);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        try
        {
            if (!reader.Read())
            {
                throw Errors.PolicySyntax(new SourceLocation(file, 1, 1), "the file is empty; write {} for the default policy");
            }

            var value = ReadValue(ref reader, lines, file);
            if (reader.Read())
            {
                throw Errors.PolicySyntax(lines.At(file, reader.TokenStartIndex), "unexpected content after the policy object");
            }

            return value;
        }
        catch (JsonException e)
        {
            // System.Text.Json counts LF-ended lines and bytes; the line map counts the lines an editor shows (a lone CR
            // ends one too) and characters, as every other location in a policy does.
            throw Errors.PolicySyntax(lines.At(file, lines.OffsetOf(e.LineNumber ?? 0, e.BytePositionInLine ?? 0)), InPolicyTerms(WithoutPosition(e.Message)));
        }
    }

    private static JsonValue ReadValue(ref Utf8JsonReader reader, LineMap lines, string file)
    {
        var at = lines.At(file, reader.TokenStartIndex);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                // Duplicate names are kept: the policy reader reports them with every other problem.
                var members = new List<(string, SourceLocation, JsonValue)>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var nameAt = lines.At(file, reader.TokenStartIndex);
                    var name = StringAt(ref reader, nameAt);
                    reader.Read();
                    members.Add((name, nameAt, ReadValue(ref reader, lines, file)));
                }

                return new JsonValue { Kind = JsonKind.Object, Location = at, Members = members };
            case JsonTokenType.StartArray:
                var items = new List<JsonValue>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items.Add(ReadValue(ref reader, lines, file));
                }

                return new JsonValue { Kind = JsonKind.Array, Location = at, Items = items };
            case JsonTokenType.String:
                return new JsonValue { Kind = JsonKind.String, Location = at, Text = StringAt(ref reader, at) };
            case JsonTokenType.Number:
                return new JsonValue { Kind = JsonKind.Number, Location = at, RawNumber = Encoding.UTF8.GetString(reader.ValueSpan) };
            case JsonTokenType.True:
                return new JsonValue { Kind = JsonKind.True, Location = at };
            case JsonTokenType.False:
                return new JsonValue { Kind = JsonKind.False, Location = at };
            default:
                return new JsonValue { Kind = JsonKind.Null, Location = at };
        }
    }

    /// <summary>
    /// The string token's text. An escape of half a surrogate pair (\ud800 alone) is valid JSON syntax but no text,
    /// and System.Text.Json says so only when asked for the string.
    /// </summary>
    private static string StringAt(ref Utf8JsonReader reader, SourceLocation at)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw Errors.PolicySyntax(at, HalfSurrogate);
        }
    }

    internal const string HalfSurrogate = "this string escapes half of a UTF-16 surrogate pair (such as \\ud800 without its \\udc00 partner), which is no character; write the character itself or both halves";

    /// <summary>Where System.Text.Json gave up, 1-based, for any JSON file the tool reads (policies, reports).</summary>
    internal static SourceLocation WhereReaderStopped(string file, JsonException e) =>
        new(file, (int)(e.LineNumber ?? 0) + 1, (int)(e.BytePositionInLine ?? 0) + 1);

    /// <summary>System.Text.Json appends its own position ("LineNumber: 2 | BytePositionInLine: 4."); ours is in front already.</summary>
    internal static string WithoutPosition(string message)
    {
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).TrimEnd('.', ' ');
    }

    /// <summary>Where the reader speaks of its own internals, the words of someone editing a policy.</summary>
    private static string InPolicyTerms(string message)
    {
        if (message.Contains("does not contain any JSON tokens", StringComparison.Ordinal))
        {
            return "the file holds no JSON (only whitespace or comments); write {} for the default policy";
        }

        return message.Contains("Expected depth to be zero", StringComparison.Ordinal)
            ? "the file ends before every '{' and '[' is closed"
            : message;
    }

    /// <summary>
    /// Byte offset to line and column: lines end at LF, CRLF or a lone CR (classic Mac), the column counts characters
    /// (UTF-8 continuation bytes skipped).
    /// </summary>
    private sealed class LineMap(byte[] bytes)
    {
        public SourceLocation At(string file, long offset)
        {
            int line = 1, column = 1;
            for (var i = 0; i < offset && i < bytes.Length; i++)
            {
                if (LineEnds.EndsLine(bytes[i], i + 1 < bytes.Length ? bytes[i + 1] : -1))
                {
                    line++;
                    column = 1;
                }
                else if ((bytes[i] & 0xC0) != 0x80 && bytes[i] != (byte)'\r')
                {
                    column++;
                }
            }

            return new SourceLocation(file, line, column);
        }

        /// <summary>The byte offset of System.Text.Json's position: <paramref name="lfLines"/> LFs in, then <paramref name="bytesInLine"/> bytes.</summary>
        public long OffsetOf(long lfLines, long bytesInLine)
        {
            var start = 0;
            for (var seen = 0L; seen < lfLines && start < bytes.Length; start++)
            {
                if (bytes[start] == (byte)'\n')
                {
                    seen++;
                }
            }

            return start + bytesInLine;
        }
    }
}
