using System.Text;
using CollapseCheck.Diagnostics;

namespace CollapseCheck.Common;

/// <summary>
/// A text file read as UTF-8, a byte-order mark allowed. Bytes that are not UTF-8 (a Latin-1 export, a binary that a
/// glob picked up) are an error at their line and column, never silently U+FFFD: replaced, they would train the model
/// on noise without a word.
/// </summary>
internal static class Utf8File
{
    private static readonly UTF8Encoding s_strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string Read(string path, Func<SourceLocation, CollapseCheckException> notUtf8)
    {
        var bytes = File.ReadAllBytes(path);
        var start = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        try
        {
            return s_strict.GetString(bytes.AsSpan(start));
        }
        catch (DecoderFallbackException e)
        {
            var before = bytes.AsSpan(start, e.Index);
            var line = before.Count((byte)'\n') + 1;
            var lineStart = before.LastIndexOf((byte)'\n') + 1;
            var column = Encoding.UTF8.GetCharCount(before[lineStart..]) + 1;
            throw notUtf8(new SourceLocation(path, line, column));
        }
    }
}
