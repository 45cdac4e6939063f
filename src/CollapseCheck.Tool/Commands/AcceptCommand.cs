using System.CommandLine;
using CollapseCheck.Snapshots;

namespace CollapseCheck.Tool.Commands;

internal static class AcceptCommand
{
    public static Command Create(ToolOutput output)
    {
        var policy = CommonOptions.Policy(fromStandardInput: false);
        var command = new Command("accept", "Make the received report (*.received.json/.md) the verified snapshot.") { policy };
        command.SetAction(parsed =>
        {
            var policyPath = CommonOptions.PathOf(parsed, policy);
            // A signal while the snapshot pair is replaced waits for it to land whole; one while another writer holds the
            // folder stops the wait.
            var (files, overrides, gatePassed) = SignalCancellation.Run(output.Error, cancellation => AcceptJob.Execute(policyPath, cancellation, output.Waiting),
                _ => "collapsecheck: cancelled while another writer held the folder; the snapshots were not changed.");
            output.Out.WriteLine($"Accepted: {files.VerifiedJson} and {files.VerifiedMarkdown}");
            if (!gatePassed)
            {
                // A snapshot records what was measured, pass or fail; a reviewer accepting one should know which.
                output.Out.WriteLine("Note: this snapshot records a failing gate: verify now matches it, but run still exits 1 (and a build with the package fails) until the policy passes its gate.");
            }
            if (overrides.Count > 0)
            {
                // Not what a plain run of the policy file gives: say how it verifies.
                var options = string.Join(" ", overrides);
                var msbuild = overrides.Any(o => o.StartsWith("--tolerance", StringComparison.Ordinal)) ? " (in MSBuild, --tolerance is CollapseCheckTolerance)" : "";
                output.Out.WriteLine($"Note: it was made with {string.Join(" and ", overrides)}, which the policy file does not say, so only runs given the same "
                    + $"match it{msbuild}: {Diagnostics.Errors.Command("run", policyPath, extra: $"--verify {options}")}. A run without them differs from it (CC2001). To make it the "
                    + "policy's own, write the values into the policy file and run again before accepting.");
            }

            return 0;
        });
        return command;
    }
}
