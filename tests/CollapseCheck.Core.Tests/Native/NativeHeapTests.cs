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
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        Assert.True(NativeHeap.KeepFreedBuffers(_ => null));
        // glibc's default would map an 8 MB buffer from the kernel (its adaptive threshold starts at 128 kB).
        var mapped = MallInfo2().MappedChunks;
        var heapBuffer = Marshal.AllocHGlobal(8 << 20);
        var heapBufferMapped = MallInfo2().MappedChunks - mapped;
        var largeBuffer = Marshal.AllocHGlobal(48 << 20);
        var largeBufferMapped = MallInfo2().MappedChunks - mapped;
        Marshal.FreeHGlobal(largeBuffer);
        Marshal.FreeHGlobal(heapBuffer);

        Assert.Equal(0u, heapBufferMapped);
        // The count moves at all: the assertion above is not vacuous.
        Assert.Equal(1u, largeBufferMapped);
    }

    [Fact]
    public void The_users_own_glibc_thresholds_win()
    {
        Assert.False(NativeHeap.KeepFreedBuffers(name => name == "GLIBC_TUNABLES" ? "glibc.malloc.mmap_threshold=1048576" : null));
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
