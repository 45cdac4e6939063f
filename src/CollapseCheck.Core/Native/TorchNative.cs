using System.Runtime.InteropServices;
using System.Security.Cryptography;
using CollapseCheck.Common;
using CollapseCheck.Diagnostics;

namespace CollapseCheck.Native;

/// <summary>What was loaded from where, and why: the facts `doctor` and the run manifest print.</summary>
public sealed record NativeSetup(
    string LibTorchFolder,
    string LibTorchSource,
    string? LibTorchSharpOriginal,
    string? LibTorchSharpLoaded,
    string? LibStdCxx,
    NativeLoadDecision? Decision,
    bool PatchWrittenNow,
    string? NotCachedBecause = null)
{
    public bool Patched => Decision?.Action == NativeLoadAction.PatchedCopy;
}

/// <summary>
/// Loads libtorch and libLibTorchSharp.so before TorchSharp first touches them, so TorchSharp's own
/// initialisation finds them already mapped. On Linux this is where the GLIBCXX_3.4.32 problem is
/// solved: <see cref="NativeCompatibility"/> decides, and a patched copy goes into the user's cache
/// (never into the NuGet cache, which other projects share).
/// </summary>
public static class TorchNative
{
    public const string LibTorchEnvironmentVariable = "COLLAPSECHECK_LIBTORCH";

    private static readonly Lock s_gate = new();
    private static NativeSetup? s_setup;

    public static NativeSetup? Current => s_setup;

    /// <param name="libTorchFolder">An explicit libtorch folder (--libtorch), e.g. a PyTorch install's torch/lib.</param>
    public static NativeSetup EnsureLoaded(string? libTorchFolder = null)
    {
        lock (s_gate)
        {
            if (s_setup is not null)
            {
                // A process loads one libtorch; a different explicit folder later cannot be honoured.
                if (OperatingSystem.IsLinux() && !string.IsNullOrEmpty(libTorchFolder))
                {
                    var (folder, source) = ResolveLibTorchFolder(libTorchFolder);
                    if (folder != s_setup.LibTorchFolder)
                    {
                        throw Errors.NativeIncompatible($"{source} asks for libtorch from '{folder}', but this process already loaded it from '{s_setup.LibTorchFolder}'");
                    }
                }

                return s_setup;
            }

            s_setup = OperatingSystem.IsLinux()
                ? LoadOnLinux(libTorchFolder)
                : new NativeSetup("(TorchSharp's own search)", "platform default", null, null, null, null, false);
            return s_setup;
        }
    }

    private static NativeSetup LoadOnLinux(string? explicitFolder)
    {
        var (folder, source) = ResolveLibTorchFolder(explicitFolder);
        PreloadLibTorch(folder);

        var original = NativeLocations.LibTorchSharpCandidates().FirstOrDefault(File.Exists)
            ?? throw Errors.LibTorchNotFound(string.Join(", ", NativeLocations.LibTorchSharpCandidates()));
        var libStdCxx = NativeLocations.SystemLibStdCxx();
        var available = libStdCxx is null
            ? new HashSet<string>()
            : ElfVersionInfo.Read(libStdCxx).Definitions.ToHashSet();
        var image = File.ReadAllBytes(original);
        var info = ElfVersionInfo.Parse(image, original);
        var decision = NativeCompatibility.Decide(info, available);

        switch (decision.Action)
        {
            case NativeLoadAction.AsShipped:
                Load(original);
                return new NativeSetup(folder, source, original, original, libStdCxx, decision, false);
            case NativeLoadAction.PatchedCopy:
                var patched = NativeCompatibility.Patch(image, info, decision.Missing);
                var (copy, written, notCached) = CachedPatchedCopy(image, patched);
                if (notCached is not null)
                {
                    copy = LoadPrivateCopy(patched, notCached);
                }
                else
                {
                    Load(copy);
                }

                return new NativeSetup(folder, source, original, copy, libStdCxx, decision, written || notCached is not null, notCached);
            default:
                throw Errors.NativeIncompatible(decision.Explanation);
        }
    }

    private static (string Folder, string Source) ResolveLibTorchFolder(string? explicitFolder)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(LibTorchEnvironmentVariable);
        var (requested, source) = !string.IsNullOrEmpty(explicitFolder)
            ? (explicitFolder, "--libtorch")
            : !string.IsNullOrEmpty(fromEnvironment) ? (fromEnvironment, LibTorchEnvironmentVariable) : (null, null);
        if (requested is not null)
        {
            var full = Path.GetFullPath(requested);
            if (!File.Exists(Path.Combine(full, NativeLocations.LibTorchFile)))
            {
                throw Errors.LibTorchFolderUnusable(source!, full,
                    File.Exists(full) ? "is a file, not a folder" : Directory.Exists(full) ? $"has no {NativeLocations.LibTorchFile}" : "does not exist");
            }

            return (full, source!);
        }

        string? Packaged() => NativeLocations.PackagedLibTorchFolders()
            .FirstOrDefault(d => File.Exists(Path.Combine(d, NativeLocations.LibTorchFile)));
        string? failure = null;
        if (Packaged() is null && NativeLocations.NuGetPackagesFolder() is null)
        {
            // Nowhere to restore to, and nowhere NuGet's cache would be found.
            throw Errors.LibTorchNoPackageFolder(string.Join(", ", NativeLocations.PackagedLibTorchFolders()));
        }

        var packaged = Packaged() ?? (LibTorchRestore.TryRestore(out failure) ? Packaged() : null);
        return packaged is null
            ? throw Errors.LibTorchNotFound(string.Join(", ", NativeLocations.PackagedLibTorchFolders()), failure)
            : (packaged, $"package {NativeLocations.LibTorchPackage} {NativeLocations.LibTorchPackageVersion}");
    }

    /// <summary>
    /// libc10 and libtorch_cpu first so a folder without an $ORIGIN run path still resolves; the CUDA
    /// libraries when present, so TorchSharp's later load of libtorch_cuda.so finds them by soname.
    /// </summary>
    private static void PreloadLibTorch(string folder)
    {
        string[] order = ["libc10.so", "libtorch_cpu.so", "libtorch.so", "libc10_cuda.so", "libtorch_cuda.so"];
        foreach (var file in order)
        {
            var path = Path.Combine(folder, file);
            if (File.Exists(path))
            {
                Load(path);
            }
        }
    }

    /// <returns>The copy in the user cache, whether it was written now, or why it could not be (then the path is unused).</returns>
    private static (string Path, bool Written, string? NotCached) CachedPatchedCopy(byte[] image, byte[] patched)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(image))[..16];
        if (UserCache.TryFolder(out var whyNone) is not { } cache)
        {
            return ("", false, whyNone);
        }

        var folder = Path.Combine(cache, "native", key);
        var target = Path.Combine(folder, NativeLocations.LibTorchSharpFile);
        if (File.Exists(target) && File.ReadAllBytes(target).AsSpan().SequenceEqual(patched))
        {
            return (target, false, null);
        }

        var temp = Path.Combine(folder, $".{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(folder);
            File.WriteAllBytes(temp, patched);
            File.Move(temp, target, overwrite: true);
            UserCache.TagRoot();
            return (target, true, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            DeadWriters.TryDelete(temp);
            return ("", false, $"the user cache '{folder}' cannot be written ({e.Message.TrimEnd('.')}); set COLLAPSECHECK_CACHE to a writable folder to keep the copy");
        }
    }

    /// <summary>
    /// Loads the copy from a folder only this user can enter, with a random name (so nobody can plant a library there
    /// first), made in the temporary folder for this load and removed at once: the mapping outlives the file.
    /// </summary>
    /// <returns>Where the copy was loaded from (gone now).</returns>
    private static string LoadPrivateCopy(byte[] patched, string notCached)
    {
        string folder;
        try
        {
            folder = Directory.CreateTempSubdirectory("collapsecheck-native-").FullName;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Errors.OutputNotWritable(Path.GetTempPath(),
                $"{e.Message.TrimEnd('.')} (the patched libLibTorchSharp.so goes into a private folder there because {notCached}; or set TMPDIR to a writable folder)");
        }

        var path = Path.Combine(folder, NativeLocations.LibTorchSharpFile);
        try
        {
            File.WriteAllBytes(path, patched);
            Load(path);
            return path;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Errors.OutputNotWritable(folder, $"{e.Message.TrimEnd('.')} (the patched libLibTorchSharp.so goes there because {notCached})");
        }
        catch (CollapseCheckException e) when (e.Code == "CC0021")
        {
            // A temporary folder mounted noexec (hardened containers) refuses to map the copy.
            throw Errors.NativeIncompatible($"{e.Message}; the copy is in the temporary folder because {notCached}, and a temporary folder mounted noexec cannot load it: "
                + "set COLLAPSECHECK_CACHE, or TMPDIR, to a folder on a mount that allows running code");
        }
        finally
        {
            DeadWriters.TryDelete(path);
            try
            {
                Directory.Delete(folder);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // An empty private folder left in the temporary folder is untidy, not wrong.
            }
        }
    }

    private static void Load(string path)
    {
        try
        {
            NativeLibrary.Load(path);
        }
        catch (DllNotFoundException e)
        {
            throw Errors.NativeIncompatible($"cannot load '{path}': {e.Message}");
        }
    }
}
