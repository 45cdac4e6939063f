using System.Runtime.InteropServices;

namespace CollapseCheck.Common;

public enum FileKindOf
{
    /// <summary>Not known: not Linux, no statx, or the path could not be looked at (missing, out of reach).</summary>
    Unknown,
    Regular,
    Directory,
    Pipe,
    CharacterDevice,
    BlockDevice,
    Socket,
}

/// <summary>
/// What a path (links followed) is on Linux. .NET reports named pipes, sockets and devices as ordinary files
/// (FileAttributes Normal), yet reading a pipe waits for a writer forever, and replacing one by a rename destroys it
/// for whoever else uses it; the file type comes from statx, whose layout is the same on every architecture.
/// </summary>
public static partial class FileKind
{
    private const int AtCurrentDirectory = -100;
    private const uint StatxType = 0x1;
    private const int ModeOffset = 28;
    private const int TypeMask = 0xF000;

    public static FileKindOf Of(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return FileKindOf.Unknown;
        }

        Span<byte> buffer = stackalloc byte[256];
        try
        {
            if (Statx(AtCurrentDirectory, path, 0, StatxType, ref MemoryMarshal.GetReference(buffer)) != 0)
            {
                return FileKindOf.Unknown;
            }
        }
        catch (EntryPointNotFoundException)
        {
            return FileKindOf.Unknown;
        }

        return (BitConverter.ToUInt16(buffer[ModeOffset..]) & TypeMask) switch
        {
            0x8000 => FileKindOf.Regular,
            0x4000 => FileKindOf.Directory,
            0x1000 => FileKindOf.Pipe,
            0x2000 => FileKindOf.CharacterDevice,
            0x6000 => FileKindOf.BlockDevice,
            0xC000 => FileKindOf.Socket,
            _ => FileKindOf.Unknown,
        };
    }

    /// <summary>A pipe, socket or device: written where it is, never replaced and never read back.</summary>
    public static bool IsStream(string path) =>
        Of(path) is FileKindOf.Pipe or FileKindOf.CharacterDevice or FileKindOf.BlockDevice or FileKindOf.Socket;

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directory, string path, int flags, uint mask, ref byte result);
}
