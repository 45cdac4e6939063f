using CollapseCheck.Native;
using CollapseCheck.Sampling;
using static TorchSharp.torch;

namespace CollapseCheck.Core.Tests.Sampling;

public class LogitFiltersTests
{
    public LogitFiltersTests() => TorchNative.EnsureLoaded();

    private static float[] Probabilities(float[] logits, double temperature, int topK, double topP)
    {
        using var x = tensor(logits).unsqueeze(0);
        using var p = LogitFilters.Apply(x, temperature, topK, topP).softmax(1);
        return p.data<float>().ToArray();
    }

    [Fact]
    public void No_truncation_at_temperature_1_is_plain_softmax()
    {
        var p = Probabilities([0f, (float)Math.Log(3)], 1.0, 0, 1.0);
        Assert.Equal(0.25, p[0], 5);
        Assert.Equal(0.75, p[1], 5);
    }

    [Fact]
    public void Temperature_sharpens_below_1_and_flattens_above()
    {
        var cold = Probabilities([0f, 1f], 0.5, 0, 1.0);
        var hot = Probabilities([0f, 1f], 2.0, 0, 1.0);
        Assert.Equal(1 / (1 + Math.Exp(2)), cold[0], 5);
        Assert.Equal(1 / (1 + Math.Exp(0.5)), hot[0], 5);
    }

    [Fact]
    public void Top_k_keeps_exactly_the_k_most_likely()
    {
        var p = Probabilities([1f, 4f, 3f, 2f, 0f], 1.0, 2, 1.0);
        Assert.Equal([0f, 0f, 0f], new[] { p[0], p[3], p[4] });
        Assert.Equal(1 / (1 + Math.Exp(-1)), p[1], 5);
    }

    [Fact]
    public void Top_p_keeps_the_smallest_prefix_reaching_p()
    {
        // Probabilities 0.5, 0.3, 0.15, 0.05: p = 0.8 keeps the first two (0.5 + 0.3 reaches 0.8).
        var logits = new[] { 0.5f, 0.3f, 0.15f, 0.05f }.Select(v => (float)Math.Log(v)).ToArray();
        var p = Probabilities(logits, 1.0, 0, 0.8);
        Assert.Equal(0.625, p[0], 4);
        Assert.Equal(0.375, p[1], 4);
        Assert.Equal(0f, p[2]);
        Assert.Equal(0f, p[3]);
    }

    [Fact]
    public void Top_p_always_keeps_the_most_likely_token()
    {
        var p = Probabilities([5f, 0f, 0f], 1.0, 0, 0.01);
        Assert.Equal(1f, p[0], 5);
    }

    [Fact]
    public void Top_p_works_per_row_in_a_batch()
    {
        using var x = tensor(new[] { 0f, 10f, 10f, 0f }, [2, 2]);
        using var p = LogitFilters.Apply(x, 1.0, 0, 0.5).softmax(1);
        Assert.Equal([0f, 1f, 1f, 0f], p.data<float>().ToArray());
    }
}
