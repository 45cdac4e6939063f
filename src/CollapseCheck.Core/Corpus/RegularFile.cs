using System.Runtime.InteropServices;

namespace CollapseCheck.Corpus;

/// <summary>
/// Whether a path (links followed) is a plain file. A glob such as data/* also matches named pipes, sockets and
/// devices, and reading a pipe waits for a writer forever; .NET reports them all as ordinary files (FileAttributes
/// Normal), so on Linux the file type comes from statx, whose layout is the same on every architecture.
/// </summary>
internal static partial class RegularFile
{
    private const int AtCurrentDirectory = -100;
    private const uint StatxType = 0x1;
    private const int ModeOffset = 28;
    private const int TypeMask = 0xF000;
    private const int Regular = 0x8000;

    public static bool Is(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return true;
        }

        Span<byte> buffer = stackalloc byte[256];
        try
        {
            // Anything statx cannot answer is left to the read, which reports it with the system's reason.
            return Statx(AtCurrentDirectory, path, 0, StatxType, ref MemoryMarshal.GetReference(buffer)) != 0
                || (BitConverter.ToUInt16(buffer[ModeOffset..]) & TypeMask) == Regular;
        }
        catch (EntryPointNotFoundException)
        {
            return true;
        }
    }

    /// <summary>
    /// For a path File.Exists denies: why it is out of reach when it may well be there (a folder on the way that may not
    /// be searched), or null when it is simply missing.
    /// </summary>
    public static string? WhyUnreachable(string path)
    {
        try
        {
            File.GetAttributes(path);
            return null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return e.Message;
        }
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directory, string path, int flags, uint mask, ref byte result);
}
