using System.IO.Compression;

namespace CollapseCheck.Tasks.Tests;

[Collection(nameof(PackagedBuildCollection))]
public class ToolPackageTests(PackagedBuild packages)
{
    private static List<string> Entries(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        return zip.Entries.Select(e => e.FullName).ToList();
    }

    private static string Read(string package, string entry)
    {
        using var zip = ZipFile.OpenRead(package);
        using var reader = new StreamReader(zip.GetEntry(entry)!.Open());
        return reader.ReadToEnd();
    }

    [Fact]
    public void The_msbuild_package_holds_props_targets_and_the_task_only()
    {
        var entries = Entries(packages.TasksPackage);
        Assert.Contains("build/CollapseCheck.props", entries);
        Assert.Contains("build/CollapseCheck.targets", entries);
        Assert.Contains("tasks/net10.0/CollapseCheck.Tasks.dll", entries);
        Assert.DoesNotContain(entries, e => e.Contains("Microsoft.Build", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(entries, e => e.EndsWith(".so", StringComparison.Ordinal) || e.Contains("libtorch", StringComparison.OrdinalIgnoreCase));
        Assert.Single(entries, e => e.EndsWith(".dll", StringComparison.Ordinal));
        var nuspec = Read(packages.TasksPackage, "CollapseCheck.nuspec");
        Assert.Contains("<developmentDependency>true</developmentDependency>", nuspec);
        Assert.DoesNotContain("<dependency ", nuspec);
        Assert.Contains("<readme>README.md</readme>", nuspec);
        // Its own: the repository's README starts with commands that run from a checkout, nothing a consumer has.
        var readme = Read(packages.TasksPackage, "README.md");
        Assert.Contains("CollapseCheckEnabled", readme);
        Assert.DoesNotContain("dotnet run --project", readme);
    }

    [Fact]
    public void The_tool_package_is_a_dotnet_tool_without_libtorch_that_rolls_forward()
    {
        var entries = Entries(packages.ToolPackage);
        Assert.Contains("tools/net10.0/any/collapsecheck.dll", entries);
        Assert.Contains("<Command Name=\"collapsecheck\"", Read(packages.ToolPackage, "tools/net10.0/any/DotnetToolSettings.xml"));
        Assert.Contains("\"rollForward\": \"Major\"", Read(packages.ToolPackage, "tools/net10.0/any/collapsecheck.runtimeconfig.json"));
        Assert.DoesNotContain(entries, e => Path.GetFileName(e) is "libtorch.so" or "libtorch_cpu.so" or "libc10.so");
        Assert.Contains("tools/net10.0/any/runtimes/linux-x64/native/libLibTorchSharp.so", entries);
        Assert.DoesNotContain(entries, e => e.Contains("libSkiaSharp", StringComparison.Ordinal));
        Assert.InRange(new FileInfo(packages.ToolPackage).Length, 1, 250L * 1024 * 1024);
        Assert.Contains("<packageType name=\"DotnetTool\"", Read(packages.ToolPackage, "CollapseCheck.Tool.nuspec"));
        // nuget.org and the IDEs show it on the package's page; without one, pack warns.
        Assert.Contains("<readme>README.md</readme>", Read(packages.ToolPackage, "CollapseCheck.Tool.nuspec"));
        var readme = Read(packages.ToolPackage, "README.md");
        Assert.Contains("dotnet tool install --global CollapseCheck.Tool", readme);
        Assert.DoesNotContain("dotnet run --project", readme);
    }

    [Fact]
    public void The_tool_installs_into_a_tool_path_and_runs_from_there()
    {
        var folder = packages.NewFolder("global");
        var toolPath = Path.Combine(folder, "tools");
        PackagedBuild.Dotnet(folder, "tool", "install", "CollapseCheck.Tool", "--version", packages.Version, "--tool-path", toolPath).AssertSuccess();
        File.WriteAllText(Path.Combine(folder, "collapsecheck.json"), """
            { "corpus": { "include": ["builtin:dotnet-docs"], "maxBytes": 30000 },
              "model": { "layers": 1, "width": 32, "heads": 2, "context": 32 },
              "training": { "steps": 20, "batch": 8, "warmupSteps": 4 },
              "lineage": { "generations": 1, "mode": "accumulate", "syntheticTokensPerGeneration": 1000 },
              "evaluation": { "heldOutTokens": 2000 } }
            """);
        var run = PackagedBuild.Run(Path.Combine(toolPath, "collapsecheck"), folder, "run", "collapsecheck.json", "--device", "cpu");
        run.AssertSuccess();
        Assert.Contains("Gate: pass", run.Output);
        // The suite's own cache starts empty, so the installed tool trained every generation itself.
        Assert.DoesNotContain("from the cache", run.Output);
        Assert.True(File.Exists(Path.Combine(folder, "collapsecheck-out", "collapsecheck-report.json")));
        PackagedBuild.Run(Path.Combine(toolPath, "collapsecheck"), folder, "doctor").AssertSuccess();
    }
}
