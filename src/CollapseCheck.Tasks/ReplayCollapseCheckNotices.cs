using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace CollapseCheck.Tasks;

/// <summary>
/// Logs the notices of the last gate again in a build that found it up to date: a snapshot from another machine stays
/// in view, and -warnaserror fails every such build, not only the one that ran the gate, without retraining.
/// </summary>
public sealed class ReplayCollapseCheckNotices : Microsoft.Build.Utilities.Task
{
    [Required]
    public string NoticesFile { get; set; } = "";

    [Required]
    public string PolicyFile { get; set; } = "";

    public string ProjectFile { get; set; } = "";

    /// <summary>What the relative paths MSBuild passes (obj/…) are relative to, whatever the process's current folder.</summary>
    public string ProjectDirectory { get; set; } = "";

    public override bool Execute()
    {
        var notices = Path.GetFullPath(NoticesFile, ProjectDirectory.Length > 0 ? ProjectDirectory : Directory.GetCurrentDirectory());
        if (File.Exists(notices))
        {
            ToolDiagnostics.Log(Log, notices, PolicyFile, ProjectFile, noticesOnly: true);
        }

        return !Log.HasLoggedErrors;
    }
}
