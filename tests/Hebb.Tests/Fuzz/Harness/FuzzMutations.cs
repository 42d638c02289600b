using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CsCheck;

namespace Hebb.Fuzzing;

/// <summary>
/// The mutations, as CsCheck generators of whole inputs made from one seed: generic byte-level ones for every format
/// (bit flips, interesting byte and integer values written over any position in either byte order, truncations,
/// duplicated, inserted and deleted chunks, pure random bytes), stacked up to four deep, and ones that aim at the
/// seed's structure (IDX header fields; the IDX inside a gzip, recompressed; the safetensors length prefix, JSON header
/// and metadata; UTF-8 and UTF-16 text).
/// </summary>
internal static class FuzzMutations
{
    public static readonly byte[] InterestingBytes = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0xFE, 0x81, 0x20, 0x0A, 0x7B];

    public static readonly long[] InterestingIntegers =
    [
        0, 1, -1, 2, 8, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 1 << 20, 1 << 24, 1 << 28, 1 << 30,
        100_000_000, 1_000_000_000, 1_000_000_001, int.MaxValue, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000, 0x1_0000_0001,
        long.MaxValue, long.MinValue, long.MaxValue - 7, 0x7FFF_FFFF_FFFF_FFC7,
    ];

    /// <summary>Numbers as JSON text, for fields that should hold sizes, counts and offsets.</summary>
    public static readonly string[] InterestingNumbers =
    [
        "0", "1", "-1", "2", "7", "8", "255", "256", "65535", "65536", "16777216", "100000000", "1000000000", "2147483647",
        "2147483648", "-2147483648", "4294967295", "4294967296", "9223372036854775807", "9223372036854775808",
        "-9223372036854775808", "18446744073709551615", "99999999999999999999999", "1e3", "1.5", "-0", "1E+308", "0.0",
    ];

    /// <summary>Strings for metadata values: numbers out of range, lists, vocabularies with duplicates and control
    /// characters, escapes, long and empty text. "\uD800" is written as a JSON escape: a lone surrogate.</summary>
    public static readonly string[] InterestingStrings =
    [
        "", " ", "0", "-1", "1", "2", "3", "-0", "+1", " 7", "7 ", "0x10", "1e9", "1.5", "NaN", "Infinity", "-Infinity",
        "2147483647", "2147483648", "-2147483648", "4294967296", "9223372036854775807", "99999999999999999999",
        "1048576", "1048577", "1073741824", "0,0", "1,1", "784,0,10", "784,-1,10", "2147483647,2147483647",
        "1048576,1048576,1048576", ",", "1,,2", "1,2,", "3,2", "\u0663", "\uFF11",
        "true", "false", "null", "TRUE", "relu", "sigmoid", "none", "gelu", "lstm", "gru", "rnn", "LSTM", "transformer",
        "mlp", "lenet5", "char-rnn", "gpt", "unknown-kind", "perceptron", "hebb-checkpoint-1", "hebb-checkpoint-2",
        "aa", "abca", "\u0000", "\u0001\u0002\u001F\u007F", "\t\n\r", "\uFEFF", "\uD83D\uDE00\uD83D\uDE00", "e\u0301",
        "\\uD800", "a\\uDC00b", "0:0:0:0:-", "1:2:3:4:-", "ffffffffffffffff:0:0:0:-", "1:2:3:4:zz", "1:2:3:4:5:6",
        "g:0:0:0:-", "10000000000000000:1:1:1:-",
    ];

    /// <summary>The mutations of <paramref name="seed"/>; one case in 40 is the seed itself.</summary>
    public static Gen<byte[]> For(FuzzSeed seed)
    {
        byte[] s = seed.Bytes;
        var specific = seed.Format switch
        {
            SeedFormat.Idx => Idx(s),
            SeedFormat.GzipIdx => GzipIdx(s),
            SeedFormat.Safetensors => Safetensors(s),
            SeedFormat.Utf8Text => Utf8Text(s),
            SeedFormat.Utf16Text => Utf16Text(s),
            _ => Stacked(s),
        };
        return Gen.Frequency(
            (1, Gen.Const(s)),
            (14, Stacked(s)),
            (22, specific),
            (3, RandomBytes(s)));
    }

    // ---------------------------------------------------------------- generic

    /// <summary>One to four generic mutations, each applied to the result of the previous one.</summary>
    public static Gen<byte[]> Stacked(byte[] s) => Gen.Int[1, 4].SelectMany(n => Repeat(s, n));

    private static Gen<byte[]> Repeat(byte[] s, int n) => n == 0 ? Gen.Const(s) : Generic(s).SelectMany(m => Repeat(m, n - 1));

    public static Gen<byte[]> Generic(byte[] s) => s.Length == 0
        ? Gen.Byte.Array[0, 16]
        : Gen.Frequency(
            (3, BitFlips(s)),
            (3, OverwriteByte(s)),
            (3, OverwriteInteger(s, Gen.Int[0, s.Length - 1])),
            (3, Truncate(s)),
            (2, DuplicateChunk(s)),
            (2, DeleteChunk(s)),
            (1, InsertRandom(s)));

    private static Gen<byte[]> BitFlips(byte[] s) => Gen.Int[0, s.Length * 8 - 1].Array[1, 8].Select(bits =>
    {
        var b = (byte[])s.Clone();
        foreach (int i in bits) b[i >> 3] ^= (byte)(1 << (i & 7));
        return b;
    });

    private static Gen<byte[]> OverwriteByte(byte[] s) =>
        Gen.Select(Gen.Int[0, s.Length - 1], Gen.OneOf(InterestingBytes), (at, v) => With(s, at, [v]));

    /// <summary>An interesting integer written at a position as 1, 2, 4 or 8 bytes, little- or big-endian (cut at the end).</summary>
    public static Gen<byte[]> OverwriteInteger(byte[] s, Gen<int> position) =>
        Gen.Select(position, Gen.OneOf(InterestingIntegers), Gen.OneOf(1, 2, 4, 8), Gen.Bool,
            (at, v, width, bigEndian) =>
            {
                Span<byte> bytes = stackalloc byte[8];
                if (bigEndian) BinaryPrimitives.WriteInt64BigEndian(bytes, v);
                else BinaryPrimitives.WriteInt64LittleEndian(bytes, v);
                var field = bigEndian ? bytes[(8 - width)..] : bytes[..width];
                return With(s, at, field.ToArray());
            });

    private static byte[] With(byte[] s, int at, byte[] field)
    {
        var b = (byte[])s.Clone();
        field.AsSpan(0, Math.Min(field.Length, b.Length - at)).CopyTo(b.AsSpan(at));
        return b;
    }

    /// <summary>Cut at any position, near the start, or a few bytes short of the end.</summary>
    public static Gen<byte[]> Truncate(byte[] s, params int[] boundaries) => Gen.Frequency(
        (3, Gen.Int[0, s.Length - 1].Select(n => s[..n])),
        (1, Gen.Int[0, Math.Min(16, s.Length - 1)].Select(n => s[..n])),
        (1, Gen.Int[1, Math.Min(9, s.Length)].Select(k => s[..^k])),
        (boundaries.Length == 0 ? 0 : 2, boundaries.Length == 0 ? Gen.Const(s)
            : Gen.Select(Gen.OneOf(boundaries), Gen.Int[-1, 1], (at, d) => s[..Math.Clamp(at + d, 0, s.Length)])));

    private static Gen<byte[]> DuplicateChunk(byte[] s) =>
        Gen.Select(Gen.Int[0, s.Length - 1], Gen.Int[1, 64], Gen.Int[0, s.Length], Gen.Int[1, 3], (from, length, to, times) =>
        {
            var chunk = s.AsSpan(from, Math.Min(length, s.Length - from)).ToArray();
            var inserted = Enumerable.Repeat(chunk, times).SelectMany(c => c);
            return (byte[])[.. s.AsSpan(0, to).ToArray(), .. inserted, .. s.AsSpan(to).ToArray()];
        });

    private static Gen<byte[]> DeleteChunk(byte[] s) => Gen.Select(Gen.Int[0, s.Length - 1], Gen.Int[1, 64], (from, length) =>
    {
        int end = Math.Min(s.Length, from + length);
        return (byte[])[.. s.AsSpan(0, from).ToArray(), .. s.AsSpan(end).ToArray()];
    });

    private static Gen<byte[]> InsertRandom(byte[] s) =>
        Gen.Select(Gen.Int[0, s.Length], Gen.Byte.Array[1, 32],
            (at, r) => (byte[])[.. s.AsSpan(0, at).ToArray(), .. r, .. s.AsSpan(at).ToArray()]);

    /// <summary>Pure random bytes, sometimes behind the seed's first bytes (its magic number or length prefix).</summary>
    private static Gen<byte[]> RandomBytes(byte[] s) => Gen.Frequency(
        (2, Gen.Byte.Array[0, 2048]),
        (1, Gen.Select(Gen.Int[1, Math.Max(1, Math.Min(16, s.Length))], Gen.Byte.Array[0, 512],
            (keep, r) => (byte[])[.. s.AsSpan(0, Math.Min(keep, s.Length)).ToArray(), .. r])));

    // ---------------------------------------------------------------- IDX

    /// <summary>IDX: magic, type, rank and each dimension (as big-endian int32, the format's, or little-endian), the data
    /// cut or extended.</summary>
    private static Gen<byte[]> Idx(byte[] s)
    {
        int rank = s.Length > 3 ? s[3] : 0, headerEnd = 4 + 4 * rank;
        var fields = Gen.Frequency(
            (2, Gen.Select(Gen.Int[0, 1], Gen.OneOf(InterestingBytes), (at, v) => With(s, at, [v]))),
            (2, Gen.OneOf<byte>(0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E, 0x00, 0xFF).Select(t => With(s, 2, [t]))),
            (2, Gen.OneOf<byte>(0, 1, 2, 3, 4, 5, 8, 255).Select(r => With(s, 3, [r]))),
            (6, OverwriteInteger(s, Gen.Int[0, Math.Max(0, rank - 1)].Select(i => 4 + 4 * i))),
            (3, Truncate(s, 1, 2, 3, 4, headerEnd - 1, headerEnd, headerEnd + 1)),
            (2, Gen.Byte.Array[1, 64].Select(extra => (byte[])[.. s, .. extra])),
            (1, Gen.Int[0, Math.Max(0, rank - 2)].Select(i => SwapDims(s, i))));
        return Gen.Frequency((4, fields), (1, fields.SelectMany(Generic)));
    }

    private static byte[] SwapDims(byte[] s, int i)
    {
        var b = (byte[])s.Clone();
        if (b.Length >= 4 + 4 * (i + 2))
        {
            var first = b.AsSpan(4 + 4 * i, 4).ToArray();
            b.AsSpan(8 + 4 * i, 4).CopyTo(b.AsSpan(4 + 4 * i));
            first.CopyTo(b.AsSpan(8 + 4 * i));
        }
        return b;
    }

    /// <summary>Gzipped IDX: the IDX inside mutated and recompressed (a valid gzip of bad content), or the gzip container
    /// itself damaged: header, CRC and length trailer, a second member, bytes after the end.</summary>
    private static Gen<byte[]> GzipIdx(byte[] s)
    {
        byte[] inner = Gunzip(s);
        return Gen.Frequency(
            (5, Idx(inner).Select(Gzip)),
            (2, Stacked(inner).Select(Gzip)),
            (2, OverwriteInteger(s, Gen.Int[Math.Max(0, s.Length - 8), s.Length - 1])),
            (1, OverwriteInteger(s, Gen.Int[0, Math.Min(9, s.Length - 1)])),
            (1, Idx(inner).Select(m => (byte[])[.. s, .. Gzip(m)])),
            (1, Gen.Byte.Array[1, 32].Select(extra => (byte[])[.. s, .. extra])),
            (1, Gen.Int[1, 4096].Select(n => Gzip([.. inner.AsSpan(0, Math.Min(4, inner.Length)).ToArray(), .. new byte[n]]))));
    }

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true)) gz.Write(data);
        return output.ToArray();
    }

    private static byte[] Gunzip(byte[] data)
    {
        using var gz = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        using var output = new MemoryStream();
        gz.CopyTo(output);
        return output.ToArray();
    }

    // ---------------------------------------------------------------- safetensors

    /// <summary>Splits a well-formed safetensors file into its header text and data bytes.</summary>
    private static (string Header, byte[] Data) Split(byte[] s)
    {
        int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(s);
        return (Encoding.UTF8.GetString(s, 8, length).TrimEnd(' '), s[(8 + length)..]);
    }

    /// <summary>A safetensors file from header text and data: the header padded with spaces to a multiple of 8, the prefix
    /// its true length.</summary>
    public static byte[] Frame(byte[] header, byte[] data, ulong? prefix = null)
    {
        int padded = (header.Length + 7) / 8 * 8;
        var file = new byte[8 + padded + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, prefix ?? (ulong)padded);
        header.CopyTo(file, 8);
        file.AsSpan(8 + header.Length, padded - header.Length).Fill((byte)' ');
        data.CopyTo(file, 8 + padded);
        return file;
    }

    private static byte[] Frame(string header, byte[] data) => Frame(Encoding.UTF8.GetBytes(header), data);

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>JSON text with the "\\uD800" placeholders of <see cref="InterestingStrings"/> turned into real escapes.</summary>
    private static string Json(JsonNode root) => root.ToJsonString(Relaxed).Replace("\\\\u", "\\u", StringComparison.Ordinal);

    private static readonly string[] Dtypes = ["F32", "F16", "BF16", "F64", "I32", "I64", "U8", "BOOL", "F8_E4M3", "", "f32", "F32 "];
    private static readonly string[] Shapes =
    [
        "[]", "[0]", "[1]", "[-1]", "[2147483647]", "[2147483648]", "[2147483647,2147483647]", "[65536,65536,65536]",
        "[4294967296]", "[1.5]", "[\"3\"]", "[null]", "[[2]]", "[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]",
        "[3037000500,3037000500]", "[46341,46341]", "{}", "null", "\"[2]\"", "[1e400]", "[0,2147483647,2147483647]",
    ];
    private static readonly string[] Offsets =
    [
        "[0,0]", "[0,4]", "[4,0]", "[-1,3]", "[0]", "[0,1,2]", "[]", "[0,9223372036854775807]", "[9223372036854775800,9223372036854775807]",
        "[0,18446744073709551615]", "[\"0\",\"4\"]", "[1e20,1e21]", "null", "{}", "[0,4294967296]", "[4,8]", "[0,1.5]",
    ];

    /// <summary>Safetensors: the length prefix, the JSON header (entries, dtypes, shapes, offsets, metadata, names, nesting,
    /// duplicates, invalid UTF-8 and escapes), its padding, and the data after it.</summary>
    private static Gen<byte[]> Safetensors(byte[] s)
    {
        var (header, data) = Split(s);
        var root = JsonNode.Parse(header)!.AsObject();
        string[] tensors = [.. root.Select(p => p.Key).Where(k => k != "__metadata__")];
        string[] metaKeys = root["__metadata__"] is JsonObject m ? [.. m.Select(p => p.Key)] : [];
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(s);

        string[] names = tensors.Length == 0 ? ["x"] : tensors;

        var gens = new List<(int, IGen<byte[]>)>
        {
            // The length prefix: off by a little, huge, zero; the rest untouched.
            (3, Gen.OneOf(InterestingIntegers.Select(v => (ulong)v)
                    .Concat([(ulong)headerLength - 1, (ulong)headerLength + 1, (ulong)headerLength + 8, (ulong)s.Length]).ToArray())
                .Select(p => With(s, 0, BitConverter.GetBytes(p)))),
            (3, Gen.Select(Gen.OneOf(names), Gen.OneOf(Dtypes),
                (t, d) => Frame(Json(Set(root, t, "dtype", JsonValue.Create(d))), data))),
            (3, Gen.Select(Gen.OneOf(names), Gen.OneOf(Shapes),
                (t, v) => Frame(Json(Set(root, t, "shape", JsonNode.Parse(v))), data))),
            (3, Gen.Select(Gen.OneOf(names), Gen.OneOf(Offsets),
                (t, v) => Frame(Json(Set(root, t, "data_offsets", JsonNode.Parse(v))), data))),
            // Overlaps and holes: one tensor's offsets copied onto another's, or shifted.
            (2, Gen.Select(Gen.OneOf(names), Gen.OneOf(names), Gen.Int[-8, 8], (a, b, shift) =>
            {
                var r = Copy(root);
                if (r[a] is JsonObject ta && r[b] is JsonObject tb && tb["data_offsets"] is JsonArray o)
                    ta["data_offsets"] = new JsonArray((long)o[0]! + shift, (long)o[1]! + shift);
                return Frame(Json(r), data);
            })),
            (2, Gen.Select(Gen.OneOf(names), Gen.OneOf("dtype", "shape", "data_offsets"), (t, f) =>
            {
                var r = Copy(root);
                (r[t] as JsonObject)?.Remove(f);
                return Frame(Json(r), data);
            })),
            (1, Gen.OneOf(names).Select(t => Frame(Json(Rename(root, t, "")), data))),
            (1, Gen.OneOf(names).Select(t => Frame(Json(Set(root, t, "extra", new JsonArray(1, 2))), data))),
            // Metadata: not an object, a value not a string, a value replaced, a key removed or added.
            (2, Gen.OneOf("[]", "\"x\"", "1", "null", "{\"a\":1}", "{\"a\":null}", "{\"a\":{}}", "{\"a\":[\"b\"]}", "{\"a\":true}")
                .Select(v => Frame(Json(SetTop(root, "__metadata__", JsonNode.Parse(v))), data))),
            (metaKeys.Length == 0 ? 0 : 4 + 2 * metaKeys.Length, Gen.Select(
                Gen.OneOf(metaKeys.DefaultIfEmpty("x").ToArray()), Gen.OneOf(InterestingStrings),
                (k, v) => Frame(Json(SetMeta(root, k, JsonValue.Create(v))), data))),
            (metaKeys.Length == 0 ? 0 : 2, Gen.Select(Gen.OneOf(metaKeys.DefaultIfEmpty("x").ToArray()), Gen.Int[1, 4],
                (k, n) => Frame(Json(SetMeta(root, k, JsonValue.Create(string.Concat(Enumerable.Repeat(Meta(root, k), n))))), data))),
            (metaKeys.Length == 0 ? 0 : 2, Gen.OneOf(metaKeys.DefaultIfEmpty("x").ToArray())
                .Select(k => Frame(Json(SetMeta(root, k, null)), data))),
            (4, Gen.Select(Gen.OneOf("model", "format", "kind", "vocab", "optimizer.kind", "checksum", "tokenizer", "sizes"),
                Gen.OneOf(InterestingStrings), (k, v) => Frame(Json(SetMeta(root, k, JsonValue.Create(v))), data))),
            // Names: tensors renamed (numbers in them replaced, emptied, suffixed, made the metadata key).
            (3, Gen.Select(Gen.OneOf(names),
                Gen.OneOf(InterestingNumbers.Concat(
                    ["", ".", "..", "x", "__metadata__", "-1", "0.0", "\\uD800", "a\nb", "\r", "\u2028"]).ToArray()),
                Gen.Int[0, 3], (t, v, how) => Frame(Json(Rename(root, t, Renamed(t, v, how))), data))),
            // Whole-header shapes.
            (1, Gen.OneOf("[]", "null", "1", "\"x\"", "{}", "{\"__metadata__\":{}}", "{\"a\":{}}", "[{}]", "{\"\":{}}")
                .Select(h => Frame(h, data))),
            // Text-level: a number replaced, deep nesting, a duplicate key, invalid UTF-8, NUL padding, trailing text.
            (4, DigitRun(header, data)),
            (2, Gen.Select(Gen.OneOf(10, 63, 64, 65, 1000, 100_000), Gen.Bool, (depth, array) =>
                Frame(header.Insert(header.Length - 1, ",\"deep\":" + (array ? new string('[', depth) + new string(']', depth)
                    : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth))), data))),
            (2, Gen.OneOf(tensors.DefaultIfEmpty("__metadata__").ToArray()).Select(t => Frame(
                "{" + JsonSerializer.Serialize(t) + ":" + (root[t]?.ToJsonString() ?? "{}") + "," + header[1..], data))),
            (2, Gen.Select(Gen.Int[0, header.Length - 1], Gen.OneOf<byte[]>(
                [0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80], [0xE2, 0x82], [0x00], [0xEF, 0xBB, 0xBF]),
                (at, bad) => Frame([.. Encoding.UTF8.GetBytes(header[..at]), .. bad, .. Encoding.UTF8.GetBytes(header[at..])], data))),
            (1, Gen.OneOf(" ", "\0", "\0\0\0\0\0\0\0", "x", "}", ",", "\t", "\n").Select(pad =>
                Frame(Encoding.UTF8.GetBytes(header + pad), data))),
            (1, Gen.Const(Frame(Encoding.UTF8.GetBytes(" " + header), data))),
            // The data: cut short or longer than the offsets say.
            (3, Gen.Int[1, 9].Select(k => s[..^Math.Min(k, s.Length)])),
            (2, Gen.Byte.Array[1, 16].Select(extra => (byte[])[.. s, .. extra])),
            (1, Gen.Const(s[..(8 + headerLength)])),
        };
        var one = Gen.Frequency(gens.Where(g => g.Item1 > 0).ToArray());
        return Gen.Frequency((6, one), (1, one.SelectMany(Generic)));
    }

    private static JsonObject Copy(JsonObject root) => root.DeepClone().AsObject();

    private static JsonObject Set(JsonObject root, string tensor, string field, JsonNode? value)
    {
        var r = Copy(root);
        if (r[tensor] is JsonObject t) t[field] = value;
        return r;
    }

    private static JsonObject SetTop(JsonObject root, string key, JsonNode? value)
    {
        var r = Copy(root);
        r[key] = value;
        return r;
    }

    private static JsonObject SetMeta(JsonObject root, string key, JsonNode? value)
    {
        var r = Copy(root);
        if (r["__metadata__"] is not JsonObject m) r["__metadata__"] = m = [];
        if (value is null) m.Remove(key);
        else m[key] = value;
        return r;
    }

    private static string Meta(JsonObject root, string key) => root["__metadata__"]?[key]?.GetValue<string>() ?? "";

    private static JsonObject Rename(JsonObject root, string from, string to)
    {
        var r = Copy(root);
        if (from == to || r[from] is not { } node || r.ContainsKey(to)) return r;
        r.Remove(from);
        if (to != "") r[to] = node;
        return r;
    }

    /// <summary>A name with its last number replaced by <paramref name="v"/> (how 0), suffixed (1), replaced (2) or with
    /// <paramref name="v"/> as a new last part (3).</summary>
    private static string Renamed(string name, string v, int how) => how switch
    {
        0 when Regex.Match(name, @"\d+(?!.*\d)") is { Success: true } m => name[..m.Index] + v + name[(m.Index + m.Length)..],
        1 => name + v,
        2 => v,
        _ => name[..(name.LastIndexOf('.') + 1)] + v,
    };

    /// <summary>One run of digits in the header text replaced by an interesting number (the prefix follows the new length).</summary>
    private static Gen<byte[]> DigitRun(string header, byte[] data)
    {
        var runs = Regex.Matches(header, @"\d+").Select(m => (m.Index, m.Length)).ToArray();
        if (runs.Length == 0) return Gen.Const(Frame(header, data));
        return Gen.Select(Gen.OneOf(runs), Gen.OneOf(InterestingNumbers),
            (run, v) => Frame(header[..run.Index] + v + header[(run.Index + run.Length)..], data));
    }

    // ---------------------------------------------------------------- text

    private static readonly byte[][] BadUtf8 =
    [
        [0xFF], [0xFE], [0x80], [0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF],
        [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x98],
    ];

    private static readonly string[] OddText =
    [
        "\uFEFF", "\0", "\u0001\u001F\u007F", "\r\n", "\u2028\u2029", "e\u0301", "\uD83D\uDE00", "\U0010FFFF", "\uFFFE\uFFFF",
        "\u200B\u200D", "\u0600\u202E", "\t", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    ];

    /// <summary>UTF-8 text: invalid sequences (overlong, surrogates, beyond U+10FFFF, cut short), byte-order marks, NULs and
    /// control characters, a text of every character, the empty text.</summary>
    private static Gen<byte[]> Utf8Text(byte[] s)
    {
        byte[] Insert(int at, byte[] x) => [.. s.AsSpan(0, at).ToArray(), .. x, .. s.AsSpan(at).ToArray()];
        return Gen.Frequency(
            (4, Gen.Select(Gen.Int[0, s.Length], Gen.OneOf(BadUtf8), Insert)),
            (3, Gen.Select(Gen.Int[0, s.Length], Gen.OneOf(OddText), (at, t) => Insert(at, Encoding.UTF8.GetBytes(t)))),
            (2, Gen.OneOf(BadUtf8).Select(b => (byte[])[.. s, .. b])),
            (1, Gen.OneOf<byte[]>([], [0xEF, 0xBB, 0xBF], [0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF], [0], [0xFE, 0xFF, 0, 0x41], [0x0A])),
            (1, Gen.Int[1, 0x10FFFF].Array[1, 2000].Select(cps => Encoding.UTF8.GetBytes(string.Concat(
                cps.Where(c => c is < 0xD800 or > 0xDFFF).Select(char.ConvertFromUtf32))))),
            (1, Gen.String.Select(Encoding.UTF8.GetBytes)),
            (1, Gen.Const(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 0x3000).Select(c => (char)c)
                .Where(c => !char.IsSurrogate(c)))))));
    }

    /// <summary>UTF-16 text (a vocabulary string as stored): duplicates, lone and reversed surrogates, control characters,
    /// an odd byte count, the empty string.</summary>
    private static Gen<byte[]> Utf16Text(byte[] s)
    {
        byte[] Insert(int at, string t) =>
            [.. s.AsSpan(0, at * 2).ToArray(), .. Encoding.Unicode.GetBytes(t), .. s.AsSpan(at * 2).ToArray()];
        int chars = s.Length / 2;
        return Gen.Frequency(
            (3, Gen.Select(Gen.Int[0, chars], Gen.OneOf("\uD800", "\uDC00", "\uDC00\uD800", "\uDBFF", "a", "\n", "\0"),
                (at, t) => PutBack(Insert(at, t.Length == 1 && char.IsSurrogate(t[0]) ? "\uFFFD" : t), at, t))),
            (2, Gen.Select(Gen.Int[0, chars], Gen.OneOf(OddText), Insert)),
            (2, Gen.Int[0, Math.Max(0, chars - 1)].Select(i => Insert(i, Encoding.Unicode.GetString(s, i * 2, 2)))),
            (1, Gen.OneOf<byte[]>([], [0x41], [0x00, 0xD8], [0x00, 0xDC, 0x00, 0xD8])),
            (1, Gen.Char.Array[0, 300].Select(c => System.Runtime.InteropServices.MemoryMarshal.AsBytes(c.AsSpan()).ToArray())));
    }

    /// <summary>Encoding.Unicode replaces lone surrogates: put the intended code unit back over the replacement.</summary>
    private static byte[] PutBack(byte[] b, int at, string t)
    {
        if (t.Length == 1 && char.IsSurrogate(t[0])) BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(at * 2), t[0]);
        return b;
    }
}
