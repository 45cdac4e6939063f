using System.Runtime.InteropServices;
using CollapseCheck.Native;

namespace CollapseCheck.Core.Tests.Native;

/// <summary>Runs alone: another test freeing or mapping a large buffer between two counts would move them.</summary>
[CollectionDefinition(nameof(NativeHeapTests), DisableParallelization = true)]
public sealed class NativeHeapCollection;

[Collection(nameof(NativeHeapTests))]
public class NativeHeapTests
{
    [Fact]
    public void Once_set_a_buffer_up_to_32_MB_comes_from_the_heap_and_a_larger_one_is_still_mapped()
    {
        // Only where glibc takes the settings (not musl) and can count its mappings (mallinfo2: glibc 2.33 and later).
        if (!NativeHeap.KeepFreedBuffers(_ => null) || MappedChunks() is null)
        {
            return;
        }

        // The count is the whole process's: a libtorch or finalizer thread freeing a mapped buffer between two reads
        // would move it, so a clean reading out of three decides.
        var readings = new List<(long Heap, long Large)>();
        for (var attempt = 0; attempt < 3 && (readings.Count == 0 || readings[^1] != (0, 1)); attempt++)
        {
            var mapped = MappedChunks()!.Value;
            var heapBuffer = Marshal.AllocHGlobal(8 << 20);
            var heapBufferMapped = MappedChunks()!.Value - mapped;
            var largeBuffer = Marshal.AllocHGlobal(48 << 20);
            var largeBufferMapped = MappedChunks()!.Value - mapped;
            Marshal.FreeHGlobal(largeBuffer);
            Marshal.FreeHGlobal(heapBuffer);
            readings.Add((heapBufferMapped, largeBufferMapped));
        }

        // 8 MB from the heap; 48 MB, above the largest mapping threshold, mapped: the count moves at all.
        Assert.Equal((0L, 1L), readings[^1]);
    }

    [Theory]
    [InlineData("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=1048576")]
    [InlineData("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0:glibc.malloc.trim_threshold=0")]
    [InlineData("MALLOC_TRIM_THRESHOLD_", "131072")]
    [InlineData("MALLOC_MMAP_THRESHOLD_", "131072")]
    [InlineData("MALLOC_TOP_PAD_", "0")]
    public void The_users_own_allocator_settings_win(string name, string value)
    {
        Assert.False(NativeHeap.KeepFreedBuffers(variable => variable == name ? value : null));
    }

    [Fact]
    public void Settings_of_other_things_leave_it_on()
    {
        // A memcpy tunable whose name ends in "threshold", and an arena limit many container images set.
        string? Variable(string name) => name switch
        {
            "GLIBC_TUNABLES" => "glibc.cpu.x86_rep_movsb_threshold=4096:glibc.malloc.arena_max=2",
            "MALLOC_ARENA_MAX" => "2",
            _ => null,
        };

        // The same answer as with nothing set, and on a glibc with mallinfo2 (2.33 and later), that the settings were made.
        Assert.Equal(NativeHeap.KeepFreedBuffers(_ => null), NativeHeap.KeepFreedBuffers(Variable));
        Assert.True(MappedChunks() is null || NativeHeap.KeepFreedBuffers(Variable));
    }

    /// <summary>glibc's count of buffers it mapped from the kernel; null where there is no mallinfo2.</summary>
    private static long? MappedChunks()
    {
        try
        {
            return (long)MallInfo2().MappedChunks;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return null;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly struct MallocInfo
    {
        public readonly nuint Arena;
        public readonly nuint OrdinaryBlocks;
        public readonly nuint SmallBlocks;
        public readonly nuint MappedChunks;
        public readonly nuint MappedBytes;
        public readonly nuint Unused;
        public readonly nuint FreeFastBytes;
        public readonly nuint AllocatedBytes;
        public readonly nuint FreeBytes;
        public readonly nuint TopReleasable;
    }

    [DllImport("libc", EntryPoint = "mallinfo2")]
    private static extern MallocInfo MallInfo2();
}
