using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CollapseCheck.Snapshots;

/// <summary>One field that differs: its JSON path and both values as written.</summary>
/// <param name="Where">The path for a person: an array item that names its generation (and metric) says so, e.g.
/// gate.checks.4 (generation 2, held-out perplexity ×gen0).threshold.</param>
public sealed record FieldDifference(string Path, string Verified, string Received, string Where);

/// <summary>
/// Compares two report JSON documents field by field. Numbers under a measured-field pattern may differ by a
/// relative tolerance; text there must have the same words, its numbers as close as their printing allows;
/// every other field must be identical, and so must the shape.
/// </summary>
public static partial class ReportComparer
{
    /// <summary>Values as the report file writes them: "×" and "−", not "\u00D7" and "\u2212".</summary>
    private static readonly JsonSerializerOptions s_readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <param name="ignoredPatterns">Fields left out with everything under them (same pattern syntax as the measured ones).</param>
    /// <param name="uncompared">Fields left out unless a measured pattern names them too: measured values not compared.</param>
    public static List<FieldDifference> Compare(string verifiedJson, string receivedJson, IReadOnlyList<string> measuredPatterns, double tolerance,
        IReadOnlyList<string>? ignoredPatterns = null, IReadOnlyList<string>? uncompared = null)
    {
        var differences = new List<FieldDifference>();
        var rules = new Rules(measuredPatterns, tolerance, ignoredPatterns ?? [], uncompared ?? []);
        Walk(JsonNode.Parse(verifiedJson), JsonNode.Parse(receivedJson), [], [], rules, differences);
        return differences;
    }

    private sealed record Rules(IReadOnlyList<string> Measured, double Tolerance, IReadOnlyList<string> Ignored, IReadOnlyList<string> Uncompared);

    /// <param name="inVerified">Whether the snapshot has the field at all: JSON null and a missing field are both a null node.</param>
    private static void Walk(JsonNode? verified, JsonNode? received, List<string> path, List<string> where, Rules rules, List<FieldDifference> into,
        bool inVerified = true, bool inReceived = true)
    {
        if (rules.Ignored.Any(p => Matches(p, path))
            || (rules.Uncompared.Any(p => Matches(p, path)) && !rules.Measured.Any(p => Matches(p, path))))
        {
            return;
        }

        switch (verified, received)
        {
            case (JsonObject v, JsonObject r):
                foreach (var key in v.Select(kv => kv.Key).Union(r.Select(kv => kv.Key)))
                {
                    Walk(v[key], r[key], [.. path, key], [.. where, key], rules, into, v.ContainsKey(key), r.ContainsKey(key));
                }

                break;
            case (JsonArray v, JsonArray r):
                for (var i = 0; i < Math.Max(v.Count, r.Count); i++)
                {
                    var (vi, ri) = (i < v.Count ? v[i] : null, i < r.Count ? r[i] : null);
                    var index = i.ToString(CultureInfo.InvariantCulture);
                    Walk(vi, ri, [.. path, index], [.. where, index + ItemLabel(ri ?? vi)], rules, into, i < v.Count, i < r.Count);
                }

                break;
            default:
                // A null and a missing field compare equal (as they always have), but each is shown as what it is.
                var (a, b) = (verified?.ToJsonString(s_readable), received?.ToJsonString(s_readable));
                if (a != b && !SameNumber(verified, received) && !WithinTolerance(verified, received, path, rules.Measured, rules.Tolerance))
                {
                    into.Add(new FieldDifference(string.Join('.', path), a ?? (inVerified ? "null" : "(absent)"), b ?? (inReceived ? "null" : "(absent)"), string.Join('.', where)));
                }

                break;
        }
    }

    /// <summary>" (generation 2, held-out perplexity ×gen0)" for an item with those fields, else "".</summary>
    private static string ItemLabel(JsonNode? item)
    {
        if (item is not JsonObject o || o["generation"] is not JsonValue g || !g.TryGetValue<int>(out var generation))
        {
            return "";
        }

        return o["metric"] is JsonValue m && m.TryGetValue<string>(out var metric)
            ? $" (generation {generation}, {metric})"
            : $" (generation {generation})";
    }

    /// <summary>1e-05 and 1E-05 and 0.00001: a snapshot reformatted by another JSON tool still matches.</summary>
    private static bool SameNumber(JsonNode? verified, JsonNode? received) =>
        verified is JsonValue v && received is JsonValue r
        && v.GetValueKind() == JsonValueKind.Number && r.GetValueKind() == JsonValueKind.Number
        && v.GetValue<double>() is var x && double.IsFinite(x) && x == r.GetValue<double>();

    private static bool WithinTolerance(JsonNode? verified, JsonNode? received, List<string> path, IReadOnlyList<string> patterns, double tolerance)
    {
        if (tolerance == 0 || !patterns.Any(p => Matches(p, path)))
        {
            return false;
        }

        if (verified is JsonValue v && received is JsonValue r && v.TryGetValue<double>(out var x) && r.TryGetValue<double>(out var y))
        {
            // A number past a double's range (1e400 in an edited snapshot) reads as infinity, and ∞ − ∞ is within any
            // relative tolerance of ∞: such a value matches nothing but itself, which the exact comparison decides.
            return double.IsFinite(x) && double.IsFinite(y) && Math.Abs(x - y) <= tolerance * Math.Max(Math.Abs(x), Math.Abs(y));
        }

        // Measured text (reasons, summaries) quotes measured numbers, rounded: the words must match, each number within
        // the tolerance or one unit of its coarser printing's last digit (two roundings of values within the tolerance
        // can differ by that). Skipping the text whole let an edited summary verify on the machine that made the snapshot.
        return verified is JsonValue tv && received is JsonValue tr && tv.TryGetValue<string>(out var vt) && tr.TryGetValue<string>(out var rt)
            && SameWordsCloseNumbers(vt, rt, tolerance);
    }

    private static bool SameWordsCloseNumbers(string verified, string received, double tolerance)
    {
        var (vn, rn) = (NumberInText().Matches(verified), NumberInText().Matches(received));
        if (vn.Count != rn.Count || NumberInText().Replace(verified, "#") != NumberInText().Replace(received, "#"))
        {
            return false;
        }

        for (var i = 0; i < vn.Count; i++)
        {
            var (a, b) = (vn[i].Value, rn[i].Value);
            var (x, y) = (double.Parse(a, CultureInfo.InvariantCulture), double.Parse(b, CultureInfo.InvariantCulture));
            // A unit of the coarser printing; none for a whole number, which in a report's text is a count or a generation.
            var decimals = Math.Min(Decimals(a), Decimals(b));
            var lastDigit = decimals == 0 ? 0 : Math.Pow(10, -decimals);
            if (Math.Abs(x - y) > lastDigit + tolerance * Math.Max(Math.Abs(x), Math.Abs(y)))
            {
                return false;
            }
        }

        return true;
    }

    private static int Decimals(string number) => number.IndexOf('.') is var dot and >= 0 ? number.Length - dot - 1 : 0;

    [System.Text.RegularExpressions.GeneratedRegex(@"\d+(?:\.\d+)?")]
    private static partial System.Text.RegularExpressions.Regex NumberInText();

    /// <summary>"generations.*.heldOut.*" against ["generations", "3", "heldOut", "perplexity"]: * is one segment.</summary>
    public static bool Matches(string pattern, IReadOnlyList<string> path)
    {
        var parts = pattern.Split('.');
        return parts.Length == path.Count && parts.Zip(path).All(p => p.First == "*" || p.First == p.Second);
    }
}
