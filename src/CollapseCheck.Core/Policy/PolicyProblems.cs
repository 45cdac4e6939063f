using CollapseCheck.Diagnostics;

namespace CollapseCheck.Policy;

/// <summary>
/// Every error found while reading one policy. A bad field is noted and read as its default, so one run names every
/// bad field instead of one per edit; a check across fields skips any field already noted, so a default stood in for
/// a bad value never causes a second, made-up error.
/// </summary>
internal sealed class PolicyProblems
{
    private readonly List<CollapseCheckException> _errors = [];
    private readonly HashSet<string> _fields = [];

    public void Add(string field, CollapseCheckException error)
    {
        _errors.Add(error);
        _fields.Add(field);
    }

    /// <summary>Notes <paramref name="error"/> unless <paramref name="holds"/> or one of the fields is already bad.</summary>
    public void Require(bool holds, IReadOnlyList<string> fields, Func<CollapseCheckException> error)
    {
        // Not marked bad: the fields' values are real, and another check on them must still run.
        if (!holds && !fields.Any(IsBad))
        {
            _errors.Add(error());
        }
    }

    /// <summary>All errors in file order, as one exception.</summary>
    public void ThrowIfAny()
    {
        if (_errors.Count > 0)
        {
            throw Errors.Together(_errors);
        }
    }

    // "model" given as a number makes every model.* field a default.
    private bool IsBad(string field) => _fields.Any(bad => field == bad || field.StartsWith(bad + ".", StringComparison.Ordinal));
}
