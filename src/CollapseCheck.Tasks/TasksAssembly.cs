namespace CollapseCheck.Tasks;

/// <summary>Placeholder until the MSBuild integration lands; keeps the package layout in the solution.</summary>
internal static class TasksAssembly
{
}
