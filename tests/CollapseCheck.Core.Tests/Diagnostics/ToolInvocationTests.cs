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
    public void The_tests_are_no_local_tool_so_advice_is_the_global_command() =>
        Assert.Equal("'collapsecheck accept p.json'", Errors.Command("accept", "p.json"));
}
