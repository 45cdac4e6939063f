using CollapseCheck.Native;

namespace CollapseCheck.Core.Tests.Native;

/// <summary>The decision and the patch, on the real libLibTorchSharp.so that the build ships.</summary>
public class NativeCompatibilityTests
{
    private static readonly string s_library = NativeLocations.LibTorchSharpCandidates().First(File.Exists);

    private static HashSet<string> GlibcxxUpTo(int minor) =>
        Enumerable.Range(0, minor + 1).Select(i => i == 0 ? "GLIBCXX_3.4" : $"GLIBCXX_3.4.{i}")
            .Concat(Enumerable.Range(0, 14).Select(i => i == 0 ? "CXXABI_1.3" : $"CXXABI_1.3.{i}"))
            .ToHashSet();

    [Fact]
    public void Reads_the_GLIBCXX_3_4_32_need_and_the_one_symbol_bound_to_it()
    {
        var info = ElfVersionInfo.Read(s_library);
        var need = Assert.Single(info.Needs, n => n.Version == "GLIBCXX_3.4.32");
        Assert.Equal(NativeCompatibility.LibStdCxx, need.Library);
        Assert.False(need.IsWeak);
        var bound = Assert.Single(info.Symbols, s => s.VersionIndex == need.Index);
        Assert.Equal("_ZSt21ios_base_library_initv", bound.Name);
    }

    [Fact]
    public void GCC12_libstdcxx_gets_the_patched_copy()
    {
        var decision = NativeCompatibility.Decide(ElfVersionInfo.Read(s_library), GlibcxxUpTo(30));
        Assert.Equal(NativeLoadAction.PatchedCopy, decision.Action);
        Assert.Equal(["GLIBCXX_3.4.32"], decision.Missing.Select(m => m.Version));
    }

    [Fact]
    public void GCC13_libstdcxx_loads_as_shipped()
    {
        var decision = NativeCompatibility.Decide(ElfVersionInfo.Read(s_library), GlibcxxUpTo(32));
        Assert.Equal(NativeLoadAction.AsShipped, decision.Action);
        Assert.Empty(decision.Missing);
    }

    [Fact]
    public void A_missing_version_of_a_called_symbol_is_incompatible_and_says_what_to_install()
    {
        var decision = NativeCompatibility.Decide(ElfVersionInfo.Read(s_library), GlibcxxUpTo(28));
        Assert.Equal(NativeLoadAction.Incompatible, decision.Action);
        Assert.Contains("GLIBCXX_3.4.30", decision.Explanation);
        Assert.Contains("install a newer libstdc++", decision.Explanation);
    }

    [Fact]
    public void The_patch_changes_two_16_bit_fields_and_makes_the_need_weak()
    {
        var original = File.ReadAllBytes(s_library);
        var info = ElfVersionInfo.Parse(original, s_library);
        var decision = NativeCompatibility.Decide(info, GlibcxxUpTo(30));
        var patched = NativeCompatibility.Patch(original, info, decision.Missing);

        var changed = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToList();
        Assert.InRange(changed.Count, 2, 4);
        var need = decision.Missing[0];
        var symbol = info.Symbols.Single(s => s.VersionIndex == need.Index);
        Assert.All(changed, i => Assert.True(i / 2 == (need.NeedOffset + 4) / 2 || i / 2 == symbol.VersymOffset / 2, $"unexpected change at {i}"));

        var reread = ElfVersionInfo.Parse(patched, "patched");
        Assert.True(reread.Needs.Single(n => n.Version == "GLIBCXX_3.4.32").IsWeak);
        Assert.Equal(ElfVersionInfo.GlobalVersionIndex, reread.Symbols.Single(s => s.Name == symbol.Name).VersionIndex);
        Assert.Equal(NativeLoadAction.AsShipped, NativeCompatibility.Decide(reread, GlibcxxUpTo(30)).Action);
    }

    [Fact]
    public void Loading_on_this_machine_follows_the_decision_for_its_libstdcxx()
    {
        var setup = TorchNative.EnsureLoaded();
        var system = ElfVersionInfo.Read(setup.LibStdCxx!).Definitions.ToHashSet();
        Assert.Equal(!system.Contains("GLIBCXX_3.4.32"), setup.Patched);
        if (setup.Patched)
        {
            Assert.StartsWith(Common.UserCache.Folder(), setup.LibTorchSharpLoaded);
            Assert.NotEqual(setup.LibTorchSharpOriginal, setup.LibTorchSharpLoaded);
        }

        using var t = TorchSharp.torch.ones(3).sum();
        Assert.Equal(3f, t.item<float>());
    }

    [Fact]
    public void Not_an_ELF_file_is_rejected_with_its_name()
    {
        var e = Assert.Throws<InvalidDataException>(() => ElfVersionInfo.Parse(new byte[100], "junk.so"));
        Assert.Contains("junk.so", e.Message);
    }
}
