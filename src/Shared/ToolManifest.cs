using System.Text.Json;

namespace CollapseCheck;

/// <summary>
/// The local tool manifest that lists CollapseCheck.Tool, found as `dotnet tool run` finds it. One source file compiled
/// into the MSBuild task (which starts the tool through it) and the tool (which phrases its advice by it): the task
/// references nothing of the tool's, so libtorch never loads into MSBuild.
/// </summary>
internal static class ToolManifest
{
    public const string PackageId = "collapsecheck.tool";

    /// <summary>
    /// The nearest .config/dotnet-tools.json or dotnet-tools.json in <paramref name="directory"/> or above that lists the
    /// tool, up to the first manifest marked `"isRoot": true`, where `dotnet tool run` stops looking too.
    /// </summary>
    public static string? Find(string directory)
    {
        for (var dir = new DirectoryInfo(directory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, ".config", "dotnet-tools.json"), Path.Combine(dir.FullName, "dotnet-tools.json") })
            {
                if (!File.Exists(candidate))
                {
                    continue;
                }

                var (listsTool, isRoot) = Read(candidate);
                if (listsTool)
                {
                    return candidate;
                }

                if (isRoot)
                {
                    return null;
                }
            }
        }

        return null;
    }

    private static (bool ListsTool, bool IsRoot) Read(string manifest)
    {
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(manifest));
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (false, false);
            }

            var lists = root.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Object
                && tools.EnumerateObject().Any(t => string.Equals(t.Name, PackageId, StringComparison.OrdinalIgnoreCase));
            return (lists, root.TryGetProperty("isRoot", out var isRoot) && isRoot.ValueKind == JsonValueKind.True);
        }
        catch (JsonException)
        {
            return (false, false);
        }
    }
}
