namespace CollapseCheck.Tasks.Tests;

public sealed class ToolLocatorTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("collapsecheck-locator-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void An_explicit_dll_runs_through_dotnet_and_an_executable_directly()
    {
        Assert.Equal(new[] { "/x/collapsecheck.dll" }, ToolLocator.Find("/x/collapsecheck.dll", _root, "dotnet", _root)!.Prefix);
        Assert.Equal("/x/collapsecheck", ToolLocator.Find("/x/collapsecheck", _root, "dotnet", _root)!.Executable);
    }

    [Fact]
    public void A_manifest_above_the_project_that_lists_the_tool_is_used()
    {
        var project = Directory.CreateDirectory(Path.Combine(_root, "repo", "src", "app")).FullName;
        Directory.CreateDirectory(Path.Combine(_root, "repo", ".config"));
        File.WriteAllText(Path.Combine(_root, "repo", ".config", "dotnet-tools.json"), """{ "version": 1, "isRoot": true, "tools": { "collapsecheck.tool": { "version": "1.0.0", "commands": ["collapsecheck"] } } }""");
        var tool = ToolLocator.Find(null, project, "dotnet", _root)!;
        Assert.Equal(["tool", "run", "collapsecheck", "--"], tool.Prefix);
        Assert.Contains(Path.Combine("repo", ".config", "dotnet-tools.json"), tool.How);
    }

    [Fact]
    public void A_manifest_marked_isRoot_ends_the_search_as_dotnet_tool_run_ends_it()
    {
        // The repository's manifest lists the tool; a project's own manifest, marked isRoot and without it, hides it from
        // `dotnet tool run`, which the build used to call anyway ("Cannot find a tool in the manifest file").
        var project = Directory.CreateDirectory(Path.Combine(_root, "repo", "src", "app")).FullName;
        File.WriteAllText(Path.Combine(_root, "repo", "dotnet-tools.json"), """{ "version": 1, "tools": { "collapsecheck.tool": { "version": "1.0.0", "commands": ["collapsecheck"] } } }""");
        Directory.CreateDirectory(Path.Combine(project, ".config"));
        File.WriteAllText(Path.Combine(project, ".config", "dotnet-tools.json"), """{ "version": 1, "isRoot": true, "tools": {} }""");
        Assert.Null(ToolLocator.Find(null, project, "dotnet", Path.Combine(_root, "no-tools")));

        // Not marked, it is passed over.
        File.WriteAllText(Path.Combine(project, ".config", "dotnet-tools.json"), """{ "version": 1, "isRoot": false, "tools": {} }""");
        Assert.Contains(Path.Combine("repo", "dotnet-tools.json"), ToolLocator.Find(null, project, "dotnet", Path.Combine(_root, "no-tools"))!.How);
    }

    [Fact]
    public void A_manifest_without_the_tool_falls_through_to_the_global_tool_or_nothing()
    {
        File.WriteAllText(Path.Combine(_root, "dotnet-tools.json"), """{ "version": 1, "tools": { "other": {} } }""");
        Assert.Null(ToolLocator.Find(null, _root, "dotnet", Path.Combine(_root, "no-tools")));
        var global = Directory.CreateDirectory(Path.Combine(_root, "tools")).FullName;
        File.WriteAllText(Path.Combine(global, "collapsecheck"), "");
        Assert.StartsWith("global tool", ToolLocator.Find(null, _root, "dotnet", global)!.How);
    }

    [Fact]
    public void The_global_tools_folder_is_under_DOTNET_CLI_HOME_when_it_is_set_as_dotnet_tool_install_puts_it()
    {
        // Full paths on every OS: "/ci/home" has no drive on Windows.
        var ci = Path.GetFullPath(Path.Combine(_root, "ci-home"));
        var me = Path.GetFullPath(Path.Combine(_root, "me"));
        Assert.Equal(Path.Combine(ci, ".dotnet", "tools"), ToolLocator.GlobalToolsFolder(ci, me));
        Assert.Equal(Path.Combine(me, ".dotnet", "tools"), ToolLocator.GlobalToolsFolder(null, me));
        Assert.Equal(Path.Combine(me, ".dotnet", "tools"), ToolLocator.GlobalToolsFolder("", me));
    }

    [Theory]
    [InlineData(null, "", "DOTNET_CLI_HOME and HOME are not set, and the account's home folder does not exist")]
    [InlineData("", null, "DOTNET_CLI_HOME and HOME are not set, and the account's home folder does not exist")]
    [InlineData("ci-home", "", "DOTNET_CLI_HOME 'ci-home' is not a full path")]
    [InlineData(null, "relative/home", "DOTNET_CLI_HOME is not set and HOME 'relative/home' is not a full path")]
    public void Without_a_full_home_path_there_is_no_global_tools_folder_to_look_in_and_CC0050_says_why(string? cliHome, string? home, string why)
    {
        // A relative folder was looked for wherever the build started.
        Assert.Null(ToolLocator.GlobalToolsFolder(cliHome, home));
        Assert.Equal(why, ToolLocator.WhyNoGlobalToolsFolder(cliHome, "HOME", home));
    }

    [Fact]
    public void HOME_naming_a_folder_that_is_not_there_is_no_home_folder_as_NET_sees_it()
    {
        // .NET gives "" as the home folder then (what the MSBuild task passes in): the reason names what HOME held.
        var nowhere = Path.GetFullPath(Path.Combine(_root, "nonexistent"));
        Assert.Equal($"DOTNET_CLI_HOME is not set and HOME '{nowhere}' names no folder that exists", ToolLocator.WhyNoGlobalToolsFolder(null, "HOME", nowhere));
        Assert.Null(ToolLocator.GlobalToolsFolder(null, ""));
    }
}
