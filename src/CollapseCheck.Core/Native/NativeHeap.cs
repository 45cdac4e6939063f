using System.Runtime.InteropServices;

namespace CollapseCheck.Native;

/// <summary>
/// How glibc's allocator treats libtorch's buffers, for the tool's own process: a process-wide choice that a library
/// should not make for its host, so only the executable calls <see cref="KeepFreedBuffers"/>.
/// </summary>
/// <remarks>
/// An evaluation batch allocates buffers of 2 MB and more, freed together when the batch ends. glibc maps a buffer from
/// the kernel when it is larger than its mapping threshold (128 kB at first, rising to the largest mapped buffer freed
/// so far) and gives a freed heap top back to the kernel once it passes twice that, so batch after batch faulted its
/// pages in again: on the 2-core VM the default model's evaluation ran at 110,000–240,000 tokens/s with 110,000–210,000
/// minor page faults a bench, and 260,000–330,000 tokens/s with 42,000–46,000 once freed buffers stay in the heap.
/// Reports are unchanged (libtorch aligns every buffer to 64 bytes either way). Both thresholds must be set: setting
/// only the trim threshold freezes the mapping threshold at 128 kB, and training ran 5× slower.
/// </remarks>
public static partial class NativeHeap
{
    private const int TrimThreshold = -1; // M_TRIM_THRESHOLD
    private const int MmapThreshold = -3; // M_MMAP_THRESHOLD

    /// <summary>glibc's largest mapping threshold on 64-bit systems; buffers above it are still mapped and returned.</summary>
    private const int LargestMmapThreshold = 32 << 20;

    /// <summary>Freed memory kept at the heap's top before it goes back to the kernel: more than a default-model batch frees at once.</summary>
    private const int KeptTop = 256 << 20;

    private static readonly string[] s_settings = ["mmap_threshold", "trim_threshold", "top_pad", "mmap_max"];

    /// <summary>What this process's allocator does with freed buffers, for `doctor`.</summary>
    public static string Status { get; private set; } = "the C library's default (only the collapsecheck executable sets it)";

    /// <summary>
    /// Keeps buffers up to 32 MB in the heap once freed. Linux only; skipped when the user sets glibc's allocator
    /// (MALLOC_*_ variables or glibc.malloc tunables: theirs wins) and where the C library has no mallopt (musl has one
    /// that does nothing).
    /// </summary>
    /// <returns>Whether the C library took both settings.</returns>
    public static bool KeepFreedBuffers(Func<string, string?> variable)
    {
        if (!OperatingSystem.IsLinux())
        {
            Status = "the C library's default (set only on Linux)";
            return false;
        }

        if (UserSetsAllocator(variable))
        {
            Status = "as the environment sets it (MALLOC_*_ or GLIBC_TUNABLES); collapsecheck leaves it";
            return false;
        }

        try
        {
            // Mapping threshold first: setting either one freezes both, and the trim threshold's default is 128 kB.
            var taken = MallOpt(MmapThreshold, LargestMmapThreshold) == 1 && MallOpt(TrimThreshold, KeptTop) == 1;
            Status = taken
                ? $"freed buffers up to {LargestMmapThreshold >> 20} MB stay in the heap (glibc mapping threshold {LargestMmapThreshold >> 20} MB, trim threshold {KeptTop >> 20} MB)"
                : "the C library's default (it took no mallopt settings)";
            return taken;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            Status = "the C library's default (it has no mallopt)";
            return false;
        }
    }

    /// <summary>
    /// The user set what this class sets, or what decides how it acts (top pad, the most mappings), as a MALLOC_*_
    /// variable or a glibc.malloc tunable. Other allocator settings (an arena limit, huge pages) combine with it.
    /// </summary>
    private static bool UserSetsAllocator(Func<string, string?> variable) =>
        s_settings.Any(name => !string.IsNullOrEmpty(variable($"MALLOC_{name.ToUpperInvariant()}_")))
        || (variable("GLIBC_TUNABLES") ?? "").Split(':').Any(t => s_settings.Any(name => t.StartsWith($"glibc.malloc.{name}=", StringComparison.Ordinal)));

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int MallOpt(int parameter, int value);
}
