namespace CollapseCheck.Native;

public enum NativeLoadAction
{
    /// <summary>The system satisfies every version the library needs.</summary>
    AsShipped,

    /// <summary>Only versions of symbols nothing calls are missing: load a copy with those needs marked weak.</summary>
    PatchedCopy,

    /// <summary>Something the library really calls is missing: no safe way to load it.</summary>
    Incompatible,
}

public sealed record NativeLoadDecision(NativeLoadAction Action, IReadOnlyList<ElfVersionNeed> Missing, string Explanation);

/// <summary>
/// Decides how libLibTorchSharp.so can be loaded on this system. TorchSharp 0.107 is built with
/// GCC 13, whose &lt;iostream&gt; emits a reference to std::ios_base_library_init() (GLIBCXX_3.4.32)
/// that no code calls; systems with GCC 12's libstdc++ (Debian 12, Ubuntu 22.04) refuse the whole
/// library for that one version. Marking such a need weak is safe exactly when every symbol bound
/// to it is one of these never-called references.
/// </summary>
public static class NativeCompatibility
{
    public const string LibStdCxx = "libstdc++.so.6";

    private static readonly HashSet<string> s_referencedButNeverCalled = ["_ZSt21ios_base_library_initv"];

    public static NativeLoadDecision Decide(ElfVersionInfo library, IReadOnlySet<string> libStdCxxVersions)
    {
        var missing = library.Needs
            .Where(n => n.Library == LibStdCxx && !n.IsWeak && !libStdCxxVersions.Contains(n.Version))
            .ToList();
        if (missing.Count == 0)
        {
            return new(NativeLoadAction.AsShipped, missing, "the system libstdc++ provides every symbol version libLibTorchSharp.so needs");
        }

        var names = string.Join(", ", missing.Select(m => m.Version));
        var blocking = missing
            .SelectMany(m => library.Symbols.Where(s => s.VersionIndex == m.Index))
            .Where(s => !s_referencedButNeverCalled.Contains(s.Name))
            .Select(s => s.Name)
            .ToList();
        if (blocking.Count > 0)
        {
            return new(NativeLoadAction.Incompatible, missing,
                $"libLibTorchSharp.so needs {names} from {LibStdCxx}, which this system lacks, for symbols it calls ({string.Join(", ", blocking.Take(5))}); install a newer libstdc++ (GCC 13 or later) or use an OS release that ships one");
        }

        return new(NativeLoadAction.PatchedCopy, missing,
            $"the system libstdc++ lacks {names}, needed only by {string.Join(", ", s_referencedButNeverCalled)}, which nothing calls; a copy with that need marked weak is loaded instead");
    }

    /// <summary>
    /// The patched image: each missing need gets VER_FLG_WEAK and each symbol bound to it the global
    /// version index, so the dynamic linker neither rejects the file nor looks for that version.
    /// Two 16-bit fields change per need; nothing moves.
    /// </summary>
    public static byte[] Patch(byte[] original, ElfVersionInfo info, IEnumerable<ElfVersionNeed> needs)
    {
        var image = (byte[])original.Clone();
        foreach (var need in needs)
        {
            var flagsAt = (int)need.NeedOffset + 4;
            var flags = (ushort)(image[flagsAt] | (image[flagsAt + 1] << 8) | ElfVersionInfo.VerFlagWeak);
            image[flagsAt] = (byte)flags;
            image[flagsAt + 1] = (byte)(flags >> 8);
            foreach (var symbol in info.Symbols.Where(s => s.VersionIndex == need.Index))
            {
                image[symbol.VersymOffset] = (byte)ElfVersionInfo.GlobalVersionIndex;
                image[symbol.VersymOffset + 1] = 0;
            }
        }

        return image;
    }
}
