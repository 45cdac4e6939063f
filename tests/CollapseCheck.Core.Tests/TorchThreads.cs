using System.Runtime.CompilerServices;
using CollapseCheck.Native;
using CollapseCheck.Training;

namespace CollapseCheck.Core.Tests;

/// <summary>
/// One torch thread per shard for the whole test process, set before any test touches torch, as the tool sets it
/// at start. Each thread keeps the OpenMP thread count it had when it first ran an op, so without this a pool
/// thread first used before some test's RunJob set one thread would keep two, and six steps of training end a few
/// last bits apart with one thread and with two (measured, fp32 and bf16): the bit-for-bit training test failed
/// that way once in a fresh-clone run of .ci/run.
/// </summary>
internal static class TorchThreads
{
#pragma warning disable CA2255 // A test assembly, not a library: this is exactly the run-once-before-anything hook.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void OnePerShard()
    {
        // The natives are patched into the user cache: make that this run's own first.
        CollapseCheck.Tests.TestCache.Isolate();
        TorchNative.EnsureLoaded();
        ComputeDevice.UseCpuThreads();
    }
}
