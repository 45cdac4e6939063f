using CollapseCheck.Native;

namespace CollapseCheck.Core.Tests.Native;

public class NumericsTests
{
    // As CpuIdentity gives it: one line per distinct key and value, in ordinal order.
    private const string Runner = "cpu family=6\nflags=fpu sse sse2 ssse3 sse4_1 fma avx avx2 avx512f hypervisor md_clear\nmodel name=Intel(R) Xeon(R) Processor\nmodel=207\nstepping=2\nvendor_id=GenuineIntel";

    [Fact]
    public void Two_runners_of_one_kind_share_the_kernel_deciding_identity_whatever_their_kernel_adds()
    {
        // Another stepping, a mitigation flag and a timer flag from a newer kernel or microcode: the same kernels run.
        var patched = Runner.Replace("stepping=2", "stepping=3").Replace("md_clear", "md_clear ibpb tsc_known_freq");
        Assert.Equal(Numerics.KernelDecidingIdentity(Runner), Numerics.KernelDecidingIdentity(patched));
        // A machine whose cores differ only in such a flag lists two flags lines; they count once.
        var mixed = Runner + "\n" + Runner.Split('\n')[1].Replace("md_clear", "md_clear ibpb");
        Assert.Equal(Numerics.KernelDecidingIdentity(Runner), Numerics.KernelDecidingIdentity(string.Join("\n", mixed.Split('\n').Distinct().Order(StringComparer.Ordinal))));
    }

    [Fact]
    public void On_windows_the_processor_identifier_counts_but_its_stepping()
    {
        const string Intel = "Intel64 Family 6 Model 207 Stepping 2, GenuineIntel";
        Assert.Equal(Numerics.KernelDecidingIdentity(Intel), Numerics.KernelDecidingIdentity(Intel.Replace("Stepping 2", "Stepping 3")));
        Assert.NotEqual(Numerics.KernelDecidingIdentity(Intel), Numerics.KernelDecidingIdentity("AMD64 Family 25 Model 1 Stepping 1, AuthenticAMD"));
        Assert.NotEqual("", Numerics.KernelDecidingIdentity(Intel));
    }

    [Fact]
    public void Another_instruction_set_or_model_is_another_identity()
    {
        Assert.NotEqual(Numerics.KernelDecidingIdentity(Runner), Numerics.KernelDecidingIdentity(Runner.Replace(" avx512f", "")));
        Assert.NotEqual(Numerics.KernelDecidingIdentity(Runner), Numerics.KernelDecidingIdentity(Runner.Replace("model=207", "model=143")));
        Assert.NotEqual(Numerics.KernelDecidingIdentity(Runner), Numerics.KernelDecidingIdentity(Runner.Replace("GenuineIntel", "AuthenticAMD")));
    }

    [Theory]
    // --libtorch at the package's own native folder names the package, as finding it there does: the report's
    // numerics.machine was "libtorch in native/", other bytes for the same files.
    [InlineData("/root/.nuget/packages/libtorch-cpu-linux-x64/2.10.0/runtimes/linux-x64/native", "libtorch-cpu-linux-x64 2.10.0")]
    [InlineData("/root/.nuget/packages/libtorch-cpu-linux-x64/2.10.0/runtimes/linux-x64/native/", "libtorch-cpu-linux-x64 2.10.0")]
    [InlineData("/opt/venv/lib/python3.11/site-packages/torch/lib", null)]
    [InlineData("/tmp/native", null)]
    [InlineData("/feed/other/1.0.0/runtimes/linux-x64/native", null)]
    public void A_libtorch_package_folder_is_named_by_its_package_and_version(string folder, string? expected) =>
        Assert.Equal(expected, Numerics.PackageOf(folder));

    [Fact]
    public void A_copy_of_the_packages_libraries_elsewhere_is_named_as_the_package_and_other_libraries_by_their_hash()
    {
        var root = Directory.CreateTempSubdirectory("collapsecheck-libtorch-name-").FullName;
        try
        {
            string Folder(string name, int torchBytes)
            {
                var folder = Directory.CreateDirectory(Path.Combine(root, name)).FullName;
                File.WriteAllBytes(Path.Combine(folder, NativeLocations.LibTorchFile), new byte[torchBytes]);
                File.WriteAllBytes(Path.Combine(folder, "libc10.so"), new byte[7]);
                return folder;
            }

            var packaged = Folder("package", 100);
            NativeSetup At(string folder) => new(folder, $"--libtorch {folder}", null, null, null, null, false);
            var package = $"{NativeLocations.LibTorchPackage} {NativeLocations.LibTorchPackageVersion}";

            Assert.Equal(package, Numerics.LibTorchName(At(Folder("copy", 100)), packaged));
            Assert.StartsWith("libtorch build ", Numerics.LibTorchName(At(Folder("other", 101)), packaged));
            Assert.StartsWith("libtorch build ", Numerics.LibTorchName(At(Folder("alone", 100)), packaged: null));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
