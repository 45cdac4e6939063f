using System.CommandLine;
using CollapseCheck.Snapshots;

namespace CollapseCheck.Tool.Commands;

internal static class AcceptCommand
{
    public static Command Create(ToolOutput output)
    {
        var policy = CommonOptions.Policy();
        var command = new Command("accept", "Make the received report (*.received.json/.md) the verified snapshot.") { policy };
        command.SetAction(parsed =>
        {
            var (files, overrides) = VerifyJob.Accept(parsed.GetValue(policy));
            output.Out.WriteLine($"Accepted: {files.VerifiedJson} and {files.VerifiedMarkdown}");
            if (overrides.Count > 0)
            {
                // Not what a plain run of the policy file gives: say how it verifies.
                output.Out.WriteLine($"It was made with {string.Join(" and ", overrides)}: verify with the same ('collapsecheck run --verify {string.Join(" ", overrides)}', "
                    + "or for --tolerance the MSBuild property CollapseCheckTolerance); a run without them is refused as stale (CC2005).");
            }

            return 0;
        });
        return command;
    }
}
