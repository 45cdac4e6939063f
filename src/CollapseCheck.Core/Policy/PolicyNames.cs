namespace CollapseCheck.Policy;

/// <summary>The policy file's spellings of enum values, both ways.</summary>
public static class PolicyNames
{
    public const string DotnetDocs = "builtin:dotnet-docs";

    public static readonly IReadOnlyDictionary<string, LineageMode> Modes = new Dictionary<string, LineageMode>
    {
        ["replace"] = LineageMode.Replace,
        ["mix"] = LineageMode.Mix,
        ["accumulate"] = LineageMode.Accumulate,
        ["accumulate-subsample"] = LineageMode.AccumulateSubsample,
    };

    public static readonly IReadOnlyDictionary<string, TokenizerKind> Tokenizers = new Dictionary<string, TokenizerKind>
    {
        ["byte"] = TokenizerKind.Byte,
        ["cl100k"] = TokenizerKind.Cl100k,
        ["o200k"] = TokenizerKind.O200k,
    };

    public static string Of(LineageMode mode) => Modes.First(kv => kv.Value == mode).Key;

    public static string Of(TokenizerKind kind) => Tokenizers.First(kv => kv.Value == kind).Key;
}
