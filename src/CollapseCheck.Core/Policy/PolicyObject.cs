using System.Globalization;
using CollapseCheck.Diagnostics;

namespace CollapseCheck.Policy;

/// <summary>
/// Reads one JSON object of the policy with typed, range-checked getters. Each getter names its field,
/// so the set of known fields is exactly the set of fields read: <see cref="RejectUnknown"/> runs last.
/// A getter that meets a bad value notes it in <see cref="PolicyProblems"/> and returns its default.
/// </summary>
internal sealed class PolicyObject
{
    private readonly JsonValue? _value;
    private readonly string _path;
    private readonly Dictionary<string, SourceLocation> _locations;
    private readonly PolicyProblems _problems;
    private readonly List<string> _known = [];
    private readonly List<string> _retired = [];

    public PolicyObject(JsonValue? value, string path, Dictionary<string, SourceLocation> locations, PolicyProblems problems)
    {
        _path = path;
        _locations = locations;
        _problems = problems;
        if (value is { Kind: not JsonKind.Object })
        {
            // Read as absent: its fields take their defaults, and the error is noted once, here.
            problems.Add(path, path.Length == 0
                ? Errors.PolicyNotAnObject(value.Location, value.Describe())
                : Errors.WrongType(value.Location, path, "an object", value.Describe()));
            value = null;
        }

        _value = value;
        if (value is not null)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (name, at, _) in value.Members)
            {
                // The first occurrence is the one read (Find), so a later one is the error.
                if (seen.Add(name))
                {
                    _locations[Qualify(name)] = at;
                }
                else
                {
                    problems.Add(Qualify(name), Errors.Inconsistent(at, $"duplicate field '{Qualify(name)}'"));
                }
            }
        }
    }

    public string Qualify(string name) => _path.Length == 0 ? name : $"{_path}.{name}";

    public JsonValue? Find(string name)
    {
        _known.Add(name);
        return _value?.Members.FirstOrDefault(m => m.Name == name).Value;
    }

    public PolicyObject Child(string name) => new(Find(name) is { Kind: not JsonKind.Null } v ? v : null, Qualify(name), _locations, _problems);

    /// <inheritdoc cref="PolicyProblems.Require"/>
    public void Require(bool holds, IReadOnlyList<string> fields, Func<CollapseCheckException> error) => _problems.Require(holds, fields, error);

    /// <summary>A bad value is noted and read as <paramref name="fallback"/>, so the rest of the policy is still checked.</summary>
    private T Checked<T>(string name, T fallback, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (CollapseCheckException e)
        {
            _problems.Add(Qualify(name), e);
            return fallback;
        }
    }

    public int Int(string name, int fallback, int min, int max) => (int)(LongOrNull(name, min, max) ?? fallback);

    /// <summary>Absent: <paramref name="whenAbsent"/>; written as null: null (no limit); otherwise the checked value.</summary>
    public long? LimitOrNull(string name, long min, long max, long? whenAbsent) =>
        Find(name) switch
        {
            null => whenAbsent,
            { Kind: JsonKind.Null } => null,
            _ => LongOrNull(name, min, max),
        };

    public long? LongOrNull(string name, long min, long max) =>
        Checked<long?>(name, null, () =>
        {
            var v = Find(name);
            if (v is null || v.Kind == JsonKind.Null)
            {
                return null;
            }

            if (v.Kind != JsonKind.Number)
            {
                throw Errors.WrongType(v.Location, Qualify(name), "an integer", v.Describe());
            }

            if (!decimal.TryParse(v.RawNumber, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
            {
                // Beyond decimal's range (1e100): whole, but far out of any range this policy allows.
                throw Errors.OutOfRange(v.Location, Qualify(name), IntegerRange(min, max, aboveTop: true), v.RawNumber!);
            }

            if (d != decimal.Truncate(d))
            {
                throw Errors.WrongType(v.Location, Qualify(name), "an integer", $"the fractional number {v.RawNumber}");
            }

            if (d < min || d > max)
            {
                throw Errors.OutOfRange(v.Location, Qualify(name), IntegerRange(min, max, aboveTop: d > max), v.RawNumber!);
            }

            return (long)d;
        });

    /// <summary>"an integer from 1 to 64", or "… of at least 1000" for a value below it when there is no top but long's own.</summary>
    private static string IntegerRange(long min, long max, bool aboveTop) =>
        max == long.MaxValue && !aboveTop ? $"an integer of at least {min}" : $"an integer from {min} to {max}";

    /// <param name="range">Says what is allowed, in words, for the error message.</param>
    public double Double(string name, double fallback, Func<double, bool> valid, string range) => DoubleOrNull(name, valid, range) ?? fallback;

    public double? DoubleOrNull(string name, Func<double, bool> valid, string range) =>
        Checked<double?>(name, null, () =>
        {
            var v = Find(name);
            if (v is null || v.Kind == JsonKind.Null)
            {
                return null;
            }

            if (v.Kind != JsonKind.Number)
            {
                throw Errors.WrongType(v.Location, Qualify(name), "a number", v.Describe());
            }

            var d = double.Parse(v.RawNumber!, NumberStyles.Float, CultureInfo.InvariantCulture);
            // 1e400 parses as infinity, which no range check written as "x >= 0" would refuse; 1e-400 as 0, which the
            // range may allow though the file asked for something else.
            if (!double.IsFinite(d))
            {
                throw Errors.OutOfRange(v.Location, Qualify(name), $"{range} (and within a double's range, about ±1.8e308)", v.RawNumber!);
            }

            if (d == 0 && v.RawNumber!.TrimStart('-').TrimStart('0', '.').TakeWhile(c => c is not ('e' or 'E')).Any(c => c is >= '1' and <= '9'))
            {
                throw Errors.OutOfRange(v.Location, Qualify(name), $"{range} (and 0 or at least about 4.9e-324 in size; this reads as 0)", v.RawNumber!);
            }

            return valid(d) ? d : throw Errors.OutOfRange(v.Location, Qualify(name), range, v.RawNumber!);
        });

    public bool Bool(string name, bool fallback) =>
        Checked(name, fallback, () =>
        {
            var v = Find(name);
            return v?.Kind switch
            {
                null or JsonKind.Null => fallback,
                JsonKind.True => true,
                JsonKind.False => false,
                _ => throw Errors.WrongType(v.Location, Qualify(name), "true or false", v.Describe()),
            };
        });

    public string? String(string name) =>
        Checked<string?>(name, null, () =>
        {
            var v = Find(name);
            if (v is null || v.Kind == JsonKind.Null)
            {
                return null;
            }

            return v.Kind == JsonKind.String && v.Text!.Length > 0
                ? v.Text
                : throw Errors.WrongType(v.Location, Qualify(name), "a non-empty string", v.Kind == JsonKind.String ? "empty" : v.Describe());
        });

    public T Enum<T>(string name, T fallback, IReadOnlyDictionary<string, T> names) =>
        Checked(name, fallback, () =>
        {
            var v = Find(name);
            if (v is null || v.Kind == JsonKind.Null)
            {
                return fallback;
            }

            if (v.Kind != JsonKind.String)
            {
                throw Errors.WrongType(v.Location, Qualify(name), "a string", v.Describe());
            }

            return names.TryGetValue(v.Text!, out var value) ? value : throw Errors.UnknownValue(v.Location, Qualify(name), v.Text!, names.Keys);
        });

    /// <summary>A string or an array of non-empty strings.</summary>
    public IReadOnlyList<string>? Strings(string name, bool allowEmpty) =>
        Checked<IReadOnlyList<string>?>(name, null, () =>
        {
            var v = Find(name);
            if (v is null || v.Kind == JsonKind.Null)
            {
                return null;
            }

            if (v is { Kind: JsonKind.String, Text.Length: 0 })
            {
                throw Errors.WrongType(v.Location, Qualify(name), "a non-empty string or an array of them", "empty");
            }

            var items = v.Kind switch
            {
                JsonKind.String => [v],
                JsonKind.Array => v.Items,
                _ => throw Errors.WrongType(v.Location, Qualify(name), "a string or an array of strings", v.Describe()),
            };
            if (items.Count == 0 && !allowEmpty)
            {
                throw Errors.OutOfRange(v.Location, Qualify(name), "at least one pattern", "an empty array");
            }

            for (var i = 0; i < items.Count; i++)
            {
                _locations[$"{Qualify(name)}[{i}]"] = items[i].Location;
            }

            // Every bad item at its own place: a list of patterns is often written in one go, mistakes and all.
            var bad = Enumerable.Range(0, items.Count).Where(i => items[i] is not { Kind: JsonKind.String, Text.Length: > 0 }).ToList();
            foreach (var i in bad.Skip(1))
            {
                _problems.Add($"{Qualify(name)}[{i}]", NotAString(i));
            }

            return bad.Count == 0 ? items.Select(i => i.Text!).ToList() : throw NotAString(bad[0]);

            CollapseCheckException NotAString(int i) =>
                Errors.WrongType(items[i].Location, $"{Qualify(name)}[{i}]", "a non-empty string", items[i].Kind == JsonKind.String ? "empty" : items[i].Describe());
        });

    public SourceLocation? LocationOf(string name) => _value?.Members.FirstOrDefault(m => m.Name == name).Value?.Location;

    /// <summary>A field an earlier version read: an error that says what replaced it, instead of "unknown field".</summary>
    public void Retired(string name, string replacedBy)
    {
        _known.Add(name);
        _retired.Add(name);
        if (_value?.Members.FirstOrDefault(m => m.Name == name) is { Value: not null } member)
        {
            _problems.Add(Qualify(name), Errors.RetiredField(member.NameLocation, Qualify(name), replacedBy));
        }
    }

    public void RejectUnknown()
    {
        if (_value is null)
        {
            return;
        }

        // "$schema" at the top is an editor's hint, not policy.
        foreach (var (name, at, _) in _value.Members.Where(m => !_known.Contains(m.Name) && !(_path.Length == 0 && m.Name == "$schema")))
        {
            _problems.Add(Qualify(name), Errors.UnknownField(at, name, _path.Length == 0 ? "the policy" : $"'{_path}'", _known.Except(_retired).Distinct()));
        }
    }
}
