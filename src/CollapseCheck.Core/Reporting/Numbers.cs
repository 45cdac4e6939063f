using System.Globalization;

namespace CollapseCheck.Reporting;

/// <summary>
/// Reports carry six significant digits: enough to see a real change, few enough that a reviewer
/// reads the diff and float noise below the sixth digit never turns into a snapshot change.
/// Every number a person reads is written as <see cref="Plain(double)"/> lays it out.
/// </summary>
public static class Numbers
{
    public const int SignificantDigits = 6;

    public static double Round(double value) =>
        double.IsFinite(value) ? double.Parse(value.ToString("G6", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : value;

    /// <summary>
    /// Six significant digits, or as many more as it takes for two values that differ to read differently (at most 17,
    /// which tell any two doubles apart).
    /// </summary>
    public static int DigitsApart(double a, double b)
    {
        var digits = SignificantDigits;
        while (digits < 17 && a != b && double.IsFinite(a) && double.IsFinite(b) && Plain(a, digits) == Plain(b, digits))
        {
            digits++;
        }

        return digits;
    }

    /// <summary>A measured value in the report's JSON: six significant digits, laid out by <see cref="Plain(double)"/>.</summary>
    public static string Format(double value) => Plain(Round(value));

    /// <summary>At most <paramref name="significantDigits"/> significant digits, laid out by <see cref="Plain(double)"/>.</summary>
    public static string Plain(double value, int significantDigits) =>
        double.IsFinite(value)
            ? Plain(double.Parse(value.ToString("G" + significantDigits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture), CultureInfo.InvariantCulture))
            : Plain(value);

    /// <summary>
    /// The shortest digits that read back as exactly <paramref name="value"/> (.NET's "R"), laid out as JavaScript's
    /// Number.prototype.toString does: positional from 0.000001 to below 1e21 ("0.00001", "20000"), else
    /// "1.5e-7" and "2e+21". .NET writes 0.00001 as "1E-05", which a reader of a tolerance the policy holds as
    /// 0.00001 or 1e-5 does not expect; both layouts are valid JSON and read back as the same double.
    /// </summary>
    public static string Plain(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        if (!double.IsFinite(value))
        {
            return text;
        }

        var negative = text.StartsWith('-');
        var (mantissa, exponent) = text.TrimStart('-').Split('E') is [var m, var e] ? (m, int.Parse(e, CultureInfo.InvariantCulture)) : (text.TrimStart('-'), 0);
        var dot = mantissa.IndexOf('.');
        var whole = dot < 0 ? mantissa : mantissa[..dot];
        var allDigits = dot < 0 ? mantissa : whole + mantissa[(dot + 1)..];
        // value = 0.digits × 10^point, digits without leading or trailing zeros.
        var digits = allDigits.TrimStart('0');
        var point = whole.Length + exponent - (allDigits.Length - digits.Length);
        digits = digits.TrimEnd('0');
        if (digits.Length == 0)
        {
            return negative ? "-0" : "0";
        }

        var n = digits.Length;
        var laidOut = point switch
        {
            _ when n <= point && point <= 21 => digits + new string('0', point - n),
            > 0 and <= 21 => digits[..point] + "." + digits[point..],
            > -6 and <= 0 => "0." + new string('0', -point) + digits,
            _ => digits[..1] + (n > 1 ? "." + digits[1..] : "") + "e" + (point - 1 >= 0 ? "+" : "-") + Math.Abs(point - 1).ToString(CultureInfo.InvariantCulture),
        };
        return negative ? "-" + laidOut : laidOut;
    }
}
