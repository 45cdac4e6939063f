namespace CollapseCheck;

/// <summary>
/// How the MSBuild task names its own process to the tool it starts. MSBuild cancels a running task on Ctrl+C, but a
/// build killed with SIGTERM (an IDE's stop button, a job runner's timeout) ends without a word to its tasks, and the
/// tool it had started trained on, orphaned, for the rest of the lineage and wrote reports no build would read. The
/// tool watches the process this names and stops, as SIGTERM would have stopped it, once that process is gone.
/// </summary>
internal static class BuildOwner
{
    public const string Variable = "COLLAPSECHECK_OWNER_PID";
}
