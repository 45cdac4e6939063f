using System.Globalization;

namespace CollapseCheck.Reporting;

/// <summary>
/// Reports carry six significant digits: enough to see a real change, few enough that a reviewer
/// reads the diff and float noise below the sixth digit never turns into a snapshot change.
/// </summary>
public static class Numbers
{
    public static double Round(double value) =>
        double.IsFinite(value) ? double.Parse(value.ToString("G6", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : value;

    public static string Format(double value) => Round(value).ToString("R", CultureInfo.InvariantCulture);
}
