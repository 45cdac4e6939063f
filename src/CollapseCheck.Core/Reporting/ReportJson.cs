using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CollapseCheck.Reporting;

/// <summary>One serializer setup for every file we write: camelCase, indented, "\n" line ends on every OS.</summary>
public static class ReportJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        NewLine = "\n",
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DictionaryKeyPolicy = null,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new SignificantDigitsConverter(), new ExactPolicyConverter(), new CheckConverter() },
    };

    /// <summary>The same setup with every double exact: the policy's own numbers, which nothing measured.</summary>
    private static readonly JsonSerializerOptions s_exact = Exact();

    private static JsonSerializerOptions Exact()
    {
        var exact = new JsonSerializerOptions(Options);
        exact.Converters.Clear();
        exact.Converters.Add(new ExactDoubleConverter());
        return exact;
    }

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options) + "\n";

    /// <summary>
    /// The policy echo with its numbers as written: at six digits a learning rate of 0.0030000001 read 0.003, so an edit
    /// that small left the last report looking current (not CC2005) and verify compared it as if it were. The numbers
    /// a policy holds are short, so the echo of one written as usual reads as before.
    /// </summary>
    private sealed class ExactPolicyConverter : JsonConverter<PolicyEcho>
    {
        public override PolicyEcho? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            JsonSerializer.Deserialize<PolicyEcho>(ref reader, s_exact);

        public override void Write(Utf8JsonWriter writer, PolicyEcho value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value, s_exact);
    }

    /// <summary>
    /// A policy's double exactly (the shortest digits that read back as it), laid out as <see cref="Numbers.Plain(double)"/>
    /// does: as .NET writes it, the default verify.tolerance of 0.00001 read 1E-05 in every report.
    /// </summary>
    private sealed class ExactDoubleConverter : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value))
            {
                writer.WriteRawValue(Numbers.Plain(value), skipInputValidation: true);
            }
            else
            {
                // A policy holds no NaN or infinity; the writer refuses one, as it did before this converter.
                writer.WriteNumberValue(value);
            }
        }
    }

    /// <summary>
    /// A gate check whose value and threshold read the same at six digits written with as many more as tell them apart,
    /// every number of the check alike (its seeds, prediction and margin too, so its parts still add up):
    /// "measured": 1.05092, "threshold": 1.05092, "passed": false looked like a pass to anyone reading the JSON.
    /// </summary>
    private sealed class CheckConverter : JsonConverter<Gate.GateCheck>
    {
        private static readonly Dictionary<int, JsonSerializerOptions> s_byDigits = [];

        public override Gate.GateCheck? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            JsonSerializer.Deserialize<Gate.GateCheck>(ref reader, WithDigits(Numbers.SignificantDigits));

        public override void Write(Utf8JsonWriter writer, Gate.GateCheck value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value, WithDigits(Numbers.DigitsApart(value.Measured, value.Threshold)));

        /// <summary>Options without this converter (it would call itself), whose doubles carry <paramref name="digits"/>.</summary>
        private static JsonSerializerOptions WithDigits(int digits)
        {
            lock (s_byDigits)
            {
                if (!s_byDigits.TryGetValue(digits, out var options))
                {
                    options = new JsonSerializerOptions(Options);
                    options.Converters.Clear();
                    options.Converters.Add(new SignificantDigitsConverter(digits));
                    s_byDigits[digits] = options;
                }

                return options;
            }
        }
    }

    /// <summary>Every double as <see cref="Numbers"/> formats it: six significant digits, NaN and infinities as strings.</summary>
    private sealed class SignificantDigitsConverter(int digits = Numbers.SignificantDigits) : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String
                ? double.Parse(reader.GetString()!, System.Globalization.CultureInfo.InvariantCulture)
                : reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value))
            {
                writer.WriteRawValue(Numbers.Plain(value, digits), skipInputValidation: true);
            }
            else
            {
                writer.WriteStringValue(value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }
}
