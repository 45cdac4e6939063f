using CollapseCheck.Diagnostics;

namespace CollapseCheck.Core.Tests.Diagnostics;

/// <summary>Advice names `dotnet collapsecheck` only where the dotnet host runs the package from the NuGet folder.</summary>
public sealed class ToolInvocationTests
{
    [Theory]
    [InlineData("/usr/share/dotnet/dotnet", "/home/u/.nuget/packages/collapsecheck.tool/0.1.0/tools/net10.0/any/", true)]
    [InlineData(@"C:\Program Files\dotnet\dotnet.exe", @"C:\Users\u\.nuget\packages\collapsecheck.tool\0.1.0\tools\net10.0\any\", true)]
    [InlineData("/home/u/.dotnet/tools/collapsecheck", "/home/u/.dotnet/tools/.store/collapsecheck.tool/0.1.0/collapsecheck.tool/0.1.0/tools/net10.0/any/", false)]
    [InlineData("/usr/share/dotnet/dotnet", "/home/u/.dotnet/tools/.store/collapsecheck.tool/0.1.0/collapsecheck.tool/0.1.0/tools/net10.0/any/", false)]
    [InlineData("/repo/src/CollapseCheck.Tool/bin/Release/net10.0/collapsecheck", "/repo/src/CollapseCheck.Tool/bin/Release/net10.0/", false)]
    [InlineData("/usr/share/dotnet/dotnet", "/repo/src/CollapseCheck.Tool/bin/Release/net10.0/", false)]
    [InlineData(null, "/home/u/.nuget/packages/collapsecheck.tool/0.1.0/tools/net10.0/any/", false)]
    public void A_local_tool_is_the_dotnet_host_running_the_package_from_the_NuGet_folder(string? processPath, string baseDirectory, bool local) =>
        Assert.Equal(local, ToolInvocation.IsLocal(processPath, baseDirectory));

    [Fact]
    public void Only_a_manifest_here_or_above_that_lists_the_tool_makes_it_local()
    {
        var root = Directory.CreateTempSubdirectory("collapsecheck-manifest-").FullName;
        try
        {
            var project = Directory.CreateDirectory(Path.Combine(root, "repo", "src", "app")).FullName;
            Assert.False(ToolInvocation.ManifestLists(project)); // dnx: no manifest

            Directory.CreateDirectory(Path.Combine(root, "repo", ".config"));
            var manifest = Path.Combine(root, "repo", ".config", "dotnet-tools.json");
            File.WriteAllText(manifest, """{ "version": 1, "isRoot": true, "tools": { "dotnet-ef": { "version": "9.0.0", "commands": ["dotnet-ef"] } } }""");
            Assert.False(ToolInvocation.ManifestLists(project));

            File.WriteAllText(manifest, """{ "version": 1, "isRoot": true, "tools": { "collapsecheck.tool": { "version": "0.1.0", "commands": ["collapsecheck"] } } }""");
            Assert.True(ToolInvocation.ManifestLists(project));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void The_tests_are_no_local_tool_so_advice_is_the_global_command() =>
        Assert.Equal("'collapsecheck accept p.json'", Errors.Command("accept", "p.json"));
}
