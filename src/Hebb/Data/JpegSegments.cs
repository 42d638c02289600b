using System.Buffers.Binary;

namespace Hebb.Data;

/// <summary>
/// Walks a JPEG file's header segments before the decoder sees it. The decoder (stb_image's port) loops forever on a
/// JPEG cut inside its header (a segment whose length runs past the end of the file): measured here, 7- to 15-byte
/// prefixes of a valid JPEG hang it. A header that is whole up to the start of the image data is handed on.
/// </summary>
internal static class JpegSegments
{
    /// <summary>Null when <paramref name="bytes"/> is not a JPEG or its header is whole; otherwise what is wrong.</summary>
    public static string? Problem(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 2 || bytes[0] != 0xFF || bytes[1] != 0xD8) return null; // not a JPEG: the decoder's business
        int at = 2;
        while (true)
        {
            while (at < bytes.Length && bytes[at] == 0xFF && at + 1 < bytes.Length && bytes[at + 1] == 0xFF) at++; // fill bytes
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
}
