using CollapseCheck.Corpus;
using CollapseCheck.Policy;

namespace CollapseCheck.Core.Tests.Corpus;

/// <summary>A temporary folder of corpus files and the corpus section that reads it.</summary>
public abstract class CorpusFolder : IDisposable
{
    protected string Folder { get; } = Directory.CreateTempSubdirectory("collapsecheck-corpus-").FullName;

    public void Dispose()
    {
        Directory.Delete(Folder, recursive: true);
        GC.SuppressFinalize(this);
    }

    protected string Write(string name, string content)
    {
        var path = Path.Combine(Folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    protected static CorpusPolicy Policy(string[] include, string[]? exclude = null, double heldOut = 0.1, long? maxBytes = null, string field = "text") =>
        new(include, exclude ?? [], field, heldOut, maxBytes);

    protected static string Paragraphs(string prefix, int count) =>
        string.Join("\n\n", Enumerable.Range(0, count).Select(i => $"{prefix} paragraph {i:D2}."));

    protected LoadedCorpus Load(CorpusPolicy policy) => CorpusLoader.Load(policy, Folder);
}
