using System.Runtime.InteropServices;
using CollapseCheck.Running;

namespace CollapseCheck.Core.Tests.Running;

/// <summary>libtorch's allocation failures, as TorchSharp raises them, become CC0023's detail; nothing else does.</summary>
public class OutOfMemoryTests
{
    [Fact]
    public void Libtorchs_cpu_and_cuda_allocation_failures_are_told_by_their_first_line()
    {
        var cpu = new ExternalException("[enforce fail at alloc_cpu.cpp:117] data. DefaultCPUAllocator: can't allocate memory: you tried to allocate 137438953472 bytes. Error code 12 (Cannot allocate memory)\nException raised from alloc_cpu at ...\nframe #0: c10::ThrowEnforceNotMet");
        var cuda = new ExternalException("CUDA out of memory. Tried to allocate 20.00 GiB (GPU 0; 139.8 GiB total capacity)\nframe #0: ...");

        Assert.Equal("can't allocate memory: you tried to allocate 137438953472 bytes. Error code 12 (Cannot allocate memory)", RunJob.OutOfMemory(cpu));
        Assert.Equal("out of memory. Tried to allocate 20.00 GiB (GPU 0; 139.8 GiB total capacity)", RunJob.OutOfMemory(cuda));
        Assert.Null(RunJob.OutOfMemory(new ExternalException("shape '[4, 64]' is invalid for input of size 3")));
        Assert.Null(RunJob.OutOfMemory(new InvalidOperationException("can't allocate memory")));
    }
}
