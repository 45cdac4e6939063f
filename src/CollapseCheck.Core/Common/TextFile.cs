using System.Text;
using CollapseCheck.Diagnostics;

namespace CollapseCheck.Common;

/// <summary>
/// A text file read as UTF-8, or as UTF-16 or UTF-32 (either byte order) when a byte-order mark says so (Windows
/// tools still save "Unicode" that way). Bytes that do not decode (a Latin-1 export, a binary that a glob picked up) are an error at
/// their line and column, never silently U+FFFD: replaced, they would train the model on noise without a word.
/// </summary>
internal static class TextFile
{
    /// <param name="notText">
    /// The error for bytes that do not decode, at their position, given the encoding a byte-order mark named (null
    /// without one, when the file was read as UTF-8).
    /// </param>
    /// <param name="unreadable">The error for a file the system would not read (permissions, over 2 GB), with its reason.</param>
    /// <param name="nulByte">
    /// When given, the error for a NUL character, at it: valid UTF-8, but text has none,
    /// and UTF-16 saved without a mark (every other byte 0 in English) would otherwise train as noise.
    /// </param>
    /// <param name="maxBytes">
    /// When given, more is refused after reading that much: a device named as the file (/dev/zero) never ends, and read
    /// whole it ran until the array could grow no more.
    /// </param>
    public static string Read(string path, Func<SourceLocation, string?, CollapseCheckException> notText, Func<string, CollapseCheckException> unreadable,
        Func<SourceLocation, CollapseCheckException>? nulByte = null, long? maxBytes = null)
    {
        byte[] bytes;
        try
        {
            bytes = maxBytes is { } cap ? ReadAtMost(path, cap) ?? throw unreadable(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"it holds more than {cap:N0} bytes, far more than any policy")) : File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw unreadable(e.Message);
        }

        var (encoding, start) = EncodingOf(bytes);
        string text;
        try
        {
            text = encoding.GetString(bytes, start, bytes.Length - start);
        }
        catch (DecoderFallbackException e)
        {
            // Where the decoder gave up, as the text before it reads: lines and characters, not bytes.
            var before = Lenient(encoding).GetString(bytes, start, Math.Max(0, BadUnitIndex(bytes.AsSpan(start), encoding, e)));
            // A NUL before the bytes that do not decode is the first bad byte (a binary's header has one early).
            throw nulByte is not null && before.IndexOf('\0') is var early and >= 0
                ? nulByte(EndOf(path, before[..early]))
                : notText(EndOf(path, before), start == 0 ? null : NameOf(encoding));
        }

        if (nulByte is not null && text.IndexOf('\0') is var nul and >= 0)
        {
            throw nulByte(EndOf(path, text[..nul]));
        }

        return text;
    }

    /// <summary>The file's bytes, or null when it holds more than <paramref name="cap"/>.</summary>
    private static byte[]? ReadAtMost(string path, long cap)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
        using var bytes = new MemoryStream();
        var buffer = new byte[81920];
        for (int read; (read = stream.Read(buffer, 0, buffer.Length)) > 0;)
        {
            bytes.Write(buffer, 0, read);
            if (bytes.Length > cap)
            {
                return null;
            }
        }

        return bytes.ToArray();
    }

    /// <summary>Where <paramref name="before"/> ends, with CRLF, LF and a lone CR each ending a line, as the corpus reads them.</summary>
    private static SourceLocation EndOf(string path, string before)
    {
        var (line, lineStart) = (1, 0);
        for (var i = 0; i < before.Length; i++)
        {
            if (LineEnds.EndsLine(before[i], i + 1 < before.Length ? before[i + 1] : -1))
            {
                (line, lineStart) = (line + 1, i + 1);
            }
        }

        return new SourceLocation(path, line, LineEnds.ColumnAfter(before.AsSpan(lineStart)));
    }

    private static (Encoding Encoding, int Start) EncodingOf(ReadOnlySpan<byte> bytes) => bytes switch
    {
        [0xEF, 0xBB, 0xBF, ..] => (new UTF8Encoding(false, throwOnInvalidBytes: true), 3),
        [0xFF, 0xFE, 0x00, 0x00, ..] => (new UTF32Encoding(bigEndian: false, byteOrderMark: false, throwOnInvalidCharacters: true), 4),
        [0x00, 0x00, 0xFE, 0xFF, ..] => (new UTF32Encoding(bigEndian: true, byteOrderMark: false, throwOnInvalidCharacters: true), 4),
        [0xFF, 0xFE, ..] => (new UnicodeEncoding(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: true), 2),
        [0xFE, 0xFF, ..] => (new UnicodeEncoding(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true), 2),
        _ => (new UTF8Encoding(false, throwOnInvalidBytes: true), 0),
    };

    /// <summary>
    /// Where the bad bytes start. For a UTF-16 high surrogate that no low one follows, .NET reports the index of the
    /// unit after it, or of the stray byte after it in a file of odd length (but the unit itself when it ends the
    /// file), which would put the error one character late. UTF-16 units start at even offsets, and the culprit is
    /// the earlier of two identical units: a high surrogate followed by another is bad itself.
    /// </summary>
    private static int BadUnitIndex(ReadOnlySpan<byte> text, Encoding encoding, DecoderFallbackException e)
    {
        var unknown = e.BytesUnknown ?? [];
        if (encoding is not UnicodeEncoding || unknown.Length < 2)
        {
            return e.Index;
        }

        var unit = unknown.AsSpan(0, 2);
        var at = e.Index & ~1;
        var isHighSurrogate = char.IsHighSurrogate((char)(encoding.CodePage == 1201 ? unit[0] << 8 | unit[1] : unit[1] << 8 | unit[0]));
        if (isHighSurrogate && at >= 2 && text.Slice(at - 2, 2).SequenceEqual(unit))
        {
            return at - 2;
        }

        return at + 2 <= text.Length && text.Slice(at, 2).SequenceEqual(unit) ? at : e.Index;
    }

    private static string NameOf(Encoding encoding) => encoding switch
    {
        UTF32Encoding => "UTF-32",
        UnicodeEncoding => "UTF-16",
        _ => "UTF-8",
    };

    private static Encoding Lenient(Encoding strict) =>
        Encoding.GetEncoding(strict.CodePage, EncoderFallback.ReplacementFallback, DecoderFallback.ReplacementFallback);
}
