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
            var files = VerifyJob.Accept(parsed.GetValue(policy));
            output.Out.WriteLine($"Accepted: {files.VerifiedJson} and {files.VerifiedMarkdown}");
            return 0;
        });
        return command;
    }
}
