using System.Text.Json;
using Microsoft.Build.Utilities;

namespace CollapseCheck.Tasks;

/// <summary>
/// The tool's --diagnostics JSON as MSBuild errors and warnings, with their codes and policy-file locations: errors as
/// errors, notices (passed, but not the whole way) as warnings, since a passing build's terminal log shows no message.
/// </summary>
internal static class ToolDiagnostics
{
    /// <summary>The tool's options and the properties that set them: its messages name the option.</summary>
    private static readonly (string Option, string Property)[] s_properties =
    [
        ("--tolerance", "CollapseCheckTolerance"),
        ("--device", "CollapseCheckDevice"),
        ("--out", "CollapseCheckOutput"),
        ("--cache", "CollapseCheckCache"),
        ("--libtorch", "CollapseCheckLibTorch"),
    ];

    /// <param name="policyFile">Where a finding without a file of its own points.</param>
    /// <param name="projectFile">Where a bad property value points (empty: at the policy).</param>
    /// <param name="outputFolder">The whole path of the --out the task passed (CollapseCheckOutput): CC0030 about it is the property's.</param>
    /// <param name="noticesOnly">Log the notices alone (replaying a passed gate's).</param>
    /// <returns>How many notices were logged.</returns>
    public static int Log(TaskLoggingHelper log, string diagnosticsFile, string policyFile, string projectFile, string outputFolder = "", bool noticesOnly = false)
    {
        var notices = 0;
        var project = projectFile.Length > 0 ? projectFile : null;
        // A replay looked like a fresh run's finding in a build that ran nothing.
        string Replayed(string message) => noticesOnly ? $"{message} (from the gate's last run, which is up to date)" : message;
        using var json = JsonDocument.Parse(File.ReadAllText(diagnosticsFile));
        if (VersionMismatch(json.RootElement) is { } mismatch)
        {
            // Before the findings: it says how far to trust what follows.
            log.LogWarning(null, "CC0054", null, project ?? policyFile, 0, 0, 0, 0, Replayed(mismatch));
            notices++;
        }

        foreach (var d in json.RootElement.GetProperty("diagnostics").EnumerateArray())
        {
            // "notice" and "warning" both passed; anything but "error" is taken as passed, so a newer tool's kind still logs.
            var notice = d.GetProperty("severity").GetString() != "error";
            if (noticesOnly && !notice)
            {
                continue;
            }

            var (code, line, column) = (d.GetProperty("code").GetString(), d.GetProperty("line").GetInt32(), d.GetProperty("column").GetInt32());
            // A policy that is no file (CollapseCheckPolicy=. names a folder) is no place to point at: the project sets it.
            var file = d.GetProperty("file").ValueKind == JsonValueKind.String ? d.GetProperty("file").GetString()
                : File.Exists(policyFile) ? policyFile : project ?? policyFile;
            var message = d.GetProperty("message").GetString() ?? "";
            if (s_properties.FirstOrDefault(p => message.StartsWith(p.Option + " ", StringComparison.Ordinal)) is { Property: { } property, Option: var option })
            {
                // A bad value came from a property: name the property, which is what the user can edit, in the project.
                message = $"{property}{message[option.Length..]} (the tool's {option})";
                file = project ?? file;
            }

            // The advice of libtorch's and CUDA's errors names options ("use --device cpu, or --libtorch DIR"): in a build,
            // the properties. Only theirs: elsewhere the words may be a path's or mean the option itself (verify's --out).
            if (code is "CC0020" or "CC0022")
            {
                foreach (var (named, setBy) in s_properties)
                {
                    message = message.Replace($" {named} ", $" {setBy}=", StringComparison.Ordinal);
                }
            }

            if (code == "CC0030" && About(message, outputFolder))
            {
                // The output folder is the property's too, though the tool's message names the folder, not --out.
                message = $"CollapseCheckOutput: {message} (the tool's --out)";
                file = project ?? file;
            }

            if (code == "CC0032")
            {
                // The folder named is the user cache's unless the project set one: say which setting moves or stops it, at
                // the project, where that setting is (the policy does not choose the cache).
                message = $"{message} (CollapseCheckCache sets another folder, or off)";
                file = project ?? file;
            }

            message = Replayed(message);
            if (notice)
            {
                // MSBuildWarningsAsMessages=CC2007 quiets it; -warnaserror makes it an error.
                log.LogWarning(null, code, null, file, line, column, 0, 0, message);
                notices++;
                continue;
            }

            log.LogError(null, code, null, file, line, column, 0, 0, message);
        }

        return notices;
    }

    /// <summary>This package's version, without its commit, as the tool writes its own.</summary>
    internal static string PackageVersion { get; } = ReleaseVersion.Of(typeof(ToolDiagnostics).Assembly);

    /// <summary>
    /// Why the tool that wrote these findings is not this package's version, or null. The package reads the findings,
    /// chooses the inputs that rerun the gate and names the tool's options as its properties as its own version's
    /// tool writes and takes them; another version may differ in any of these without an error to show it.
    /// </summary>
    internal static string? VersionMismatch(JsonElement root)
    {
        // --allow-downgrade: a tool newer than the package is otherwise refused by the SDK, and it does no harm upward.
        var update = $"'dotnet tool update CollapseCheck.Tool --version {PackageVersion} --allow-downgrade' (with --global for the global tool; a CollapseCheckToolPath must name a {PackageVersion} build)";
        if (!root.TryGetProperty("toolVersion", out var written) || written.ValueKind != JsonValueKind.String)
        {
            return $"the collapsecheck tool does not say its version, so it is older than this package (CollapseCheck {PackageVersion}); use one version of both: {update}";
        }

        var tool = written.GetString()!;
        return tool == PackageVersion ? null : $"the collapsecheck tool is version {tool}, but this package (CollapseCheck) is {PackageVersion}; use one version of both: {update}, or the PackageReference's Version set to {tool}";
    }

    /// <summary>Whether a CC0030 message ("cannot write to 'PATH': …") is about <paramref name="folder"/>, with or without its trailing separator.</summary>
    private static bool About(string message, string folder)
    {
        const string lead = "cannot write to '";
        var path = Path.TrimEndingDirectorySeparator(folder);
        return path.Length > 0 && message.StartsWith(lead + path, StringComparison.Ordinal)
            && message.Length > lead.Length + path.Length && message[lead.Length + path.Length] is '\'' or '/' or '\\';
    }
}
