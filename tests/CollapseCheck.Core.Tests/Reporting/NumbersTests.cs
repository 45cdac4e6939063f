using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using CollapseCheck.Policy;
using CollapseCheck.Reporting;

namespace CollapseCheck.Core.Tests.Reporting;

/// <summary>How the numbers a person reads are written: positional where JavaScript writes them so, never "1E-05".</summary>
public partial class NumbersTests
{
    [Theory]
    [InlineData(0.00001, "0.00001")]
    [InlineData(0.000001, "0.000001")]
    [InlineData(1.5e-7, "1.5e-7")]
    [InlineData(-0.000064, "-0.000064")]
    [InlineData(0.003, "0.003")]
    [InlineData(1, "1")]
    [InlineData(20000, "20000")]
    [InlineData(123.456, "123.456")]
    [InlineData(1e15, "1000000000000000")]
    [InlineData(1e21, "1e+21")]
    [InlineData(0, "0")]
    [InlineData(0.1 + 0.2, "0.30000000000000004")]
    public void Plain_is_the_shortest_exact_text_laid_out_as_javascript_does(double value, string expected)
    {
        Assert.Equal(expected, Numbers.Plain(value));
        Assert.Equal(value, double.Parse(expected, CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(0.0000123456789, 3, "0.0000123")]
    [InlineData(0.00314159, 2, "0.0031")]
    [InlineData(1e-5, 3, "0.00001")]
    [InlineData(1234567, 3, "1230000")]
    public void Plain_with_significant_digits_rounds_first(double value, int digits, string expected) =>
        Assert.Equal(expected, Numbers.Plain(value, digits));

    [Fact]
    public void Measured_values_keep_six_significant_digits_without_an_exponent() =>
        Assert.Equal("0.0000123457", Numbers.Format(0.0000123456789));

    /// <summary>From a review: "measured": 1.05092, "threshold": 1.05092, "passed": false read as a pass in the JSON.</summary>
    [Fact]
    public void A_check_whose_value_and_threshold_agree_to_six_digits_is_written_with_the_digits_that_tell_them_apart()
    {
        var close = CollapseCheck.Gate.CollapseGate.Ceiling("CC1001", "held-out perplexity ×gen0", 5, [1.0509210], predicted: 1.00165, tolerance: 0.049188);
        var apart = CollapseCheck.Gate.CollapseGate.Ceiling("CC1001", "held-out perplexity ×gen0", 5, [1.2], predicted: 1.00165, tolerance: 0.049188);
        using var json = JsonDocument.Parse(ReportJson.Serialize(new[] { close, apart }));

        var (measured, threshold) = (json.RootElement[0].GetProperty("measured").GetRawText(), json.RootElement[0].GetProperty("threshold").GetRawText());
        Assert.False(json.RootElement[0].GetProperty("passed").GetBoolean());
        Assert.NotEqual(measured, threshold);
        Assert.True(double.Parse(measured, CultureInfo.InvariantCulture) > double.Parse(threshold, CultureInfo.InvariantCulture), $"{measured} against {threshold}");
        // Only where needed: a check well apart keeps six digits, so snapshots do not churn.
        Assert.Equal("1.2", json.RootElement[1].GetProperty("measured").GetRawText());
        Assert.Equal("1.05092", json.RootElement[1].GetProperty("threshold").GetRawText());
    }

    [Theory]
    [InlineData(1.0509210, 1.0509190, 7)]
    [InlineData(1.2, 1.05091, 6)]
    [InlineData(1.05, 1.05, 6)]
    [InlineData(0.1 + 0.2, 0.3, 17)]
    public void Digits_apart_are_six_or_as_many_as_two_values_need(double a, double b, int digits) =>
        Assert.Equal(digits, Numbers.DigitsApart(a, b));

    /// <summary>verify.tolerance defaults to 0.00001, which .NET writes "1E-05"; the echo keeps every digit of a policy's number.</summary>
    [Fact]
    public void A_report_with_small_numbers_has_no_exponent_and_reads_back_the_same_values()
    {
        var policy = PolicyLoader.Parse("""
            { "gate": { "tolerance": 0.00001 }, "training": { "learningRate": 0.0030000001 },
              "verify": { "tolerance": 0.00002, "otherMachineTolerance": 0.000001 } }
            """, "p.json");
        var json = ReportJson.Serialize(new { policy = ReportBuilder.Echo(policy), measured = new[] { 0.0000123456789, 2.5e-9 } });

        Assert.DoesNotMatch(ExponentOfDotNet(), json);
        Assert.Contains("\"tolerance\": 0.00001,", json);
        Assert.Contains("\"learningRate\": 0.0030000001,", json);
        Assert.Contains("\"otherMachineTolerance\": 0.000001\n", json);
        Assert.Contains("0.0000123457,", json);
        Assert.Contains("2.5e-9\n", json);

        using var document = JsonDocument.Parse(json);
        var read = JsonSerializer.Deserialize<PolicyEcho>(document.RootElement.GetProperty("policy").GetRawText(), ReportJson.Options)!;
        var echo = ReportBuilder.Echo(policy);
        Assert.Equal((echo.Training, echo.Gate, echo.Verify), (read.Training, read.Gate, read.Verify));
        Assert.Equal([0.0000123457, 2.5e-9], document.RootElement.GetProperty("measured").EnumerateArray().Select(e => e.GetDouble()));
    }

    /// <summary>"1E-05", "3.1E+21": .NET's layout; a lowercase e with a sign and no padding is JavaScript's and allowed.</summary>
    [GeneratedRegex(@"\dE[+-]\d")]
    private static partial Regex ExponentOfDotNet();
}
