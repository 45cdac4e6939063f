using System.Text.Json;

namespace CollapseCheck.Tool.Tests;

/// <summary>The benchmark itself runs in CI on the small model, so a broken bench is a failing test, not a surprise on the GPU box.</summary>
public class BenchTests : IDisposable
{
    private readonly ToolRunner _tool = new();

    public void Dispose() => _tool.Dispose();

    [UnixFact]
    public void Bench_stopped_by_SIGTERM_says_so_and_exits_143()
    {
        // It writes nothing, so it ends at once, as by default; it used to end without a word.
        var (_, exit, rest) = _tool.SignalAfter(["bench", "--device", "cpu", "--model", "default", "--seconds", "600", "--no-lineage"],
            "collapsecheck:   training", "-TERM", TimeSpan.FromMilliseconds(300), exitWithin: TimeSpan.FromSeconds(30));
        Assert.Equal(143, exit);
        Assert.Contains("collapsecheck: bench stopped by SIGTERM; it writes nothing, so nothing was left half-written.", rest);
    }

    [Fact]
    public void Bench_prints_positive_speeds_and_model_flops_as_json()
    {
        var (exit, stdout, stderr) = _tool.Run("bench", "--device", "cpu", "--model", "default", "--seconds", "0.2", "--no-lineage", "--peak-tflops", "0.2", "--json");
        Assert.True(exit == 0, stderr);
        var root = JsonDocument.Parse(stdout).RootElement;
        var result = Assert.Single(root.GetProperty("results").EnumerateArray());
        Assert.Equal(120_640, result.GetProperty("parameters").GetInt64());
        foreach (var field in new[] { "trainTokensPerSecond", "trainFlopsPerSecond", "evaluateTokensPerSecond", "sampleTokensPerSecondCached", "sampleTokensPerSecondUncached", "decodeStepMsEarly", "decodeStepMsLate" })
        {
            Assert.True(result.GetProperty(field).GetDouble() > 0, field);
        }

        // Model FLOPs: 6 per parameter and token plus attention's 12·layers·width·context.
        var perToken = result.GetProperty("trainFlopsPerSecond").GetDouble() / result.GetProperty("trainTokensPerSecond").GetDouble();
        Assert.Equal(6.0 * 120_640 + 12.0 * 2 * 64 * 64, perToken, 1e-3 * perToken);
        // The JSON keeps six significant digits of each number, so the two sides agree to about 1e-5.
        var utilisation = root.GetProperty("trainModelFlopsUtilisation")[0].GetDouble();
        Assert.Equal(result.GetProperty("trainFlopsPerSecond").GetDouble() / 0.2e12, utilisation, 2e-5 * utilisation);
        Assert.Equal("--no-lineage", root.GetProperty("lineageSkipped").GetString());
        // In-process, as here, nothing set the allocator: figures from this process are not the executable's.
        Assert.Equal("the C library's default (only the collapsecheck executable sets it)", root.GetProperty("allocator").GetString());
        // A decoding step is the whole batch's, at positions the JSON names.
        Assert.Equal("8-12", result.GetProperty("decodeEarlyPositions").GetString());
        Assert.Equal("58-62", result.GetProperty("decodeLatePositions").GetString());
    }

    [Fact]
    public void Bench_text_gives_units_and_directions_and_what_the_uncached_figure_covers()
    {
        var (exit, stdout, stderr) = _tool.Run("bench", "--device", "cpu", "--model", "default", "--seconds", "0.1", "--no-lineage");
        Assert.True(exit == 0, stderr);
        Assert.Contains("tokens/s, higher is better; ms, lower is better", stdout);
        // Each phase is said as it starts: a 3.5M-model phase can take minutes on a small CPU, whatever --seconds says.
        Assert.Contains("collapsecheck:   sampling without the KV cache…", stderr);
        // Cut short by the budget, the figure without the cache leaves out the long prefixes that cost it most.
        Assert.Matches(@"sampling +[0-9,]+ tokens/s with KV cache, [0-9,]+ without \((over a whole context of 64|over its first \d+ positions of 64 only, the cheap ones: over a whole context it is slower)\)", stdout);
    }

    [Theory]
    [InlineData("--model", "huge")]
    [InlineData("--peak-tflops", "0")]
    // Finite, but a peak times 1e12 FLOP/s past double's range printed "Infinity" as a number in the JSON.
    [InlineData("--peak-tflops", "1e300")]
    // Not numbers: a range check that read them threw past the parser (exit 134).
    [InlineData("--peak-tflops", "abc")]
    [InlineData("--seconds", "1e999")]
    [InlineData("--seconds", "-1")]
    [InlineData("--precision", "fp16")]
    public void Bench_rejects_bad_arguments_with_exit_code_2(string option, string value)
    {
        var (exit, _, stderr) = _tool.Run("bench", "--device", "cpu", option, value);
        Assert.Equal(2, exit);
        Assert.Contains("CC0040", stderr);
        Assert.Contains(option, stderr);
    }

    [Fact]
    public void Bench_names_every_bad_value_at_once()
    {
        var (exit, _, stderr) = _tool.Run("bench", "--peak-tflops", "-1", "--seconds", "0", "--precision", "fp8", "--model", "xl");

        Assert.Equal(2, exit);
        foreach (var option in new[] { "--peak-tflops", "--seconds", "--precision", "--model" })
        {
            Assert.Contains($"error CC0040: {option} must be", stderr);
        }
    }
}
