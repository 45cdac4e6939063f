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
/// <remarks>
/// The file is a format line, the pack, one line per document, then an end line with the document count and the
/// SHA-256 of every byte before it. The key says which file to read, not that it is whole: a file a killed copy, a
/// full disk or an edit left short read as a smaller corpus without a word (a probe's 32,034 tokens instead of
/// 89,015), or as "the corpus holds no text". Anything that does not end in a matching end line is not read, and the
/// XML is parsed again and the file written anew.
/// </remarks>
internal static class DotnetDocsCache
{
    private const string Format = "collapsecheck dotnet-docs 2";
    private const string End = "end";

    public static DotnetDocsCorpus.Loaded? TryRead(string folder)
    {
        var files = DotnetDocsCorpus.XmlFiles(folder);
        var path = PathFor(folder, files);
        try
        {
            return path is not null && File.Exists(path) && Parse(File.ReadAllBytes(path)) is var (pack, documents) ? new DotnetDocsCorpus.Loaded(documents, files, pack) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static DotnetDocsCorpus.Loaded Write(string folder, DotnetDocsCorpus.Loaded loaded)
    {
        // No user cache (no home folder): the docs are parsed again each run, as the native patch is copied again.
        if (PathFor(folder, loaded.Files) is not { } path)
        {
            return loaded;
        }

        var temp = $"{path}.{Environment.ProcessId}.tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(temp, Serialize(loaded));
            // Renamed into place whole, so a reader sees the old file or the new one, never one being written.
            File.Move(temp, path, overwrite: true);
            RemoveOlder(path);
            UserCache.TagRoot();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Caching is an optimisation only; what a full disk let through of the copy goes, not megabytes of it per run.
            DeadWriters.TryDelete(temp);
        }

        return loaded;
    }

    internal static byte[] Serialize(DotnetDocsCorpus.Loaded loaded)
    {
        // Normalized text holds no tabs or newlines, so one line per document with a tab after the id is unambiguous.
        var content = new StringBuilder().Append(Format).Append('\n').Append(loaded.Pack).Append('\n');
        foreach (var document in loaded.Documents)
        {
            content.Append(document.Id).Append('\t').Append(document.Text).Append('\n');
        }

        var bytes = new UTF8Encoding(false).GetBytes(content.ToString());
        var end = Encoding.ASCII.GetBytes($"{End}\t{loaded.Documents.Count}\t{Convert.ToHexStringLower(SHA256.HashData(bytes))}\n");
        return [.. bytes, .. end];
    }

    /// <summary>The pack and the documents, or null unless the bytes are a whole file of this format as written.</summary>
    internal static (string Pack, List<Document> Documents)? Parse(byte[] bytes)
    {
        if (bytes.Length < 2 || bytes[^1] != '\n')
        {
            return null;
        }

        var endStart = Array.LastIndexOf(bytes, (byte)'\n', bytes.Length - 2) + 1;
        var content = bytes.AsSpan(0, endStart);
        var end = Encoding.ASCII.GetString(bytes, endStart, bytes.Length - endStart - 1).Split('\t');
        if (end is not [End, var count, var hash] || hash != Convert.ToHexStringLower(SHA256.HashData(content)))
        {
            return null;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(content);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        var lines = text.Split('\n');
        // The content ends in a newline, so the split's last piece is empty.
        if (lines is not [Format, var pack, .. var rest, ""] || count != rest.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            return null;
        }

        var documents = new List<Document>(rest.Length);
        foreach (var line in rest)
        {
            var tab = line.IndexOf('\t');
            if (tab < 0)
            {
                return null;
            }

            documents.Add(new Document(line[..tab], line[(tab + 1)..]));
        }

        return (pack, documents);
    }

    /// <summary>
    /// Every build of the tool keys its own copy, so each write removes the copies of the same pack folder that
    /// earlier builds left (and those named before the folder was part of the name): one ~4 MB file per SDK, not per build;
    /// and the copies killed writes left.
    /// </summary>
    private static void RemoveOlder(string current)
    {
        DeadWriters.RemoveLeftovers(Path.GetDirectoryName(current)!, "dotnet-docs-*.tsv.*.tmp");
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

    /// <returns>Null where there is no user cache.</returns>
    internal static string? PathFor(string folder, IEnumerable<string> files)
    {
        if (UserCache.TryFolder(out _) is not { } cache)
        {
            return null;
        }

        // The format is in the key too, so a file of the older format is never read, only replaced.
        var key = new StringBuilder($"{Format}\n{typeof(DotnetDocsCache).Assembly.ManifestModule.ModuleVersionId}\n{folder}\n");
        foreach (var file in files)
        {
            var info = new FileInfo(file);
            key.Append($"{info.Name}\t{info.Length}\t{info.LastWriteTimeUtc.Ticks}\n");
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key.ToString())))[..16];
        var folderHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(folder)))[..8];
        return Path.Combine(cache, "corpus", $"dotnet-docs-{folderHash}-{hash}.tsv");
    }
}
