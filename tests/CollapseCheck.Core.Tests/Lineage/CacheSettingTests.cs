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
        Assert.Equal(Path.GetFullPath("nope"), GenerationCache.FolderFor("nope", out _));
        Assert.Equal(Path.GetFullPath("off"), GenerationCache.FolderFor("./off", out _));
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
