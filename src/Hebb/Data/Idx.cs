using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;

namespace Hebb.Data;

/// <summary>An n-dimensional array of unsigned bytes read from an IDX file.</summary>
public sealed class IdxArray
{
    /// <summary>Wraps <paramref name="shape"/> and <paramref name="data"/> (neither is copied).</summary>
    /// <param name="shape">Dimension sizes, outermost first.</param>
    /// <param name="data">The elements in row-major order.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public IdxArray(int[] shape, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        Shape = shape;
        Data = data;
    }

    /// <summary>Dimension sizes, outermost first (e.g. [60000, 28, 28]).</summary>
    public int[] Shape { get; }

    /// <summary>The elements in row-major order; length is the product of <see cref="Shape"/>.</summary>
    public byte[] Data { get; }
}

/// <summary>
/// Reader for the IDX format used by MNIST and Fashion-MNIST
/// (http://yann.lecun.com/exdb/mnist/): the bytes 0x00 0x00, a type code byte, a dimension
/// count byte, one big-endian int32 per dimension, then the elements. Files may be gzipped.
/// Every malformed input is reported as an <see cref="InvalidDataException"/> naming the source.
/// </summary>
public static class Idx
{
    /// <summary>The only supported element type: unsigned byte.</summary>
    public const byte UnsignedByteType = 0x08;

    /// <summary>Refuse anything larger: no real IDX dataset comes close, and it stops absurd headers early.</summary>
    public const long MaxElements = 1_000_000_000;

    /// <summary>The most dimensions a file may have (4).</summary>
    public const int MaxDimensions = 4;

    // Without a known total length (gzip, pipes) the buffer starts at this size and doubles as
    // data actually arrives, so a lying header on a tiny file cannot make us allocate gigabytes.
    private const int InitialChunk = 1 << 20;

    /// <summary>Reads an IDX file; gzip compression is detected from its magic bytes, not the extension.</summary>
    public static IdxArray Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read,
            bufferSize: 1 << 16, FileOptions.SequentialScan);
        return Read(file, path);
    }

    /// <summary>Reads IDX data (raw or gzipped) from <paramref name="stream"/>; <paramref name="sourceName"/> is used in error
    /// messages.</summary>
    public static IdxArray Read(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        sourceName ??= "<stream>";

        var start = new byte[2];
        int got = ReadFully(stream, start, 0, 2, sourceName);
        bool gzip = got == 2 && start[0] == 0x1f && start[1] == 0x8b;
        if (!gzip)
            return ReadRaw(stream, start.AsSpan(0, got), sourceName, stream.CanSeek);

        // Hand the two peeked bytes back to the decompressor, which needs the full gzip header.
        using var gz = new GZipStream(new PrefixedStream(start, stream), CompressionMode.Decompress);
        var first = new byte[2];
        int n = ReadFully(gz, first, 0, 2, sourceName);
        return ReadRaw(gz, first.AsSpan(0, n), sourceName, knownLength: false);
    }

    /// <summary>Parses uncompressed IDX whose first bytes (up to 2) were already consumed into <paramref name="consumed"/>.</summary>
    private static IdxArray ReadRaw(Stream s, ReadOnlySpan<byte> consumed, string source, bool knownLength)
    {
        if (consumed.Length < 2)
            throw Fail(source, $"truncated header: the file has only {consumed.Length} byte(s)");
        if (consumed[0] != 0 || consumed[1] != 0)
            throw Fail(source, $"not an IDX file: bad magic 0x{consumed[0]:X2} 0x{consumed[1]:X2} " +
                "(expected 0x00 0x00, or gzip data starting 0x1F 0x8B)");

        var typeAndRank = new byte[2];
        int n = ReadFully(s, typeAndRank, 0, 2, source);
        if (n < 2)
            throw Fail(source, $"truncated header: ends after {2 + n} bytes, before the type and dimension count");

        byte type = typeAndRank[0];
        if (type != UnsignedByteType)
            throw Fail(source, $"IDX data type 0x{type:X2} ({TypeName(type)}) is not supported; " +
                "only unsigned byte (0x08) data is supported");

        int rank = typeAndRank[1];
        if (rank < 1 || rank > MaxDimensions)
            throw Fail(source, $"unsupported number of dimensions {rank} (must be 1..{MaxDimensions})");

        var dimBytes = new byte[4 * rank];
        n = ReadFully(s, dimBytes, 0, dimBytes.Length, source);
        if (n < dimBytes.Length)
            throw Fail(source, $"truncated header: expected {4 + dimBytes.Length} header bytes for {rank} dimension(s) " +
                $"but the file ends after {4 + n}");

        var shape = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            int d = BinaryPrimitives.ReadInt32BigEndian(dimBytes.AsSpan(4 * i, 4));
            if (d <= 0)
                throw Fail(source, $"dimension {i} has size {d}; sizes must be positive");
            shape[i] = d;
            // Check after every factor: the product stays below 1e9 * 2^31, so a long cannot overflow.
            count *= d;
            if (count > MaxElements)
                throw Fail(source, string.Create(CultureInfo.InvariantCulture,
                    $"shape [{string.Join(", ", shape.Take(i + 1))}{(i + 1 < rank ? ", ..." : "")}] " +
                    $"has more than {MaxElements:N0} elements; refusing to read it"));
        }

        byte[] data = ReadData(s, (int)count, shape, source, knownLength);
        return new IdxArray(shape, data);
    }

    private static byte[] ReadData(Stream s, int expected, int[] shape, string source, bool knownLength)
    {
        if (knownLength)
        {
            // Seekable raw file: compare lengths before allocating anything.
            long remaining = s.Length - s.Position;
            if (remaining < expected)
                throw Truncated(source, shape, expected, remaining);
            if (remaining > expected)
                throw Trailing(source, shape, expected, $"{remaining - expected}");
            var exact = new byte[expected];
            int got = ReadFully(s, exact, 0, expected, source);
            if (got < expected)
                throw Truncated(source, shape, expected, got); // the file shrank while we read it
            return exact;
        }

        var buffer = new byte[Math.Min(expected, InitialChunk)];
        int filled = 0;
        while (filled < expected)
        {
            if (filled == buffer.Length)
                Array.Resize(ref buffer, (int)Math.Min(expected, 2L * buffer.Length));
            int n = ReadSome(s, buffer, filled, buffer.Length - filled, source);
            if (n == 0)
                throw Truncated(source, shape, expected, filled);
            filled += n;
        }

        // Count a bounded amount of surplus only, to name it in the error without reading a bomb to its end.
        const int TrailingProbe = 1 << 16;
        var probe = new byte[TrailingProbe];
        int extra = ReadFully(s, probe, 0, TrailingProbe, source);
        if (extra > 0)
            throw Trailing(source, shape, expected, extra < TrailingProbe ? $"{extra}" : $"at least {TrailingProbe}");
        return buffer;
    }

    private static InvalidDataException Truncated(string source, int[] shape, long expected, long actual) =>
        Fail(source, $"truncated data: shape [{string.Join(", ", shape)}] needs {expected} data bytes but only {actual} are present");

    private static InvalidDataException Trailing(string source, int[] shape, long expected, string extra) =>
        Fail(source, $"{extra} unexpected trailing byte(s) after the {expected} data bytes of shape [{string.Join(", ", shape)}]");

    private static InvalidDataException Fail(string source, string message) =>
        new($"IDX file '{source}': {message}.");

    /// <summary>Reads until <paramref name="count"/> bytes or end of stream; returns the number read.</summary>
    private static int ReadFully(Stream s, byte[] buffer, int offset, int count, string source)
    {
        int total = 0;
        while (total < count)
        {
            int n = ReadSome(s, buffer, offset + total, count - total, source);
            if (n == 0)
                break;
            total += n;
        }
        return total;
    }

    /// <summary>One Read call; corrupt gzip data surfaces as an error naming the file.</summary>
    private static int ReadSome(Stream s, byte[] buffer, int offset, int count, string source)
    {
        try
        {
            return s.Read(buffer, offset, count);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"IDX file '{source}': corrupt gzip data ({e.Message}).", e);
        }
    }

    private static string TypeName(byte type) => type switch
    {
        0x08 => "unsigned byte",
        0x09 => "signed byte",
        0x0B => "int16",
        0x0C => "int32",
        0x0D => "float32",
        0x0E => "float64",
        _ => "unknown type",
    };

    /// <summary>Replays already-consumed bytes before the rest of a (possibly non-seekable) stream.</summary>
    private sealed class PrefixedStream(byte[] prefix, Stream inner) : ReadOnlyForwardStream
    {
        private int _pos;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_pos < prefix.Length)
            {
                int n = Math.Min(buffer.Length, prefix.Length - _pos);
                prefix.AsSpan(_pos, n).CopyTo(buffer);
                _pos += n;
                return n;
            }
            return inner.Read(buffer);
        }

    }
}
