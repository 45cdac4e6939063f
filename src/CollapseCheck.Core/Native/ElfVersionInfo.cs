using System.Buffers.Binary;
using System.Text;

namespace CollapseCheck.Native;

/// <summary>A symbol-version requirement of a shared library: "needs GLIBCXX_3.4.32 from libstdc++.so.6".</summary>
/// <param name="NeedOffset">File offset of the Vernaux entry, so a patch can flip its flags.</param>
public sealed record ElfVersionNeed(string Library, string Version, ushort Index, ushort Flags, long NeedOffset)
{
    public bool IsWeak => (Flags & ElfVersionInfo.VerFlagWeak) != 0;
}

/// <summary>A dynamic symbol bound to a version index, with the file offset of its .gnu.version entry.</summary>
public sealed record ElfVersionedSymbol(string Name, ushort VersionIndex, long VersymOffset);

/// <summary>
/// Just enough ELF64 (little-endian) reading to answer "which symbol versions does this library need,
/// which does that one define, and which symbols use each" — the facts the native-loading decision rests on.
/// </summary>
public sealed class ElfVersionInfo
{
    public const ushort VerFlagWeak = 0x2;
    public const ushort GlobalVersionIndex = 1;

    private const uint ShtDynsym = 11;
    private const uint ShtGnuVerdef = 0x6ffffffd;
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const uint ShtGnuVersym = 0x6fffffff;

    private ElfVersionInfo(IReadOnlyList<ElfVersionNeed> needs, IReadOnlyList<string> definitions, IReadOnlyList<ElfVersionedSymbol> symbols)
    {
        Needs = needs;
        Definitions = definitions;
        Symbols = symbols;
    }

    public IReadOnlyList<ElfVersionNeed> Needs { get; }

    /// <summary>Versions this library defines (.gnu.version_d), e.g. GLIBCXX_3.4.30 for libstdc++.</summary>
    public IReadOnlyList<string> Definitions { get; }

    public IReadOnlyList<ElfVersionedSymbol> Symbols { get; }

    public static ElfVersionInfo Read(string path) => Parse(File.ReadAllBytes(path), path);

    public static ElfVersionInfo Parse(byte[] image, string nameForErrors)
    {
        var elf = image.AsSpan();
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
        {
            throw new InvalidDataException($"'{nameForErrors}' is not an ELF file");
        }

        if (elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException($"'{nameForErrors}' is not a little-endian 64-bit ELF file");
        }

        var sections = ReadSections(elf);
        var needs = new List<ElfVersionNeed>();
        var definitions = new List<string>();
        var symbols = new List<ElfVersionedSymbol>();

        foreach (var s in sections)
        {
            if (s.Type == ShtGnuVerneed)
            {
                ReadNeeds(elf, s, sections[(int)s.Link], needs);
            }
            else if (s.Type == ShtGnuVerdef)
            {
                ReadDefinitions(elf, s, sections[(int)s.Link], definitions);
            }
        }

        var dynsym = sections.FirstOrDefault(s => s.Type == ShtDynsym);
        var versym = sections.FirstOrDefault(s => s.Type == ShtGnuVersym);
        if (dynsym is not null && versym is not null)
        {
            var strings = sections[(int)dynsym.Link];
            var count = (int)(dynsym.Size / 24);
            for (var i = 0; i < count; i++)
            {
                var nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)(dynsym.Offset + i * 24)..]);
                var versymOffset = versym.Offset + i * 2;
                var index = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(elf[(int)versymOffset..]) & 0x7fff);
                symbols.Add(new ElfVersionedSymbol(ReadString(elf, strings.Offset + nameOffset), index, versymOffset));
            }
        }

        return new ElfVersionInfo(needs, definitions, symbols);
    }

    private sealed record Section(uint Type, long Offset, long Size, uint Link, uint Info);

    private static List<Section> ReadSections(ReadOnlySpan<byte> elf)
    {
        var shoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(elf[0x28..]);
        var shentsize = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3A..]);
        var shnum = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3C..]);
        var list = new List<Section>(shnum);
        for (var i = 0; i < shnum; i++)
        {
            var h = elf[(int)(shoff + i * shentsize)..];
            list.Add(new Section(
                Type: BinaryPrimitives.ReadUInt32LittleEndian(h[4..]),
                Offset: (long)BinaryPrimitives.ReadUInt64LittleEndian(h[24..]),
                Size: (long)BinaryPrimitives.ReadUInt64LittleEndian(h[32..]),
                Link: BinaryPrimitives.ReadUInt32LittleEndian(h[40..]),
                Info: BinaryPrimitives.ReadUInt32LittleEndian(h[44..])));
        }

        return list;
    }

    private static void ReadNeeds(ReadOnlySpan<byte> elf, Section s, Section strings, List<ElfVersionNeed> into)
    {
        var entry = s.Offset;
        for (var n = 0; n < s.Info; n++)
        {
            var count = BinaryPrimitives.ReadUInt16LittleEndian(elf[(int)(entry + 2)..]);
            var file = ReadString(elf, strings.Offset + BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)(entry + 4)..]));
            var aux = entry + BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)(entry + 8)..]);
            for (var a = 0; a < count; a++)
            {
                var flags = BinaryPrimitives.ReadUInt16LittleEndian(elf[(int)(aux + 4)..]);
                var other = BinaryPrimitives.ReadUInt16LittleEndian(elf[(int)(aux + 6)..]);
                var name = ReadString(elf, strings.Offset + BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)(aux + 8)..]));
                into.Add(new ElfVersionNeed(file, name, other, flags, aux));
                aux += BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)(aux + 12)..]);
            }

            entry += BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)(entry + 12)..]);
        }
    }

    private static void ReadDefinitions(ReadOnlySpan<byte> elf, Section s, Section strings, List<string> into)
    {
        var entry = s.Offset;
        for (var n = 0; n < s.Info; n++)
        {
            var aux = entry + BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)(entry + 12)..]);
            into.Add(ReadString(elf, strings.Offset + BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)aux..])));
            entry += BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)(entry + 16)..]);
        }
    }

    private static string ReadString(ReadOnlySpan<byte> elf, long offset)
    {
        var tail = elf[(int)offset..];
        var end = tail.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? tail : tail[..end]);
    }
}
