using System.CommandLine;
using CollapseCheck.Diagnostics;
using CollapseCheck.Policy;
using CollapseCheck.Reporting;

namespace CollapseCheck.Tool.Commands;

internal static class InitCommand
{
    public static Command Create(ToolOutput output)
    {
        var path = new Argument<string>("path")
        {
            Description = "Where to write the starter policy; a folder gets a collapsecheck.json in it.",
            DefaultValueFactory = _ => "collapsecheck.json",
        };
        path.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<string>();
            if (value == "-")
            {
                // Elsewhere '-' is standard input; here it made a folder named '-'.
                r.AddError("init writes a policy file, and '-' (standard input for the other commands) is none; name the file, such as collapsecheck.json");
            }
            else if (!CommonOptions.RejectOptionLike(r, value, "the policy path"))
            {
                CommonOptions.RejectUnusablePath(r, InFolder(value), "the policy path", folder: false);
            }
        });
        var force = new Option<bool>("--force") { Description = "Overwrite an existing file." };
        var command = new Command("init", "Write a commented starter policy (the embedded default, every field explained).") { path, force };
        command.SetAction(parsed =>
        {
            var target = Path.GetFullPath(InFolder(parsed.GetValue(path))!);
            if (File.Exists(target) && !parsed.GetValue(force))
            {
                throw Errors.BadArgument($"'{target}' already exists; pass --force to overwrite it");
            }

            // A policy kept behind a link (a shared one, linked into each project) is overwritten where it is: the atomic
            // write would otherwise replace the link with a file of its own and leave the shared policy as it was. The
            // advice still names the link, beside which that project's reports and snapshots go.
            var written = File.Exists(target) && new FileInfo(target).LinkTarget is not null
                && new FileInfo(target).ResolveLinkTarget(returnFinalTarget: true) is { Exists: true } linked ? linked.FullName : target;
            // Another collapsecheck writing in that folder holds it for up to a minute (a verify's reports): said, and
            // Ctrl+C ends the wait with nothing written, as it does for run, verify and accept.
            SignalCancellation.Run(output.Error, cancellation =>
            {
                AtomicFile.WriteAll(Path.GetDirectoryName(written)!, [(Path.GetFileName(written), PolicyLoader.StarterPolicyText)], cancellation, output.Waiting);
                return true;
            }, _ => "collapsecheck: cancelled while another writer held the folder; the policy was not written.");
            output.Out.WriteLine(written == target ? $"Wrote {target}" : $"Wrote {written} (through the link {target})");
            var relative = Path.GetRelativePath(Environment.CurrentDirectory, target);
            // A path starting with - would read as an option.
            var argument = relative.StartsWith('-') ? "./" + relative : relative;
            output.Out.WriteLine($"Next: {Errors.Command("run", argument, extra: "--verify")} (the first has no snapshot: it writes the received files), then {Errors.Command("accept", argument)} to make them the snapshot");
            output.Out.WriteLine("Snapshots: add '*.verified.* text eol=lf' to .gitattributes so reports compare byte for byte on every OS.");
            return 0;
        });
        return command;
    }

    /// <summary>
    /// `init policies` where policies is a folder means policies/collapsecheck.json, as `git init DIR` works in DIR; a path
    /// ending in a separator names a folder too, made when missing, and so does a new path without an extension (a
    /// policy file named without one would also name its outputs p0.collapsecheck-out).
    /// </summary>
    private static string? InFolder(string? path) =>
        !string.IsNullOrWhiteSpace(path) && (Directory.Exists(path) || path.EndsWith('/') || path.EndsWith(Path.DirectorySeparatorChar)
            || (!File.Exists(path) && Path.GetExtension(path).Length == 0))
            ? Path.Combine(path, "collapsecheck.json")
            : path;
}
