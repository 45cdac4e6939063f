using CollapseCheck.Diagnostics;
using CollapseCheck.Lineage;

namespace CollapseCheck.Core.Tests.Lineage;

/// <summary>What a --cache (or CollapseCheckCache) value means: a word that switches the cache, or a folder.</summary>
public class CacheSettingTests
{
    [Theory]
    [InlineData("off")]
    [InlineData("False")]
    [InlineData("no")]
    [InlineData("NONE")]
    [InlineData("0")]
    [InlineData("off ")] // a script's variable with a trailing space made a cache folder named "off "
    [InlineData(" no\t")]
    public void Off_words_switch_the_cache_off_instead_of_naming_a_folder(string setting) =>
        Assert.Null(GenerationCache.FolderFor(setting, out _));

    [Theory]
    [InlineData(null)]
    [InlineData("true")]
    [InlineData("On")]
    [InlineData("yes")]
    public void No_setting_and_on_words_mean_the_user_cache(string? setting) =>
        Assert.Equal(Path.Combine(Common.UserCache.Folder(), "generations"), GenerationCache.FolderFor(setting, out _));

    [Fact]
    public void Anything_else_is_a_folder_made_absolute()
    {
        Assert.Equal(Path.GetFullPath("generations"), GenerationCache.FolderFor("generations", out _));
        Assert.Equal(Path.GetFullPath("off"), GenerationCache.FolderFor("./off", out _));
        Assert.Equal(Path.GetFullPath("of"), GenerationCache.FolderFor("./of", out _));
        Assert.Equal(Path.GetFullPath("x"), GenerationCache.FolderFor("x", out _));
    }

    /// <summary>'--cache of' made a folder named 'of' and kept the cache on, without a word.</summary>
    [Theory]
    [InlineData("of", "off")]
    [InlineData("flase", "false")]
    [InlineData("nope", "none")]
    [InlineData("tru", "true")]
    public void A_slip_of_a_switch_word_that_names_no_folder_is_a_bad_argument(string setting, string meant)
    {
        var error = Assert.Throws<CollapseCheckException>(() => GenerationCache.FolderFor(setting, out _));
        Assert.Equal(Errors.BadArgumentCode, error.Code);
        Assert.Equal($"--cache '{setting}' names no folder yet and looks like a slip of a switch word: did you mean '{meant}'? for a new folder of that name, write ./{setting}", error.Message);
    }

    [Fact]
    public void An_existing_folder_near_a_switch_word_is_still_that_folder()
    {
        // In the working folder (the test's bin folder), without changing it: other tests run beside this one.
        const string Name = "yez";
        Assert.Throws<CollapseCheckException>(() => GenerationCache.FolderFor(Name, out _));
        Directory.CreateDirectory(Name);
        try
        {
            Assert.Equal(Path.GetFullPath(Name), GenerationCache.FolderFor(Name, out _));
        }
        finally
        {
            Directory.Delete(Name);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void A_blank_setting_is_a_bad_argument(string setting)
    {
        var error = Assert.Throws<CollapseCheckException>(() => GenerationCache.FolderFor(setting, out _));
        Assert.Contains("--cache needs a folder, or 'off'", error.Message);
    }
}
