using System.Buffers.Binary;

namespace Hebb.Data;

/// <summary>
/// Walks a JPEG file's header segments, or a PNG file's chunks, before the decoder (stb_image's port) sees the file:
/// fuzzing found that it loops for ever on a JPEG cut inside its header (7- to 15-byte prefixes of a valid JPEG hang
/// it), and that a PNG chunk whose length field claims more than the file holds makes it allocate that much first
/// (half a gigabyte from a 101-byte file). A file whose structure is whole is handed on; other formats are the
/// decoder's business.
/// </summary>
internal static class ImageHeaders
{
    /// <summary>Null when <paramref name="bytes"/> is neither a JPEG nor a PNG, or its structure is whole; otherwise what is
    /// wrong.</summary>
    public static string? Problem(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length >= 2 && bytes[0] == 0xFF && bytes[1] == 0xD8) return JpegProblem(bytes);
        if (bytes.Length >= 8 && bytes[..8].SequenceEqual((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
            return PngProblem(bytes);
        return null;
    }

    private static string? JpegProblem(ReadOnlySpan<byte> bytes)
    {
        int at = 2;
        while (true)
        {
            while (at + 1 < bytes.Length && bytes[at] == 0xFF && bytes[at + 1] == 0xFF) at++; // fill bytes
            if (at + 4 > bytes.Length) return $"the JPEG ends inside its header, at byte {bytes.Length}";
            if (bytes[at] != 0xFF) return $"the JPEG header has no segment marker at byte {at}";
            byte marker = bytes[at + 1];
            if (marker == 0xD9) return "the JPEG ends before its image data";
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7)) // markers without a length
            {
                at += 2;
                continue;
            }
            int length = BinaryPrimitives.ReadUInt16BigEndian(bytes[(at + 2)..]);
            if (length < 2 || at + 2 + length > bytes.Length)
                return $"the JPEG segment at byte {at} claims {length} bytes but the file ends at byte {bytes.Length}";
            if (marker == 0xDA) return null; // start of scan: the header is whole; the entropy-coded data follows
            at += 2 + length;
        }
    }

    private static string? PngProblem(ReadOnlySpan<byte> bytes)
    {
        long at = 8;
        while (at + 8 <= bytes.Length)
        {
            uint length = BinaryPrimitives.ReadUInt32BigEndian(bytes[(int)at..]);
            if (at + 12 + length > bytes.Length)
                return $"the PNG chunk at byte {at} claims {length} bytes but the file ends at byte {bytes.Length}";
            if (bytes.Slice((int)at + 4, 4).SequenceEqual("IEND"u8)) return null;
            at += 12 + length;
        }
        return "the PNG ends before its IEND chunk";
    }
}
