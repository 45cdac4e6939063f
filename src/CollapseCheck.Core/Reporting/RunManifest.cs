using System.Runtime.InteropServices;
using CollapseCheck.Lineage;
using CollapseCheck.Native;

namespace CollapseCheck.Reporting;

/// <summary>
/// collapsecheck-run.json: everything about this particular run that must stay out of the snapshot —
/// when, where, how long, which native libraries.
/// </summary>
public sealed record RunManifest(
    string ToolVersion,
    string StartedUtc,
    double ElapsedSeconds,
    string? PolicyPath,
    string Machine,
    string OperatingSystem,
    string Runtime,
    int ProcessorCount,
    int TorchThreads,
    string Device,
    NativeManifest? Native,
    IReadOnlyList<string> CorpusFiles,
    IReadOnlyList<string> CorpusFolders,
    IReadOnlyList<GenerationTiming> Generations)
{
    /// <param name="outputFolder">
    /// Left out of the corpus folders: every run writes its reports there, so an MSBuild gate watching it (reports
    /// beside the corpus, CollapseCheckOutput=.) would find it changed after every run.
    /// </param>
    public static RunManifest Create(DateTimeOffset started, double elapsed, string? policyPath, IReadOnlyList<LineageResult> results, NativeSetup? native, int threads, string outputFolder) => new(
        ToolInfo.Build,
        started.UtcDateTime.ToString("O"),
        elapsed,
        policyPath is null ? null : Path.GetFullPath(policyPath),
        Environment.MachineName,
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        Environment.ProcessorCount,
        threads,
        results[0].Device,
        native is null ? null : NativeManifest.Of(native),
        results[0].Corpus.Source.Files,
        results[0].Corpus.Source.SearchedFolders.Where(f => !string.Equals(Path.TrimEndingDirectorySeparator(f), Path.TrimEndingDirectorySeparator(outputFolder), StringComparison.Ordinal)
            && !string.Equals(f, Corpus.CanonicalPath.Of(outputFolder), StringComparison.Ordinal)).ToList(),
        results.SelectMany(r => r.Timings.Select((t, g) => new GenerationTiming(r.Seed, g, t.TrainSeconds, t.EvaluateSeconds, t.SampleSeconds, t.Cached))).ToList());
}

/// <param name="LibTorchSharp">The file loaded, where it is still there to look at: null for a private copy, gone once loaded.</param>
/// <param name="LibTorchSharpSource">The file TorchSharp shipped, which a patched copy was made from.</param>
/// <param name="PrivateCopyBecause">Why the patched copy was made for this run only, not cached: null when it was not.</param>
public sealed record NativeManifest(string LibTorchFolder, string LibTorchSource, string? LibTorchSharp, string? LibTorchSharpSource, bool Patched, string? PrivateCopyBecause, string? Decision)
{
    public static NativeManifest Of(NativeSetup native) => new(
        native.LibTorchFolder,
        native.LibTorchSource,
        native.NotCachedBecause is null ? native.LibTorchSharpLoaded : null,
        native.LibTorchSharpOriginal,
        native.Patched,
        native.NotCachedBecause,
        native.Decision?.Explanation);
}

/// <param name="Cached">Loaded from the generation cache; the seconds are those of the run that computed it.</param>
public sealed record GenerationTiming(int Seed, int Generation, double TrainSeconds, double EvaluateSeconds, double SampleSeconds, bool Cached);
