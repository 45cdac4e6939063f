using System.Runtime.InteropServices;
using System.Text;
using System.Xml;
using CollapseCheck.Diagnostics;

namespace CollapseCheck.Corpus;

/// <summary>
/// builtin:dotnet-docs: the summary and remarks text of the .NET SDK's reference XML documentation
/// (packs/Microsoft.NETCore.App.Ref/*/ref/net*/*.xml), human-written English on every SDK machine.
/// Documents are ordered by a hash of their text so a byte budget samples every namespace, not the first few.
/// </summary>
public static class DotnetDocsCorpus
{
    private static readonly Lock s_gate = new();
    private static readonly Dictionary<string, Loaded> s_cache = [];

    public sealed record Loaded(IReadOnlyList<Document> Documents, IReadOnlyList<string> Files, string Pack);

    /// <summary>The folder with the XML files of the newest reference pack of the running .NET installation.</summary>
    public static string Locate()
    {
        var searched = new List<string>();
        foreach (var root in DotnetRoots().Distinct())
        {
            var packs = Path.Combine(root, "packs", "Microsoft.NETCore.App.Ref");
            searched.Add(packs);
            if (!Directory.Exists(packs))
            {
                continue;
            }

            var folder = Directory.GetDirectories(packs)
                .OrderByDescending(d => Version.TryParse(Path.GetFileName(d).Split('-')[0], out var v) ? v : new Version())
                .SelectMany(d => Directory.Exists(Path.Combine(d, "ref"))
                    ? Directory.GetDirectories(Path.Combine(d, "ref"), "net*").OrderByDescending(f => Path.GetFileName(f), StringComparer.Ordinal).ToArray()
                    : Array.Empty<string>())
                .FirstOrDefault(d => Directory.EnumerateFiles(d, "*.xml").Any());
            if (folder is not null)
            {
                return folder;
            }
        }

        throw Errors.DotnetDocsNotFound(string.Join(", ", searched));
    }

    public static Loaded Load()
    {
        var folder = Locate();
        lock (s_gate)
        {
            if (!s_cache.TryGetValue(folder, out var loaded))
            {
                loaded = ReadCached(folder);
                s_cache[folder] = loaded;
            }

            return loaded;
        }
    }

    /// <summary>The user cache's copy of the folder's text when it is whole, else the XML parsed again and the copy rewritten.</summary>
    internal static Loaded ReadCached(string folder) => DotnetDocsCache.TryRead(folder) ?? DotnetDocsCache.Write(folder, Read(folder));

    private static IEnumerable<string> DotnetRoots()
    {
        // shared/Microsoft.NETCore.App/<version>/ → the installation root three levels up.
        var runtime = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd(Path.DirectorySeparatorChar);
        var fromRuntime = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(runtime)));
        if (fromRuntime is not null)
        {
            yield return fromRuntime;
        }

        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } root)
        {
            yield return root;
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var dotnet = Path.Combine(dir, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
            if (File.Exists(dotnet))
            {
                yield return Path.GetDirectoryName(new FileInfo(dotnet).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? dotnet)!;
            }
        }
    }

    /// <summary>The pack's XML files in ordinal name order: the order documents are read in and the cache is keyed by.</summary>
    internal static List<string> XmlFiles(string folder) =>
        Directory.GetFiles(folder, "*.xml").OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal).ToList();

    internal static Loaded Read(string folder)
    {
        var files = XmlFiles(folder);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var documents = new List<Document>();
        foreach (var file in files)
        {
            foreach (var (member, text) in Members(file))
            {
                if (seen.Add(text))
                {
                    documents.Add(new Document($"{Path.GetFileName(file)}#{member}", text));
                }
            }
        }

        var ordered = documents.OrderBy(d => Fnv1a(d.Text)).ThenBy(d => d.Id, StringComparer.Ordinal).ToList();
        var version = Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(folder)));
        return new Loaded(ordered, files, $"Microsoft.NETCore.App.Ref {version}, {Path.GetFileName(folder)}");
    }

    private static IEnumerable<(string Member, string Text)> Members(string file)
    {
        using var reader = XmlReader.Create(file, new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore, IgnoreComments = true });
        while (reader.ReadToFollowing("member"))
        {
            var name = reader.GetAttribute("name") ?? "";
            using var member = reader.ReadSubtree();
            var text = new StringBuilder();
            while (member.Read())
            {
                if (member.NodeType == XmlNodeType.Element && member.Name is "summary" or "remarks")
                {
                    using var section = member.ReadSubtree();
                    section.Read();
                    Flatten(section, text);
                    text.Append(' ');
                }
            }

            var normalized = Normalize(text.ToString());
            if (normalized.Length > 0)
            {
                yield return (name, normalized);
            }
        }
    }

    /// <summary>Inline tags become the words a reader would see: a cref's simple name, a langword, a parameter name.</summary>
    private static void Flatten(XmlReader reader, StringBuilder into)
    {
        while (reader.Read())
        {
            switch (reader.NodeType)
            {
                case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace:
                    into.Append(reader.Value);
                    break;
                case XmlNodeType.Element when reader.IsEmptyElement:
                    into.Append(reader.GetAttribute("langword") ?? reader.GetAttribute("name") ?? SimpleName(reader.GetAttribute("cref") ?? reader.GetAttribute("href")));
                    break;
                case XmlNodeType.Element when reader.Name is "para" or "br" or "list" or "item":
                    into.Append(' ');
                    break;
            }
        }
    }

    private static string SimpleName(string? cref)
    {
        if (string.IsNullOrEmpty(cref))
        {
            return "";
        }

        var name = cref.Contains(':') ? cref[(cref.IndexOf(':') + 1)..] : cref;
        var paren = name.IndexOf('(');
        if (paren >= 0)
        {
            name = name[..paren];
        }

        name = name[(name.LastIndexOf('.') + 1)..];
        var tick = name.IndexOf('`');
        return tick >= 0 ? name[..tick] : name;
    }

    private static string Normalize(string text)
    {
        var builder = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                space = builder.Length > 0;
            }
            else
            {
                if (space)
                {
                    builder.Append(' ');
                    space = false;
                }

                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private static ulong Fnv1a(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }
}
