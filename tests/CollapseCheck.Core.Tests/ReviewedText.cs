using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace CollapseCheck.Core.Tests;

/// <summary>
/// Compares rendered text with a reviewed snapshot committed next to the test, in <c>__snapshots__</c>.
/// A mismatch or a missing snapshot fails and leaves the actual text in <c>__snapshots__/__mismatch__</c> to review.
/// </summary>
/// <remarks>
/// The folder comes from the project directory baked in at build time, not from the test's source path in the
/// PDB: with <c>CI=true</c> that path is mapped to <c>/_/</c>, and a library that trusts it reads and writes
/// snapshots under <c>/_/</c> instead of the checkout, so CI compared against whatever an earlier run left there.
/// A missing snapshot is never created silently, or a CI run would approve its own output.
/// </remarks>
internal static class ReviewedText
{
    private static readonly string s_projectDirectory = typeof(ReviewedText).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ProjectDirectory").Value!;

    public static void Match(string actual, string folder, [CallerMemberName] string test = "", [CallerFilePath] string sourceFile = "")
    {
        var name = $"{Path.GetFileNameWithoutExtension(sourceFile)}.{test}.snap";
        var directory = Path.Combine(s_projectDirectory, folder, "__snapshots__");
        var path = Path.Combine(directory, name);
        var mismatch = Path.Combine(directory, "__mismatch__", name);

        var expected = File.Exists(path) ? File.ReadAllText(path) : null;
        if (expected == actual)
        {
            if (File.Exists(mismatch))
            {
                File.Delete(mismatch);
            }

            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(mismatch)!);
        File.WriteAllText(mismatch, actual, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        Assert.Fail(expected is null
            ? $"No snapshot at {path}. The actual text is in {mismatch}; review it and move it there."
            : $"The text differs from {path} at character {FirstDifference(expected, actual)}. "
              + $"The actual text is in {mismatch}; if the change is intended, move it over the snapshot.\n"
              + $"expected: {Excerpt(expected, FirstDifference(expected, actual))}\n"
              + $"actual:   {Excerpt(actual, FirstDifference(expected, actual))}");
    }

    private static int FirstDifference(string a, string b)
    {
        var i = 0;
        while (i < a.Length && i < b.Length && a[i] == b[i])
        {
            i++;
        }

        return i;
    }

    private static string Excerpt(string text, int at)
    {
        var start = Math.Max(0, at - 30);
        return text.Substring(start, Math.Min(text.Length, at + 30) - start).ReplaceLineEndings("⏎");
    }
}
