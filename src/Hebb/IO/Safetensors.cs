using System.Buffers;
using System.Buffers.Binary;
using System.Collections.ObjectModel;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace Hebb.IO;

/// <summary>One named tensor of a safetensors file: <see cref="Data"/> holds the elements of
/// <see cref="Shape"/> in row-major order. A scalar has shape [] and one element.</summary>
/// <param name="Name">The tensor's name, e.g. "0.weight".</param>
/// <param name="Shape">The dimension sizes, outermost first.</param>
/// <param name="Data">The elements in row-major order: as many as the product of the shape.</param>
public sealed record SafetensorsTensor(string Name, int[] Shape, float[] Data);

/// <summary>A safetensors file that was refused. The message always names the file and the field or
/// tensor at fault, because "invalid data" alone does not tell a user which of their checkpoints is broken.
/// It derives from <see cref="IOException"/> because <see cref="InvalidDataException"/> is sealed; this way one
/// <c>catch (IOException)</c> around <see cref="Safetensors.Load"/> covers missing, unreadable and malformed files.</summary>
public sealed class SafetensorsFormatException : IOException
{
    /// <summary>Creates the exception; its message is "safetensors file '<paramref name="sourceName"/>':
    /// <paramref name="problem"/>".</summary>
    /// <param name="sourceName">The file path or stream name.</param>
    /// <param name="problem">What is wrong, naming the field or tensor at fault.</param>
    /// <param name="innerException">The underlying failure, or null.</param>
    public SafetensorsFormatException(string sourceName, string problem, Exception? innerException = null)
        : base($"safetensors file '{sourceName}': {problem}", innerException)
    {
        SourceName = sourceName;
        Problem = problem;
    }

    /// <summary>The file path or stream name the problem was found in.</summary>
    public string SourceName { get; }

    /// <summary>The problem alone, without the file name.</summary>
    public string Problem { get; }
}

/// <summary>The contents of a safetensors file, every tensor converted to float.</summary>
public sealed class SafetensorsFile
{
    private readonly Dictionary<string, SafetensorsTensor> _byName;
    private readonly string _sourceName;

    internal SafetensorsFile(string sourceName, List<SafetensorsTensor> tensors, Dictionary<string, string> metadata)
    {
        _sourceName = sourceName;
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        Tensors = tensors.AsReadOnly();
        Metadata = new ReadOnlyDictionary<string, string>(metadata);
    }

    /// <summary>The header's "__metadata__" object; empty when the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensors in the order their bytes appear in the file.</summary>
    public IReadOnlyList<SafetensorsTensor> Tensors { get; }

    /// <summary>The tensor called <paramref name="name"/>. A missing tensor means the file does not match what the
    /// caller expects of it (usually a model), so it is reported as bad data naming both the tensor and the file.</summary>
    public SafetensorsTensor this[string name] =>
        _byName.TryGetValue(name, out var tensor) ? tensor : throw MissingTensor(name);

    /// <summary>Whether the file holds a tensor called <paramref name="name"/>.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    private SafetensorsFormatException MissingTensor(string name)
    {
        const int shown = 10;
        string names = string.Join(", ", Tensors.Take(shown).Select(t => $"'{t.Name}'"));
        if (Tensors.Count > shown) names += $", ... ({Tensors.Count - shown} more)";
        string has = Tensors.Count == 0 ? "it has no tensors" : $"it has {names}";
        return new SafetensorsFormatException(_sourceName, $"no tensor named '{name}'; {has}");
    }
}

/// <summary>Reads and writes the Hugging Face safetensors format: an 8-byte little-endian header length, a UTF-8
/// JSON header (optionally padded with spaces) mapping names to dtype, shape and byte range, then the raw
/// little-endian tensor bytes. Files are untrusted input: anything truncated, inconsistent or hostile is refused
/// with a <see cref="SafetensorsFormatException"/> before memory is sized from it.</summary>
public static class Safetensors
{
    /// <summary>Same cap as the reference implementation; a larger header is not a model, it is an attack.</summary>
    internal const long MaxHeaderBytes = 100_000_000;

    internal const string MetadataKey = "__metadata__";

    /// <summary>Unit of streaming reads. A multiple of 8, so a chunk always holds whole elements of every dtype.</summary>
    private const int ChunkBytes = 1 << 16;

    private enum StoredType { F16, BF16, F32, F64 }

    /// <summary>One header entry after validation; sizes are long so nothing overflows before it is checked.</summary>
    private sealed record Entry(string Name, StoredType Type, int[] Shape, long Elements, long Begin, long End)
    {
        public long ByteCount => End - Begin;
    }

    // ---------------------------------------------------------------- reading

    /// <summary>Reads the safetensors file at <paramref name="path"/>; F16, BF16, F32 and F64 tensors are converted to float.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="SafetensorsFormatException">The file is truncated, inconsistent or not safetensors.</exception>
    public static SafetensorsFile Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, ChunkBytes, FileOptions.SequentialScan);
        return Read(stream, path);
    }

    /// <summary>Reads a whole safetensors file from the stream's current position to its end.</summary>
    /// <param name="stream">The stream to read; it must be readable, and is left open.</param>
    /// <param name="sourceName">Names the file in error messages.</param>
    /// <exception cref="SafetensorsFormatException">The data is truncated, inconsistent or not safetensors.</exception>
    public static SafetensorsFile Read(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        if (!stream.CanRead) throw new ArgumentException("the stream is not readable", nameof(stream));

        // Every size in the header is checked against this before anything is allocated from it.
        // A non-seekable stream has no known length (-1); it is buffered further down as bytes actually arrive.
        long available = stream.CanSeek ? stream.Length - stream.Position : -1;

        Span<byte> prefix = stackalloc byte[8];
        int got = stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
        if (got < prefix.Length)
            throw Fail(sourceName, $"the file is {got} bytes long, shorter than the 8-byte header length");

        ulong headerSize = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        // A real header is a JSON object of at most MaxHeaderBytes; anything else is probably another kind of file.
        if (headerSize == 0 || headerSize > MaxHeaderBytes || available >= 0 && (long)headerSize > available - prefix.Length)
        {
            if (ForeignFormat(prefix) is { } kind) throw Fail(sourceName, $"not a safetensors file: it starts like {kind}");
        }
        if (headerSize == 0)
            throw Fail(sourceName, "the header length is 0; a header is at least '{}'");
        if (headerSize > MaxHeaderBytes)
            throw Fail(sourceName, $"the header length {headerSize} exceeds the {MaxHeaderBytes}-byte limit");
        if (available >= 0 && (long)headerSize > available - prefix.Length)
            throw Fail(sourceName,
                $"the header length {headerSize} exceeds the {available - prefix.Length} bytes that follow it (truncated file?)");

        using var headerBytes = ReadGrowing(stream, (long)headerSize);
        if (headerBytes.Length < (long)headerSize)
            throw Fail(sourceName,
                $"the header length is {headerSize} but the file ends {headerBytes.Length} bytes into it (truncated file?)");

        var (entries, metadata) = ParseHeader(headerBytes.GetBuffer().AsMemory(0, (int)headerBytes.Length), sourceName);

        long bufferAvailable = available >= 0 ? available - prefix.Length - (long)headerSize : -1;
        var (ordered, bufferSize) = CheckLayout(entries, bufferAvailable, sourceName);

        // Without a known length, copy exactly the promised bytes first: allocation then follows what the
        // stream really holds, and a short stream is refused before any tensor array is sized from the header.
        using var buffered = bufferAvailable >= 0 ? null : BufferData(stream, bufferSize, sourceName);
        Stream data = buffered ?? stream;

        var tensors = new List<SafetensorsTensor>(ordered.Count);
        byte[] chunk = new byte[ChunkBytes];
        foreach (var entry in ordered)
            tensors.Add(new SafetensorsTensor(entry.Name, entry.Shape, Decode(data, entry, chunk, sourceName)));

        return new SafetensorsFile(sourceName, tensors, metadata);
    }

    private static (List<Entry> Entries, Dictionary<string, string> Metadata) ParseHeader(ReadOnlyMemory<byte> header, string source)
    {
        // JsonDocument does not check UTF-8 inside strings until they are read; check it all up front.
        if (!Utf8.IsValid(header.Span))
            throw Fail(source, "the header is not valid UTF-8");
        if (header.Span[0] != (byte)'{')
            throw Fail(source, $"the header must start with '{{' but starts with byte 0x{header.Span[0]:X2}");

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw Fail(source, $"the header is not valid JSON ({e.Message})", e);
        }

        using (document)
        {
            try
            {
                return ParseHeaderObject(document.RootElement, source);
            }
            catch (InvalidOperationException e)
            {
                // System.Text.Json reports escapes that decode to invalid UTF-16 (lone surrogates) only when a
                // string is read, as InvalidOperationException.
                throw Fail(source, $"the header contains an invalid string ({e.Message})", e);
            }
        }
    }

    private static (List<Entry>, Dictionary<string, string>) ParseHeaderObject(JsonElement root, string source)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw Fail(source, $"the header is a JSON {Kind(root)}, not an object");

        var entries = new List<Entry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        // JsonDocument keeps duplicate keys; which one "wins" would be arbitrary, so duplicates are refused.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (!seen.Add(property.Name))
                throw Fail(source, $"the header names '{property.Name}' twice");
            if (property.Name == MetadataKey)
                ParseMetadata(property.Value, metadata, source);
            else
                entries.Add(ParseEntry(property.Name, property.Value, source));
        }
        return (entries, metadata);
    }

    private static void ParseMetadata(JsonElement value, Dictionary<string, string> metadata, string source)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Fail(source, $"'{MetadataKey}' is a JSON {Kind(value)}, expected an object of strings");
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw Fail(source, $"'{MetadataKey}' entry '{item.Name}' is a JSON {Kind(item.Value)}, expected a string");
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
                throw Fail(source, $"'{MetadataKey}' names '{item.Name}' twice");
        }
    }

    private static Entry ParseEntry(string name, JsonElement value, string source)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Fail(source, $"tensor '{name}': the entry is a JSON {Kind(value)}, expected an object");

        JsonElement? dtype = null, shape = null, offsets = null;
        foreach (var field in value.EnumerateObject())
        {
            // Unknown fields are ignored (forward compatibility); known ones may appear only once.
            switch (field.Name)
            {
                case "dtype": dtype = Once(dtype, field); break;
                case "shape": shape = Once(shape, field); break;
                case "data_offsets": offsets = Once(offsets, field); break;
            }
        }
        JsonElement Once(JsonElement? seen, JsonProperty field) =>
            seen is null ? field.Value : throw Fail(source, $"tensor '{name}': '{field.Name}' is given twice");

        StoredType type = ParseDtype(name, dtype, source);
        int[] dims = ParseShape(name, shape, source);
        (long begin, long end) = ParseOffsets(name, offsets, source);

        long elements = 1, bytes;
        try
        {
            foreach (int d in dims) elements = checked(elements * d);
            bytes = checked(elements * SizeOf(type));
        }
        catch (OverflowException)
        {
            throw Fail(source, $"tensor '{name}': the element count of shape {Format(dims)} overflows");
        }

        if (end - begin != bytes)
            throw Fail(source, $"tensor '{name}': data_offsets [{begin}, {end}] span {end - begin} bytes " +
                $"but shape {Format(dims)} of {type} needs {bytes}");
        if (elements > Array.MaxLength)
            throw Fail(source, $"tensor '{name}': {elements} elements is more than a float array can hold");
        return new Entry(name, type, dims, elements, begin, end);
    }

    private static StoredType ParseDtype(string name, JsonElement? dtype, string source)
    {
        if (dtype is not { } d) throw Fail(source, $"tensor '{name}': 'dtype' is missing");
        if (d.ValueKind != JsonValueKind.String)
            throw Fail(source, $"tensor '{name}': 'dtype' is a JSON {Kind(d)}, expected a string");
        string text = d.GetString()!;
        return text switch
        {
            "F32" => StoredType.F32,
            "F16" => StoredType.F16,
            "BF16" => StoredType.BF16,
            "F64" => StoredType.F64,
            _ => throw Fail(source, $"tensor '{name}': dtype '{text}' is not supported (only F32, F16, BF16 and F64 can be read as float)"),
        };
    }

    private static int[] ParseShape(string name, JsonElement? shape, string source)
    {
        if (shape is not { } s) throw Fail(source, $"tensor '{name}': 'shape' is missing");
        if (s.ValueKind != JsonValueKind.Array)
            throw Fail(source, $"tensor '{name}': 'shape' is a JSON {Kind(s)}, expected an array of integers");
        var dims = new int[s.GetArrayLength()];
        int i = 0;
        foreach (var item in s.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long d) || d < 0 || d > int.MaxValue)
                throw Fail(source, $"tensor '{name}': shape entry {i} is {item.GetRawText()}, expected an integer in [0, {int.MaxValue}]");
            dims[i++] = (int)d;
        }
        return dims;
    }

    private static (long Begin, long End) ParseOffsets(string name, JsonElement? offsets, string source)
    {
        if (offsets is not { } o) throw Fail(source, $"tensor '{name}': 'data_offsets' is missing");
        if (o.ValueKind != JsonValueKind.Array || o.GetArrayLength() != 2)
            throw Fail(source, $"tensor '{name}': 'data_offsets' is {o.GetRawText()}, expected [begin, end]");
        long Bound(JsonElement item)
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long v) || v < 0)
                throw Fail(source, $"tensor '{name}': 'data_offsets' entry {item.GetRawText()} is not an integer in [0, {long.MaxValue}]");
            return v;
        }
        long begin = Bound(o[0]), end = Bound(o[1]);
        if (begin > end)
            throw Fail(source, $"tensor '{name}': data_offsets [{begin}, {end}] begin after their end");
        return (begin, end);
    }

    /// <summary>Checks that the entries tile the data buffer exactly: no tensor past its end, no two sharing a byte,
    /// no byte belonging to none. Returns the entries in file order and the buffer size they cover.</summary>
    private static (List<Entry> Ordered, long Size) CheckLayout(List<Entry> entries, long bufferAvailable, string source)
    {
        if (bufferAvailable >= 0)
        {
            foreach (var e in entries)
                if (e.End > bufferAvailable)
                    throw Fail(source, $"tensor '{e.Name}': data_offsets [{e.Begin}, {e.End}] reach past the end " +
                        $"of the {bufferAvailable}-byte data buffer (truncated file?)");
        }

        // Stable sort: zero-size tensors sharing an offset keep their header order.
        var sorted = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        long covered = 0;
        Entry? previous = null;
        foreach (var e in sorted)
        {
            if (e.Begin < covered)
                throw Fail(source,
                    $"tensors '{previous!.Name}' [{previous.Begin}, {previous.End}] and '{e.Name}' [{e.Begin}, {e.End}] overlap");
            if (e.Begin > covered)
                throw Fail(source, $"bytes [{covered}, {e.Begin}) of the data buffer belong to no tensor (hole before tensor '{e.Name}')");
            covered = e.End;
            if (e.ByteCount > 0) previous = e;
        }

        if (bufferAvailable > covered)
            throw Fail(source, $"{bufferAvailable - covered} trailing bytes follow the last tensor " +
                $"(the tensors cover {covered} of {bufferAvailable} data bytes)");

        return (sorted, covered);
    }

    /// <summary>Copies exactly <paramref name="size"/> bytes from a stream of unknown length and checks that
    /// nothing follows them.</summary>
    private static MemoryStream BufferData(Stream stream, long size, string source)
    {
        if (size > Array.MaxLength)
            throw Fail(source, $"the data buffer is {size} bytes; streams that cannot seek are limited to {Array.MaxLength} bytes, " +
                "read from a file instead");
        var buffered = ReadGrowing(stream, size);
        long received = buffered.Length;
        bool trailing = received == size && stream.ReadByte() >= 0;
        if (received < size || trailing)
        {
            buffered.Dispose();
            throw Fail(source, trailing
                ? $"trailing bytes follow the last tensor (the tensors cover {size} data bytes)"
                : $"the tensors need {size} data bytes but the file ends after {received} (truncated file?)");
        }
        buffered.Position = 0;
        return buffered;
    }

    /// <summary>Reads up to <paramref name="count"/> bytes. The buffer grows with the bytes actually received, so a
    /// lying length on a short stream costs nothing. A result shorter than <paramref name="count"/> means the stream ended.</summary>
    private static MemoryStream ReadGrowing(Stream stream, long count)
    {
        var result = new MemoryStream();
        byte[] chunk = new byte[(int)Math.Min(ChunkBytes, Math.Max(count, 1))];
        for (long remaining = count; remaining > 0;)
        {
            int n = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, remaining));
            if (n == 0) break;
            result.Write(chunk, 0, n);
            remaining -= n;
        }
        return result;
    }

    /// <summary>Reads one tensor's bytes chunk by chunk and converts them to float, so no second full-size byte copy is needed.</summary>
    private static float[] Decode(Stream data, Entry entry, byte[] chunk, string source)
    {
        var values = new float[entry.Elements];
        int size = SizeOf(entry.Type), index = 0;
        for (long remaining = entry.ByteCount; remaining > 0;)
        {
            int n = (int)Math.Min(chunk.Length, remaining);
            int got = data.ReadAtLeast(chunk.AsSpan(0, n), n, throwOnEndOfStream: false);
            if (got < n) // only if the stream was shorter than its Length claimed, e.g. the file shrank while being read
                throw Fail(source, $"tensor '{entry.Name}': the file ended inside its data (truncated file?)");
            Convert(chunk.AsSpan(0, n), entry.Type, values.AsSpan(index, n / size));
            index += n / size;
            remaining -= n;
        }
        return values;
    }

    private static void Convert(ReadOnlySpan<byte> src, StoredType type, Span<float> dst)
    {
        switch (type)
        {
            case StoredType.F32:
                MemoryMarshal.Cast<byte, float>(src).CopyTo(dst);
                if (!BitConverter.IsLittleEndian)
                {
                    var bits = MemoryMarshal.Cast<float, int>(dst);
                    BinaryPrimitives.ReverseEndianness(bits, bits);
                }
                break;
            case StoredType.F16:
                for (int i = 0; i < dst.Length; i++)
                    dst[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(src[(2 * i)..]);
                break;
            case StoredType.BF16:
                // bfloat16 is the top half of a float32.
                for (int i = 0; i < dst.Length; i++)
                    dst[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(src[(2 * i)..]) << 16);
                break;
            case StoredType.F64:
                // Rounds to nearest float; values beyond float range become infinity, as in NumPy's astype.
                for (int i = 0; i < dst.Length; i++)
                    dst[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(src[(8 * i)..]);
                break;
        }
    }

    // ---------------------------------------------------------------- writing

    /// <summary>Writes the tensors to <paramref name="path"/> as F32. The file is written beside the target and then
    /// moved over it (<see cref="AtomicFile"/>), so a save that fails part-way leaves any existing file untouched.</summary>
    public static void Save(string path, IEnumerable<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var list = Validate(tensors, metadata); // refuse bad input before touching the disk at all

        AtomicFile.Write(path, file => WriteValidated(file, list, metadata), ChunkBytes);
    }

    /// <summary>Writes the tensors as F32, in the given order, with the header padded so the data starts 8-byte aligned.
    /// Everything is validated before the first byte is written.</summary>
    public static void Write(Stream stream, IEnumerable<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite) throw new ArgumentException("the stream is not writable", nameof(stream));
        WriteValidated(stream, Validate(tensors, metadata), metadata);
    }

    private static void WriteValidated(Stream stream, List<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        byte[] header = BuildHeader(tensors, metadata);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        stream.Write(prefix);
        stream.Write(header);

        if (BitConverter.IsLittleEndian)
        {
            foreach (var t in tensors) stream.Write(MemoryMarshal.AsBytes(t.Data.AsSpan()));
            return;
        }
        byte[] chunk = new byte[ChunkBytes];
        foreach (var t in tensors)
        {
            for (int start = 0; start < t.Data.Length; start += ChunkBytes / 4)
            {
                int count = Math.Min(ChunkBytes / 4, t.Data.Length - start);
                for (int i = 0; i < count; i++)
                    BinaryPrimitives.WriteSingleLittleEndian(chunk.AsSpan(4 * i), t.Data[start + i]);
                stream.Write(chunk, 0, 4 * count);
            }
        }
    }

    /// <summary>The JSON header, compact, "__metadata__" first (keys sorted so output is deterministic), then one entry
    /// per tensor in order; padded with spaces so that 8 + its length is a multiple of 8.</summary>
    private static byte[] BuildHeader(List<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        // Relaxed escaping writes non-ASCII text as UTF-8 instead of \u escapes; the header is never embedded in HTML.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                    json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var t in tensors)
            {
                long end = offset + 4L * t.Data.Length;
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (int d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(end);
                json.WriteEndArray();
                json.WriteEndObject();
                offset = end;
            }
            json.WriteEndObject();
        }

        int padded = (buffer.WrittenCount + 7) / 8 * 8;
        byte[] header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    /// <summary>Checks everything a reader would refuse, so Save and Write never produce a file Load rejects.
    /// Enumerates <paramref name="tensors"/> exactly once.</summary>
    private static List<SafetensorsTensor> Validate(IEnumerable<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var list = new List<SafetensorsTensor>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in tensors)
        {
            int index = list.Count;
            if (t is null) throw new ArgumentException($"tensor #{index} is null", nameof(tensors));
            if (string.IsNullOrEmpty(t.Name)) throw new ArgumentException($"tensor #{index} has an empty name", nameof(tensors));
            if (t.Name == MetadataKey)
                throw new ArgumentException($"tensor #{index} is named '{MetadataKey}', which is reserved for metadata", nameof(tensors));
            if (!IsValidUtf16(t.Name))
                throw new ArgumentException(
                    $"tensor #{index}'s name contains an unpaired surrogate and cannot be written as UTF-8", nameof(tensors));
            if (!names.Add(t.Name)) throw new ArgumentException($"tensor name '{t.Name}' appears twice", nameof(tensors));
            if (t.Shape is null) throw new ArgumentException($"tensor '{t.Name}' has a null Shape", nameof(tensors));
            if (t.Data is null) throw new ArgumentException($"tensor '{t.Name}' has null Data", nameof(tensors));

            long elements = 1;
            foreach (int d in t.Shape)
            {
                if (d < 0)
                    throw new ArgumentException($"tensor '{t.Name}' has a negative dimension in shape {Format(t.Shape)}", nameof(tensors));
                // Bounded by int.MaxValue, so the multiplication cannot overflow long.
                elements = Math.Min(elements * d, (long)int.MaxValue + 1);
            }
            if (elements != t.Data.Length)
                throw new ArgumentException($"tensor '{t.Name}' has shape {Format(t.Shape)} " +
                    $"({(elements > int.MaxValue ? "too many" : elements.ToString())} elements) but {t.Data.Length} data values",
                    nameof(tensors));
            list.Add(t);
        }

        if (metadata is not null)
        {
            foreach (var (key, value) in metadata)
            {
                if (key is null || value is null)
                    throw new ArgumentException($"metadata entry '{key}' has a null key or value", nameof(metadata));
                if (!IsValidUtf16(key) || !IsValidUtf16(value))
                    throw new ArgumentException(
                        $"metadata entry '{key}' contains an unpaired surrogate and cannot be written as UTF-8", nameof(metadata));
            }
        }
        return list;
    }

    // ---------------------------------------------------------------- helpers

    private static int SizeOf(StoredType type) => type switch
    {
        StoredType.F16 or StoredType.BF16 => 2,
        StoredType.F32 => 4,
        _ => 8,
    };

    private static bool IsValidUtf16(string s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) i++;
            else if (char.IsSurrogate(s[i])) return false;
        }
        return true;
    }

    private static string Format(int[] shape) => "[" + string.Join(", ", shape) + "]";

    private static string Kind(JsonElement e) => e.ValueKind.ToString().ToLowerInvariant();

    /// <summary>Why a pickle is refused and how to convert it, for the messages about PyTorch's .pt/.pth/.bin files.</summary>
    private const string PickleAdvice =
        "and loading a pickle runs whatever code it holds, so Hebb never opens one): convert it once, in Python, where you trust " +
        "the file: python3 -c \"import torch; from safetensors.torch import save_file; " +
        "save_file({k: v.contiguous().clone() for k, v in torch.load('m.pt', weights_only=True).items()}, 'm.safetensors')\" " +
        "(for a checkpoint that holds more than the state dict, take its ['model'] entry; without the safetensors package, " +
        "scripts/torch_import_reference.py's save_safetensors writes the same format in a dozen lines)";

    /// <summary>What a file that is not safetensors looks like from its first eight bytes, when it is a common kind.</summary>
    private static string? ForeignFormat(ReadOnlySpan<byte> start)
    {
        if (start[0] == 0x89 && start[1..4].SequenceEqual("PNG"u8)) return "a PNG image"; // 0x89 is not one UTF-8 byte
        if (start[0] == 0xFF && start[1] == 0xD8 && start[2] == 0xFF) return "a JPEG image";
        if (start[0] == 0x1F && start[1] == 0x8B) return "a gzip archive";
        if (start.StartsWith("PK\x03\x04"u8))
            return "a zip archive (a PyTorch .pt/.pth/.bin file is a zip of pickles, " + PickleAdvice;
        if (start[0] == 0x80 && start[1] is >= 2 and <= 5)
            return "a Python pickle (as an older PyTorch .pt/.pth/.bin file; " + PickleAdvice;
        int printable = 0;
        foreach (byte b in start) if (b is (>= 0x20 and < 0x7F) or (byte)'\n' or (byte)'\r' or (byte)'\t') printable++;
        if (printable == start.Length)
            return start[0] is (byte)'{' or (byte)'[' ? "a JSON or text file" : "a text file";
        return null;
    }

    private static SafetensorsFormatException Fail(string source, string problem, Exception? inner = null) =>
        new(source, MessageText.OneLine(problem), inner); // names and values from the file may hold line breaks
}
