using System.Security.Cryptography;
using System.Text;
using CollapseCheck.Common;

namespace CollapseCheck.Corpus;

/// <summary>
/// The extracted docs text (~4 MB) kept in the user cache, so a run or a prediction does not parse 31 MB of XML
/// each time. Keyed by the pack folder, every file's name, size and time stamp, and the build of the extractor
/// (Core's module version id, as the generation cache): a hand-bumped version was forgotten as easily as not, and
/// then a changed extractor, and the tests of it, silently read text an older build wrote.
/// A cache that cannot be read or written is skipped, never an error.
/// </summary>
internal static class DotnetDocsCache
{

    public static DotnetDocsCorpus.Loaded? TryRead(string folder)
    {
        var files = DotnetDocsCorpus.XmlFiles(folder);
        var path = PathFor(folder, files);
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            var lines = File.ReadAllLines(path, Encoding.UTF8);
            var pack = lines[0];
            var documents = lines.Skip(1).Select(line =>
            {
                var tab = line.IndexOf('\t');
                return new Document(line[..tab], line[(tab + 1)..]);
            }).ToList();
            return new DotnetDocsCorpus.Loaded(documents, files, pack);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    public static DotnetDocsCorpus.Loaded Write(string folder, DotnetDocsCorpus.Loaded loaded)
    {
        var path = PathFor(folder, loaded.Files);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temp = $"{path}.{Environment.ProcessId}.tmp";
            // Normalized text holds no tabs or newlines, so one line per document with a tab after the id is unambiguous.
            File.WriteAllLines(temp, loaded.Documents.Select(d => $"{d.Id}\t{d.Text}").Prepend(loaded.Pack), new UTF8Encoding(false));
            File.Move(temp, path, overwrite: true);
            RemoveOlder(path);
            UserCache.TagRoot();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Caching is an optimisation only.
        }

        return loaded;
    }

    /// <summary>
    /// Every build of the tool keys its own copy, so each write removes the copies of the same pack folder that
    /// earlier builds left (and those named before the folder was part of the name): one ~4 MB file per SDK, not per build.
    /// </summary>
    private static void RemoveOlder(string current)
    {
        var name = Path.GetFileName(current);
        var folderPrefix = name[..(name.LastIndexOf('-') + 1)];
        foreach (var file in Directory.EnumerateFiles(Path.GetDirectoryName(current)!, "dotnet-docs-*.tsv"))
        {
            var other = Path.GetFileName(file);
            var unkeyedByFolder = other.Length == "dotnet-docs-".Length + 16 + ".tsv".Length;
            if (other != name && (other.StartsWith(folderPrefix, StringComparison.Ordinal) || unkeyedByFolder))
            {
                File.Delete(file);
            }
        }
    }

    private static string PathFor(string folder, IEnumerable<string> files)
    {
        var key = new StringBuilder($"{typeof(DotnetDocsCache).Assembly.ManifestModule.ModuleVersionId}\n{folder}\n");
        foreach (var file in files)
        {
            var info = new FileInfo(file);
            key.Append($"{info.Name}\t{info.Length}\t{info.LastWriteTimeUtc.Ticks}\n");
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key.ToString())))[..16];
        var folderHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(folder)))[..8];
        return Path.Combine(UserCache.Folder(), "corpus", $"dotnet-docs-{folderHash}-{hash}.tsv");
    }
}
