using System.Text.Json;
using System.Text.Json.Nodes;
using CollapseCheck.Diagnostics;
using CollapseCheck.Native;
using CollapseCheck.Policy;

namespace CollapseCheck.Snapshots;

/// <summary>Reading a report or snapshot as JSON: checked whole, and fields found by path with their line and column.</summary>
internal static class SnapshotJson
{
    /// <summary>The file's text, or CC0031 (or <paramref name="unreadable"/>'s error) at the line and column where it stops being JSON.</summary>
    public static string ReadJson(string path, Func<SourceLocation, string, CollapseCheckException>? unreadable = null)
    {
        unreadable ??= (at, detail) => Errors.ReportUnreadable(at, detail);
        var start = new SourceLocation(path, 1, 1);
        if (Directory.Exists(path))
        {
            throw unreadable(start, "it is a folder, not a file");
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A link that loops or leads nowhere, a file the system will not read.
            throw unreadable(start, $"it cannot be read ({e.Message.TrimEnd('.')})");
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            throw unreadable(start, "the file is empty");
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("policy", out var policy) || policy.ValueKind != JsonValueKind.Object)
            {
                throw unreadable(start, "a report is a JSON object with a \"policy\" object, and this is not one");
            }
        }
        catch (JsonException e)
        {
            throw unreadable(PositionedJson.WhereReaderStopped(path, e), PositionedJson.WithoutPosition(e.Message));
        }

        // JSON allows a key twice in one object, the comparison cannot (a hand merge can leave one).
        if (FirstDuplicateKey(PositionedJson.Parse(text, path)) is var (key, at))
        {
            throw unreadable(at, $"the key '{key}' appears twice in one object");
        }

        return text;
    }

    private static (string Key, SourceLocation At)? FirstDuplicateKey(Policy.JsonValue value)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, at, member) in value.Members)
        {
            if (!seen.Add(name))
            {
                return (name, at);
            }

            if (FirstDuplicateKey(member) is { } inner)
            {
                return inner;
            }
        }

        return value.Items.Select(FirstDuplicateKey).FirstOrDefault(d => d is not null);
    }

    /// <summary>
    /// Where the field at <paramref name="path"/> ("generations.3.heldOut.perplexity") is written in the snapshot, or
    /// its nearest enclosing field there when the snapshot lacks it: the error, and a CI annotation, point at that line.
    /// </summary>
    public static SourceLocation LocationOf(string path, string json, string file)
    {
        var node = PositionedJson.Parse(json, file);
        var at = new SourceLocation(file, 1, 1);
        foreach (var segment in path.Split('.'))
        {
            if (node.Kind == JsonKind.Object && node.Members.FirstOrDefault(m => m.Name == segment) is { Value: not null } member)
            {
                (node, at) = (member.Value, member.NameLocation);
            }
            else if (node.Kind == JsonKind.Array && int.TryParse(segment, out var index) && index < node.Items.Count)
            {
                node = node.Items[index];
                at = node.Location;
            }
            else
            {
                break;
            }
        }

        return at;
    }

    /// <summary>The policy file a report names as its policy.source ("embedded default" for the default's); null when absent.</summary>
    public static string? PolicySourceOf(string json) =>
        JsonNode.Parse(json) is JsonObject report && report["policy"] is JsonObject policy
        && policy["source"] is System.Text.Json.Nodes.JsonValue value && value.TryGetValue<string>(out var source) ? source : null;

    /// <summary>The report's gate.passed; true when absent or not a boolean (nothing says it failed).</summary>
    public static bool GatePassedOf(string json) =>
        JsonNode.Parse(json) is not JsonObject report || report["gate"] is not JsonObject gate
        || gate["passed"] is not System.Text.Json.Nodes.JsonValue value || !value.TryGetValue<bool>(out var passed) || passed;

    /// <summary>The report's schemaVersion; null when absent or not a whole number.</summary>
    public static int? SchemaOf(string json) =>
        JsonNode.Parse(json) is JsonObject report && report["schemaVersion"] is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<int>(out var schema) ? schema : null;

    /// <summary>
    /// Where the report was made: its device, and its numerics (null when it has none, an earlier version's snapshot, or
    /// they are not in shape).
    /// </summary>
    public static (string? Device, Numerics? Numerics) OriginOf(string json)
    {
        var report = JsonNode.Parse(json);
        var device = report?["device"] is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<string>(out var d) ? d : null;
        var numerics = report?["numerics"] is JsonObject o
            && o["machine"] is System.Text.Json.Nodes.JsonValue m && m.TryGetValue<string>(out var machine)
            && o["fingerprint"] is System.Text.Json.Nodes.JsonValue f && f.TryGetValue<string>(out var fingerprint)
                ? new Numerics(machine, fingerprint)
                : null;
        return (device, numerics);
    }
}
