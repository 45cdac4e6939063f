using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CollapseCheck.Common;
using CollapseCheck.Diagnostics;
using CollapseCheck.Modeling;
using CollapseCheck.Native;
using CollapseCheck.Policy;
using CollapseCheck.Reporting;

namespace CollapseCheck.Lineage;

/// <summary>
/// Where a lineage's generations live in the cache: generation 0 under a key of its own (see <see cref="GenerationCache.KeysFor"/>).
/// Each key is a whole SHA-256, which its entries record; their folder is named by its first half.
/// </summary>
public sealed record LineageKeys(string Generation0, string Later)
{
    public string For(int generation) => generation == 0 ? Generation0 : Later;
}

/// <summary>What a finished generation leaves for the next run: its measurements, the text it sampled, its timings.</summary>
/// <param name="WeightsSha256">For a warm start, the SHA-256 of the weights file saved with it, which only these weights match.</param>
public sealed record CachedGeneration(GenerationResult Result, IReadOnlyList<int[]> Sample, PhaseTimings Timings, string? WeightsSha256 = null);

/// <summary>
/// Finished generations on disk, so an unchanged policy does not retrain: a re-run, a gate or verify tweak, or a
/// lineage extended by more generations picks up where the last run left off. Entries are keyed by everything the
/// numbers depend on: the build of this assembly, TorchSharp and libtorch, the CPU model and device, the tokenized
/// corpus, every policy section that reaches training or sampling, and the seed. Results are reproducible only on
/// the same kind of machine, so a cache carried between different CPUs simply misses. CPU only: CUDA kernels are
/// not bit-reproducible, and TorchSharp cannot name the GPU to key on.
/// </summary>
public sealed class GenerationCache(string folder)
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };

    /// <summary>
    /// Reading an entry back: a missing or null field (a hand edit, another version's shape) makes it a miss, as a
    /// truncated file is, instead of a null deep in the report.
    /// </summary>
    private static readonly JsonSerializerOptions s_entryJson = new(s_json)
    {
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    public string Folder { get; } = folder;

    private const string UserCacheSubfolder = "generations";

    // Words that switch the cache rather than name a folder. MSBuild users write CollapseCheckCache=false or true; a
    // folder by one of these names is still reachable as ./off.
    private static readonly string[] s_offWords = ["off", "false", "no", "none", "0"];
    private static readonly string[] s_onWords = ["on", "true", "yes", "1"];

    /// <summary>
    /// The folder a --cache setting names, absolute; null when it switches the cache off. Null or an on word: the
    /// user cache, or null and <paramref name="offBecause"/> where there is none (no home folder). A path to an existing
    /// file is an error.
    /// </summary>
    public static string? FolderFor(string? setting, out string? offBecause)
    {
        offBecause = null;
        const string Expected = "--cache needs a folder, or 'off' (also 'false', 'no', 'none', '0')";
        return setting switch
        {
            null => UserCacheFolder(out offBecause),
            // Trimmed: "off " from a script's variable made a cache folder named "off ".
            _ when s_offWords.Contains(setting.Trim(), StringComparer.OrdinalIgnoreCase) => null,
            _ when s_onWords.Contains(setting.Trim(), StringComparer.OrdinalIgnoreCase) => UserCacheFolder(out offBecause),
            _ when string.IsNullOrWhiteSpace(setting) => throw Errors.BadArgument(Expected),
            _ when File.Exists(setting) => throw Errors.BadArgument($"{Expected}, but '{setting}' is a file"),
            _ when SlipOfASwitchWord(setting) is { Length: > 0 } suggestion =>
                throw Errors.BadArgument($"--cache '{setting}' names no folder yet and looks like a slip of a switch word: {suggestion}for a new folder of that name, write ./{setting}"),
            _ => Path.GetFullPath(setting),
        };
    }

    /// <summary>
    /// "did you mean 'off'? " for a bare word near a switch word that names no folder: 'of' made a cache folder named
    /// 'of' and kept the cache on without a word. Single digits are left out: any one-letter folder is one slip from them.
    /// </summary>
    private static string SlipOfASwitchWord(string setting) =>
        setting.IndexOfAny(['/', '\\', '.']) < 0 && !Directory.Exists(setting)
            ? Suggestion.For(setting.Trim(), s_offWords.Concat(s_onWords).Where(w => w.Length > 1))
            : "";

    private static string? UserCacheFolder(out string? whyNone) =>
        UserCache.TryFolder(out whyNone) is { } cache ? Path.Combine(cache, UserCacheSubfolder) : null;

    /// <summary>
    /// The keys of one seed's lineage. Generation 0 trains on the real pool whatever the mode, so its key leaves out
    /// the lineage fields only later generations read (mode, realFraction, trainingTokens, fresh data's amount):
    /// trying another mode reuses it. lineage.generations is left out of both, so a longer lineage resumes.
    /// </summary>
    public static LineageKeys KeysFor(LineagePolicyFile policy, PreparedCorpus corpus, string device, int seed)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text) => hash.AppendData(Encoding.UTF8.GetBytes(text + "\n"));

        Add("collapsecheck generation cache 3");
        Add(typeof(GenerationCache).Assembly.ManifestModule.ModuleVersionId.ToString());
        Add(typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString() ?? "");
        Add(TorchNative.Current?.LibTorchSource ?? "");
        Add(Numerics.LibTorchBuild(TorchNative.Current?.LibTorchFolder, withTimes: true));
        Add($"{device} {RuntimeInformation.ProcessArchitecture} {Numerics.CpuIdentity()}");
        Add($"threads {TorchSharp.torch.get_num_threads()} shards {Training.ComputeDevice.CpuShards}");
        foreach (var variable in Numerics.Variables)
        {
            Add($"{variable}={Environment.GetEnvironmentVariable(variable)}");
        }

        // The fresh pools are carved from the corpus, so they stay in both keys: they shape the real pool too.
        // Not the name alone: a compacted cl100k's ids are the fitted text's, so another text can give the same id
        // streams for other tokens, which decode and count bytes otherwise.
        Add($"{corpus.Tokenizer.Identity} {corpus.Tokenizer.VocabularySize}");
        AddDocuments(hash, corpus.RealPool);
        foreach (var fresh in corpus.Fresh)
        {
            AddDocuments(hash, fresh);
        }

        AddDocuments(hash, corpus.HeldOutDocuments);
        AddDocuments(hash, [corpus.HeldOut.Ids]);
        // Unknown ids stand for many tokens: two held-out texts can share ids but not bytes, and bits per byte divides by these.
        AddDocuments(hash, [corpus.HeldOutTokenBytes]);
        Add(JsonSerializer.Serialize(policy.Model, s_json));
        // training.seed only numbers the first of gate.seeds lineages; each uses its own seed, added below, so lineage
        // seed 2 is the same whether it ran first (--seed 2) or second (training.seed 1 with two seeds).
        Add(JsonSerializer.Serialize(policy.Training with { Seed = 0 }, s_json));
        Add(JsonSerializer.Serialize(policy.Evaluation, s_json));
        var lineage = policy.Lineage;
        Add(JsonSerializer.Serialize(new { lineage.Sampling, lineage.Filters, lineage.SyntheticTokensPerGeneration }, s_json));
        Add(seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var common = hash.GetHashAndReset();

        string Key(string rest) => Convert.ToHexStringLower(SHA256.HashData([.. common, .. Encoding.UTF8.GetBytes(rest)]));
        return new LineageKeys(Key("generation 0"), Key(JsonSerializer.Serialize(lineage with { Generations = 0 }, s_json)));
    }

    /// <summary>
    /// The entry, or null when there is none or it cannot be read (a stale or torn entry is a miss, not an error), and
    /// when it was written for another key or generation, changed since, or does not hold together (see
    /// <see cref="GenerationEntry"/>): a miss is recomputed, to the bytes a run without the cache writes.
    /// </summary>
    /// <param name="vocabularySize">The tokenizer's: every id of the sample must be below it.</param>
    public CachedGeneration? TryLoad(string key, int generation, int vocabularySize)
    {
        try
        {
            var path = EntryPath(key, generation);
            return File.Exists(path)
                && GenerationEntry.PayloadOf(File.ReadAllText(path), key, generation) is { } payload
                && JsonSerializer.Deserialize<CachedGeneration>(payload, s_entryJson) is { } entry
                && GenerationEntry.IsConsistent(entry, generation, vocabularySize)
                ? entry
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Saves the entry (and, for warm starts, the weights) atomically; a cache that cannot be written is skipped.</summary>
    /// <returns>Whether the entry is in the cache now.</returns>
    public bool Store(string key, int generation, CachedGeneration entry, Gpt? weights = null)
    {
        string? temp = null;
        try
        {
            var folder = FolderOf(key);
            if (weights is not null)
            {
                Directory.CreateDirectory(folder);
                DeadWriters.RemoveLeftovers(folder, ".g*.weights.*.tmp");
                temp = Path.Combine(folder, $".g{generation}.weights.{Environment.ProcessId}.tmp");
                weights.save(temp);
                entry = entry with { WeightsSha256 = GenerationEntry.Sha256(File.ReadAllBytes(temp)) };
                File.Move(temp, WeightsPath(key, generation), overwrite: true);
            }

            var payload = JsonSerializer.Serialize(entry, s_json);
            AtomicFile.WriteAll(folder, [($"g{generation}.json", GenerationEntry.Write(key, generation, payload))]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Diagnostics.CollapseCheckException)
        {
            // A read-only or full disk costs the next run its head start, nothing more; the caller says so once.
            WriteFailure ??= e.Message;
            if (temp is not null)
            {
                DeadWriters.TryDelete(temp);
            }

            return false;
        }

        // Once an entry is in: a tag that cannot be written leaves it usable.
        TagIfPresent();
        return true;
    }

    /// <summary>
    /// The file the Cache Directory Tagging Specification names, so backup tools skip the folder, and so a corpus glob
    /// that reaches a cache kept in the checkout (a CI cache step's folder) never reads its entries as text.
    /// </summary>
    public const string TagFile = "CACHEDIR.TAG";

    private const string TagSignature = "Signature: 8a477f597d28d172789f06886806bc55";

    private void Tag()
    {
        if (!File.Exists(Path.Combine(Folder, TagFile)))
        {
            AtomicFile.WriteAll(Folder, [(TagFile, $"{TagSignature}\n# collapsecheck's finished generations: see https://bford.info/cachedir/\n")]);
        }
    }

    /// <summary>
    /// Tags a cache folder made before tags were written, so a corpus glob over a checkout that holds one (a CI cache
    /// step's) skips it from the first run, even one that finds every generation cached and stores nothing.
    /// </summary>
    public void TagIfPresent()
    {
        try
        {
            if (Directory.Exists(Folder))
            {
                Tag();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Diagnostics.CollapseCheckException)
        {
            // A read-only cache is still read; it is only not tagged.
        }
    }

    /// <summary>Whether <paramref name="path"/> is a CACHEDIR.TAG: a file that begins with the specification's signature.</summary>
    public static bool IsTag(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            var head = new byte[TagSignature.Length];
            return file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && System.Text.Encoding.ASCII.GetString(head) == TagSignature;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Why the first <see cref="Store"/> that failed could not write; null while every one has.</summary>
    public string? WriteFailure { get; private set; }

    /// <summary>
    /// The saved weights of a generation, for a warm-started successor: null when absent, or when they are not the
    /// file saved with <paramref name="entry"/> (another generation's, copied or swapped, would load and train its
    /// successor from the wrong start without a word).
    /// </summary>
    public string? Weights(string key, int generation, CachedGeneration entry)
    {
        var path = WeightsPath(key, generation);
        try
        {
            return entry.WeightsSha256 is { } expected && File.Exists(path) && GenerationEntry.Sha256(File.ReadAllBytes(path)) == expected ? path : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private string FolderOf(string key) => Path.Combine(Folder, key[..32]);

    private string EntryPath(string key, int generation) => Path.Combine(FolderOf(key), $"g{generation}.json");

    private string WeightsPath(string key, int generation) => Path.Combine(FolderOf(key), $"g{generation}.weights");

    private static void AddDocuments(IncrementalHash hash, IEnumerable<int[]> documents)
    {
        foreach (var doc in documents)
        {
            hash.AppendData(BitConverter.GetBytes(doc.Length));
            hash.AppendData(MemoryMarshal.AsBytes(doc.AsSpan()));
        }

        hash.AppendData(BitConverter.GetBytes(-1));
    }
}
