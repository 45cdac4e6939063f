using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using CollapseCheck.Training;

namespace CollapseCheck.Tool.Commands;

/// <summary>
/// Options several commands share, and the checks that make a bad argument fail at parse time, before any work,
/// with a one-line message in the tool's words (not System.CommandLine's type names).
/// </summary>
internal static class CommonOptions
{
    /// <param name="fromStandardInput">
    /// Whether '-' reads the policy from standard input; verify and accept refuse it (snapshots live beside a file), so
    /// their help must not offer it.
    /// </param>
    public static Argument<string?> Policy(bool fromStandardInput = true)
    {
        var argument = new Argument<string?>("policy")
        {
            Description = fromStandardInput
                ? "Policy file (collapsecheck.json), or - to read it from standard input. Omit to use the embedded default on builtin:dotnet-docs."
                : "Policy file (collapsecheck.json), beside which its snapshots live. Omit for the embedded default's snapshots, collapsecheck-report.verified.* in this folder.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        argument.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<string?>();
            if (!RejectOptionLike(r, value, "the policy path"))
            {
                RejectEmpty(r, value, "the policy path");
            }
        });
        return argument;
    }

    /// <summary>
    /// The policy argument. Without one the embedded default runs (the design's choice: a first run needs no file),
    /// which surprised users standing beside their own collapsecheck.json, so that case is said out loud.
    /// </summary>
    public static string? PolicyOf(ParseResult parsed, Argument<string?> policy, ToolOutput output)
    {
        var path = PathOf(parsed, policy);
        if (path is null && File.Exists(DefaultPolicyName))
        {
            output.Error.WriteLine($"collapsecheck: no policy given, so the embedded default is used; pass {DefaultPolicyName} to use the one in this folder.");
        }

        return path;
    }

    private const string DefaultPolicyName = "collapsecheck.json";

    /// <summary>The policy argument as given, but "-", which is standard input as for most command-line tools: /dev/stdin, which the rest of the tool knows as piped.</summary>
    public static string? PathOf(ParseResult parsed, Argument<string?> policy) =>
        parsed.GetValue(policy) is "-" && !OperatingSystem.IsWindows() ? "/dev/stdin" : parsed.GetValue(policy);

    public static Option<string?> Out()
    {
        var option = new Option<string?>("--out", "-o")
        {
            Description = "Folder of the reports (default: collapsecheck-out beside the policy; NAME.collapsecheck-out for a policy NAME.json; needed for a policy piped in as /dev/stdin).",
        };
        option.Validators.Add(r => RejectUnusablePath(r, r.GetValueOrDefault<string?>(), "--out", folder: true));
        RejectOptionAsValue(option);
        return option;
    }

    public static Option<string> Device()
    {
        var option = new Option<string>("--device")
        {
            Description = "auto (CUDA when available), cpu or cuda.",
            DefaultValueFactory = _ => "auto",
        };
        OneOf(option, ComputeDevice.Names);
        return option;
    }

    public static Option<string?> LibTorch()
    {
        var option = new Option<string?>("--libtorch")
        {
            Description = "Folder with libtorch.so to use instead of the packaged CPU build, e.g. a PyTorch install's torch/lib (also COLLAPSECHECK_LIBTORCH).",
        };
        option.Validators.Add(r => RejectEmpty(r, r.GetValueOrDefault<string?>(), "--libtorch"));
        RejectOptionAsValue(option);
        return option;
    }

    public static Option<int?> WholeNumber(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = r => Parsed(r, name, $"a whole number (at most {int.MaxValue})", (string s, out int v) => int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out v)),
    };

    /// <summary>A finite number: 1e400 would parse as infinity and switch a threshold off.</summary>
    /// <param name="outOfRange">The error for a number the option does not take, or null. Checked here rather than in a
    /// validator, which throws reading the value of an argument that did not parse instead of reporting it.</param>
    public static Option<double?> Number(string name, string description, Func<double, string?>? outOfRange = null) => new(name)
    {
        Description = description,
        CustomParser = r =>
        {
            var value = Parsed(r, name, "a finite number", (string s, out double v) => double.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out v) && double.IsFinite(v));
            if (value is { } number && outOfRange?.Invoke(number) is { } error)
            {
                r.AddError(error);
                return null;
            }

            return value;
        },
    };

    /// <summary>Accepts only <paramref name="allowed"/>, and says so on one line naming the option.</summary>
    public static void OneOf(Option<string> option, IReadOnlyCollection<string> allowed)
    {
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string>() is { } value && !allowed.Contains(value))
            {
                r.AddError($"{option.Name} must be one of {string.Join(", ", allowed)}, but is '{value}'");
            }
        });
        option.CompletionSources.Add([.. allowed]);
    }

    /// <summary>
    /// A path the command will create: not empty, not an existing entry of the other kind (a folder where a file is
    /// wanted, or the reverse), and not under a file.
    /// </summary>
    public static void RejectUnusablePath(SymbolResult result, string? path, string what, bool folder)
    {
        if (path is null)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(path))
        {
            RejectEmpty(result, path, what);
        }
        else if (folder ? File.Exists(path) : Directory.Exists(path))
        {
            result.AddError(folder ? $"{what} must be a folder, but '{path}' is a file" : $"{what} must be a file, but '{path}' is a folder");
        }
        else
        {
            RejectUnderAFile(result, Path.GetDirectoryName(Path.GetFullPath(path)), what);
        }
    }

    /// <summary>A path whose folder chain runs through a file cannot be created: say so now, not after the work.</summary>
    private static void RejectUnderAFile(SymbolResult result, string? folder, string what)
    {
        for (; !string.IsNullOrEmpty(folder); folder = Path.GetDirectoryName(folder))
        {
            if (File.Exists(folder))
            {
                result.AddError($"{what} cannot be made: '{folder}' is a file, not a folder");
                return;
            }
        }
    }

    /// <summary>
    /// A misspelt option lands in a path argument: `run --sed 3` read '--sed' as the policy and `init --forse` wrote a
    /// file named --forse. A path that really starts with '-' can be written ./-name.
    /// </summary>
    /// <returns>Whether it was rejected.</returns>
    public static bool RejectOptionLike(SymbolResult result, string? path, string what)
    {
        if (!LooksLikeOption(path))
        {
            return false;
        }

        result.AddError($"{UnknownOption(result, path!)} (if it is {what}, write it as ./{path})");
        return true;
    }

    /// <summary>
    /// "unknown option '--jsn'; did you mean '--json'?" when the command (or a parent's recursive option) has one near
    /// it; "accept has no -o; run, verify take it" when another command has it. A one-letter option is never "near"
    /// another: `accept -o x` was asked whether it meant -h.
    /// </summary>
    public static string UnknownOption(SymbolResult at, string written)
    {
        var names = new List<string>();
        var own = true;
        CommandResult? ownCommand = null;
        CommandResult? root = null;
        for (SymbolResult? s = at; s is not null; s = s.Parent)
        {
            if (s is CommandResult command)
            {
                ownCommand ??= command;
                root = command;
                names.AddRange(command.Command.Options.Where(o => own || o.Recursive).SelectMany(o => o.Aliases.Prepend(o.Name)));
                own = false;
            }
        }

        var others = root is null || ownCommand == root ? [] : root.Command.Subcommands
            .Where(c => c != ownCommand!.Command && c.Options.Any(o => o.Name == written || o.Aliases.Contains(written)))
            .Select(c => c.Name).ToList();
        var hint = others.Count > 0 ? $"{ownCommand!.Command.Name} has no {written}; {string.Join(", ", others)} {(others.Count == 1 ? "takes" : "take")} it"
            : written.Length <= 2 ? ""
            : Diagnostics.Suggestion.For(written, names).TrimEnd();
        return $"unknown option '{written}'{(hint.Length == 0 ? "" : "; " + hint)}";
    }

    /// <summary>
    /// An option whose value was left out takes the next word, even another option: `-o $OUT --verify` with OUT empty
    /// wrote the reports to a folder named --verify and never verified, and passed. A value that really starts with '-'
    /// can be written ./-name.
    /// </summary>
    public static void RejectOptionAsValue(Option<string?> option) =>
        option.Validators.Add(r =>
        {
            if (r.Tokens.Count > 0 && r.Tokens[^1].Value is var value && LooksLikeOption(value))
            {
                r.AddError($"{option.Name} needs a value, but the word after it is '{value}', an option (a value that starts with '-' can be written ./{value})");
            }
        });

    /// <summary>'-' alone is standard input, a value; '-x' and '--x' are options. A value that starts with '-' is written ./-x.</summary>
    private static bool LooksLikeOption(string? value) => value is ['-', _, ..];

    private static void RejectEmpty(SymbolResult result, string? path, string what)
    {
        if (path is not null && string.IsNullOrWhiteSpace(path))
        {
            result.AddError($"{what} is empty");
        }
    }

    private delegate bool TryParse<T>(string text, out T value);

    private static T? Parsed<T>(ArgumentResult result, string name, string expected, TryParse<T> tryParse) where T : struct
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (tryParse(text, out var value))
        {
            return value;
        }

        result.AddError($"{name} must be {expected}, but is '{text}'");
        return null;
    }
}
