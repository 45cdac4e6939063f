using System.Globalization;

namespace CollapseCheck.Gate;

/// <summary>How a check's measured value and threshold are printed.</summary>
public static class GateNumbers
{
    /// <summary>
    /// Both at four decimals, or at as many more as it takes to tell them apart: a value that fails by 2e-5 printed
    /// "0.9641 against … at least 0.9641: fail". Equal values print equal (they pass).
    /// </summary>
    public static (string Measured, string Threshold) Apart(double measured, double threshold)
    {
        for (var digits = 4; digits <= 12; digits++)
        {
            var pair = (measured.ToString("F" + digits, CultureInfo.InvariantCulture), threshold.ToString("F" + digits, CultureInfo.InvariantCulture));
            if (pair.Item1 != pair.Item2 || measured == threshold)
            {
                return pair;
            }
        }

        return (Reporting.Numbers.Plain(measured), Reporting.Numbers.Plain(threshold));
    }

    /// <summary>How many decimals <see cref="Apart"/> printed a number with (at least four): its parts are printed alike.</summary>
    public static int Decimals(string printed) =>
        printed.IndexOf('.') is var dot and >= 0 && printed.IndexOfAny(['e', 'E']) < 0 ? Math.Max(4, printed.Length - dot - 1) : 4;
}
