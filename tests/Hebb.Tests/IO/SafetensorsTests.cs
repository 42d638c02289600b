using System.Buffers.Binary;
using System.Text;
using Hebb.Fuzzing;
using Hebb.IO;

namespace Hebb.Tests.IO;

public sealed class SafetensorsTests : IDisposable
{
    private const string Source = "hostile.safetensors";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hebb-safetensors-" + Guid.NewGuid().ToString("N"));

    public SafetensorsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // ------------------------------------------------------------ round trips

    [Fact]
    public void RoundTrip_SeveralTensors_KeepsOrderShapesAndExactBits()
    {
        var tensors = new[]
        {
            new SafetensorsTensor("embed.weight", [3, 4], Enumerable.Range(0, 12).Select(i => i * 0.5f - 1f).ToArray()),
            // Special values must survive bit for bit: NaN/inf are data, not corruption.
            new SafetensorsTensor("bias", [6],
                [float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, float.Epsilon, float.MaxValue]),
            new SafetensorsTensor("scale", [], [2.5f]),
            new SafetensorsTensor("empty", [0, 3], []),
            new SafetensorsTensor("empty2", [2, 0], []),
            new SafetensorsTensor("last", [1, 1, 2], [7f, -8f]),
        };

        foreach (var file in new[] { RoundTrip(tensors, seekable: true), RoundTrip(tensors, seekable: false) })
        {
            Assert.Equal(tensors.Select(t => t.Name), file.Tensors.Select(t => t.Name));
            foreach (var expected in tensors)
            {
                var actual = file[expected.Name];
                Assert.Equal(expected.Shape, actual.Shape);
                Assert.Equal(expected.Data.Select(BitConverter.SingleToInt32Bits), actual.Data.Select(BitConverter.SingleToInt32Bits));
            }
            Assert.Empty(file.Metadata);
        }
    }

    [Fact]
    public void RoundTrip_ThroughFile_KeepsUnicodeMetadataAndNames()
    {
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["note"] = "héllo wörld ✓ 🧠 \"quoted\" \\ <tag> \n newline",
            ["ключ"] = "值",
            [""] = "empty key",
        };
        var tensors = new[]
        {
            new SafetensorsTensor("层.weight", [2], [1f, 2f]),
            new SafetensorsTensor("brain🧠", [1], [3f]),
        };
        string path = Path.Combine(_dir, "unicode.safetensors");

        Safetensors.Save(path, tensors, metadata);
        var file = Safetensors.Load(path);

        Assert.Equal(metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal), file.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal));
        Assert.Equal(["层.weight", "brain🧠"], file.Tensors.Select(t => t.Name));
        Assert.Equal([1f, 2f], file["层.weight"].Data);
        Assert.Equal([3f], file["brain🧠"].Data);
    }

    [Fact]
    public void RoundTrip_NoTensors_GivesAnEmptyFile()
    {
        var file = RoundTrip([], seekable: true);
        Assert.Empty(file.Tensors);
        Assert.Empty(file.Metadata);
    }

    [Fact]
    public void Save_OverwritesAnExistingFile()
    {
        string path = Path.Combine(_dir, "model.safetensors");
        Safetensors.Save(path, [new SafetensorsTensor("old", [1], [1f])]);
        Safetensors.Save(path, [new SafetensorsTensor("new", [2], [2f, 3f])]);

        var file = Safetensors.Load(path);
        Assert.False(file.Contains("old"));
        Assert.Equal([2f, 3f], file["new"].Data);
        Assert.Single(Directory.GetFiles(_dir)); // no temp file left behind
    }

    // ------------------------------------------------------------ byte-exact format

    [Fact]
    public void Read_HandBuiltSpecFile_DecodesTensorsInOffsetOrderAndMetadata()
    {
        // Entries deliberately listed out of offset order, metadata in the middle, header padded with spaces
        // to a length that leaves the data unaligned (legal: the reader must not assume alignment).
        string json = """{"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"__metadata__":{"k":"v"},"a":""" +
            """{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]}}   """;
        byte[] header = Encoding.ASCII.GetBytes(json);
        Assert.True(header.Length < 256);
        byte[] file =
        [
            (byte)header.Length, 0, 0, 0, 0, 0, 0, 0,
            .. header,
            0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0, // a = [1, -2]
            0x00, 0x00, 0x00, 0x3F, 0x00, 0x00, 0x40, 0x40, // b = [0.5, 3]
        ];

        var result = Safetensors.Read(new MemoryStream(file), Source);

        Assert.Equal(["a", "b"], result.Tensors.Select(t => t.Name));
        Assert.Equal([1, 2], result["a"].Shape);
        Assert.Equal([1f, -2f], result["a"].Data);
        Assert.Equal([2], result["b"].Shape);
        Assert.Equal([0.5f, 3f], result["b"].Data);
        Assert.Equal("v", Assert.Single(result.Metadata).Value);
    }

    [Fact]
    public void Write_TinyFile_ProducesExactBytes()
    {
        byte[] bytes = WriteToBytes([new SafetensorsTensor("a", [2], [1f, -2f])]);

        // 54 bytes of JSON, padded with 2 spaces so the data starts at 8 + 56 = 64.
        byte[] expected =
        [
            56, 0, 0, 0, 0, 0, 0, 0,
            .. Encoding.ASCII.GetBytes("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}  """),
            0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0,
        ];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void Write_WithMetadataAndScalar_ProducesExactHeader()
    {
        var metadata = new Dictionary<string, string> { ["z"] = "é", ["format"] = "pt" };
        byte[] bytes = WriteToBytes([new SafetensorsTensor("s", [], [1f]), new SafetensorsTensor("e", [0], [])], metadata);

        string expectedJson = """{"__metadata__":{"format":"pt","z":"é"},"s":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"e":""" +
            """{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}""";
        int jsonLength = Encoding.UTF8.GetByteCount(expectedJson);
        int headerLength = (jsonLength + 7) / 8 * 8;
        Assert.Equal((ulong)headerLength, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        Assert.Equal(expectedJson + new string(' ', headerLength - jsonLength), Encoding.UTF8.GetString(bytes, 8, headerLength));
        Assert.Equal(8 + headerLength + 4, bytes.Length);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    public void Write_AlwaysAlignsDataTo8BytesWithSpacePadding(int nameLength)
    {
        byte[] bytes = WriteToBytes([new SafetensorsTensor(new string('x', nameLength), [1], [42f])]);

        int headerLength = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        Assert.Equal(0, (8 + headerLength) % 8);
        string header = Encoding.UTF8.GetString(bytes, 8, headerLength);
        Assert.EndsWith("}", header.TrimEnd(' '));
        Assert.True(header.Length - header.TrimEnd(' ').Length < 8, "at most 7 padding spaces");
        Assert.Equal(42f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(8 + headerLength)));
    }

    // ------------------------------------------------------------ other stored dtypes

    [Fact]
    public void Read_F16_BF16_F64_AreConvertedToFloat()
    {
        string json = """{"h":{"dtype":"F16","shape":[4],"data_offsets":[0,8]},"b":""" +
            """{"dtype":"BF16","shape":[3],"data_offsets":[8,14]},"d":""" +
            """{"dtype":"F64","shape":[3],"data_offsets":[14,38]}}""";
        byte[] data =
        [
            0x00, 0x3C, 0x00, 0xC0, 0x00, 0x7C, 0x01, 0x00,             // F16: 1, -2, +inf, 2^-24 (smallest subnormal)
            0x80, 0x3F, 0x49, 0x40, 0x80, 0xFF,                         // BF16: 1, 3.140625, -inf
            0x18, 0x2D, 0x44, 0x54, 0xFB, 0x21, 0x09, 0x40,             // F64: pi
            0x9C, 0x75, 0x00, 0x88, 0x3C, 0xE4, 0x37, 0x7E,             // F64: 1e300, beyond float range
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xE0, 0xBF,             // F64: -0.5
        ];

        var file = Safetensors.Read(new MemoryStream(FileBytes(json, data)), Source);

        Assert.Equal([1f, -2f, float.PositiveInfinity, MathF.Pow(2, -24)], file["h"].Data);
        Assert.Equal([1f, 3.140625f, float.NegativeInfinity], file["b"].Data);
        Assert.Equal([(float)Math.PI, float.PositiveInfinity, -0.5f], file["d"].Data);
    }

    // ------------------------------------------------------------ refusals: length prefix and truncation

    [Fact]
    public void Read_EveryTruncationOfAValidFile_IsRefused()
    {
        byte[] valid = WriteToBytes(
            [
                new SafetensorsTensor("w", [2, 3], [1, 2, 3, 4, 5, 6]),
                new SafetensorsTensor("s", [], [7]),
                new SafetensorsTensor("e", [0], []),
                new SafetensorsTensor("b", [2], [8, 9]),
            ],
            new Dictionary<string, string> { ["format"] = "pt" });
        Assert.Equal(4, Safetensors.Read(new MemoryStream(valid), Source).Tensors.Count); // the whole file is fine

        for (int length = 0; length < valid.Length; length++)
        {
            byte[] prefix = valid[..length];
            var seekable = Assert.Throws<SafetensorsFormatException>(() => Safetensors.Read(new MemoryStream(prefix), Source));
            var streamed = Assert.Throws<SafetensorsFormatException>(() => Safetensors.Read(new TrickleStream(prefix, 3), Source));
            Assert.Contains(Source, seekable.Message);
            Assert.Contains(Source, streamed.Message);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    public void Read_FileShorterThanLengthPrefix_IsRefused(int length)
    {
        AssertRefused(new byte[length], "shorter than the 8-byte header length");
    }

    [Fact]
    public void Read_TrailingBytesAfterLastTensor_AreRefused()
    {
        byte[] valid = WriteToBytes([new SafetensorsTensor("a", [1], [1f])]);
        AssertRefused([.. valid, 0], "trailing bytes");
        AssertRefused([.. valid, 1, 2, 3, 4, 5, 6, 7, 8], "trailing bytes");
    }

    [Fact]
    public void Read_HeaderLengthZero_IsRefused()
    {
        AssertRefused(FileBytes("{}", [], headerLength: 0), "header length is 0");
    }

    [Theory]
    [InlineData(100_000_001UL)]
    [InlineData(ulong.MaxValue)]
    [InlineData(1UL << 63)]
    public void Read_HugeHeaderLength_IsRefused(ulong headerLength)
    {
        AssertRefused(FileBytes("{}", [], headerLength), "exceeds the 100000000-byte limit");
    }

    [Fact]
    public void Read_HeaderLengthPastEndOfFile_IsRefused()
    {
        byte[] file = FileBytes("{}", [], headerLength: 50);
        var e = Assert.Throws<SafetensorsFormatException>(() => Safetensors.Read(new MemoryStream(file), Source));
        Assert.Contains("header length 50 exceeds the 2 bytes", e.Message);
        var streamed = Assert.Throws<SafetensorsFormatException>(() => Safetensors.Read(new TrickleStream(file, 3), Source));
        Assert.Contains("file ends 2 bytes into it", streamed.Message);
    }

    [Fact]
    public void Read_LyingHeaderLengthOnShortStream_DoesNotAllocateIt()
    {
        byte[] file = FileBytes("{}", [], headerLength: 99_999_999);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<SafetensorsFormatException>(() => Safetensors.Read(new TrickleStream(file, 3), Source));
        Assert.Throws<SafetensorsFormatException>(() => Safetensors.Read(new MemoryStream(file), Source));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4_000_000, "allocation followed the claimed size");
    }

    [Fact]
    public void Read_LyingTensorSizeOnShortFile_DoesNotAllocateIt()
    {
        // 2 GB claimed, 16 bytes present.
        byte[] file = FileBytes("""{"a":{"dtype":"F32","shape":[500000000],"data_offsets":[0,2000000000]}}""", new byte[16]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var seekable = Assert.Throws<SafetensorsFormatException>(() => Safetensors.Read(new MemoryStream(file), Source));
        var streamed = Assert.Throws<SafetensorsFormatException>(() => Safetensors.Read(new TrickleStream(file, 3), Source));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4_000_000, "allocation followed the claimed size");
        Assert.Contains("reach past the end of the 16-byte data buffer", seekable.Message);
        Assert.Contains("file ends after 16", streamed.Message);
    }

    // ------------------------------------------------------------ refusals: hostile headers

    [Theory]
    [InlineData("""{not json}""", 0, "not valid JSON")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},}""", 4, "not valid JSON")] // trailing comma
    [InlineData("""{} x""", 0, "not valid JSON")]
    [InlineData("""[]""", 0, "must start with '{'")]
    [InlineData(""" {}""", 0, "must start with '{'")]
    [InlineData("""{"a":1}""", 0, "tensor 'a': the entry is a JSON number")]
    [InlineData("""{"a":{"shape":[1],"data_offsets":[0,4]}}""", 4, "tensor 'a': 'dtype' is missing")]
    [InlineData("""{"a":{"dtype":32,"shape":[1],"data_offsets":[0,4]}}""", 4, "tensor 'a': 'dtype' is a JSON number")]
    [InlineData("""{"a":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}""", 4, "tensor 'a': dtype 'I32' is not supported")]
    [InlineData("""{"a":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}""", 4, "tensor 'a': dtype 'f32' is not supported")]
    [InlineData("""{"a":{"dtype":"F32","data_offsets":[0,4]}}""", 4, "tensor 'a': 'shape' is missing")]
    [InlineData("""{"a":{"dtype":"F32","shape":"1","data_offsets":[0,4]}}""", 4, "tensor 'a': 'shape' is a JSON string")]
    [InlineData("""{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", 4, "tensor 'a': shape entry 0 is -1")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}""", 4, "tensor 'a': shape entry 0 is 1.5")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1,"2"],"data_offsets":[0,8]}}""", 8, "tensor 'a': shape entry 1 is \"2\"")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2147483648],"data_offsets":[0,4]}}""", 4, "tensor 'a': shape entry 0 is 2147483648")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2147483647,2147483647,2147483647],"data_offsets":[0,0]}}""",
        0, "tensor 'a': the element count of shape [2147483647, 2147483647, 2147483647] overflows")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2147483647,2],"data_offsets":[0,17179869176]}}""",
        0, "tensor 'a': 4294967294 elements is more than a float array can hold")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1]}}""", 4, "tensor 'a': 'data_offsets' is missing")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4]}}""", 4, "tensor 'a': 'data_offsets' is [4], expected [begin, end]")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":{"begin":0}}}""", 4, "tensor 'a': 'data_offsets' is {\"begin\":0}")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}""", 4, "tensor 'a': 'data_offsets' entry -4 is not an integer")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,18446744073709551615]}}""",
        4, "tensor 'a': 'data_offsets' entry 18446744073709551615 is not an integer")]
    [InlineData("""{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}}""", 8, "tensor 'a': data_offsets [8, 4] begin after their end")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}""",
        4, "tensor 'a': data_offsets [0, 4] span 4 bytes but shape [2] of F32 needs 8")]
    [InlineData("""{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,4]}}""",
        4, "tensor 'a': data_offsets [0, 4] span 4 bytes but shape [1] of F64 needs 8")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""",
        4, "tensor 'a': data_offsets [0, 8] reach past the end of the 4-byte data buffer")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""",
        12, "tensors 'a' [0, 8] and 'b' [4, 12] overlap")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""",
        4, "tensors 'a' [0, 4] and 'b' [0, 4] overlap")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"z":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}""",
        8, "tensors 'a' [0, 8] and 'z' [4, 4] overlap")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""",
        12, "bytes [4, 8) of the data buffer belong to no tensor (hole before tensor 'b')")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""",
        8, "bytes [0, 4) of the data buffer belong to no tensor (hole before tensor 'a')")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 8, "4 trailing bytes follow the last tensor")]
    [InlineData("""{}""", 1, "1 trailing bytes follow the last tensor")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""",
        8, "the header names 'a' twice")]
    [InlineData("""{"a":{"dtype":"F32","dtype":"F64","shape":[1],"data_offsets":[0,4]}}""", 4, "tensor 'a': 'dtype' is given twice")]
    [InlineData("""{"__metadata__":"pt"}""", 0, "'__metadata__' is a JSON string, expected an object of strings")]
    [InlineData("""{"__metadata__":null}""", 0, "'__metadata__' is a JSON null")]
    [InlineData("""{"__metadata__":{"k":1}}""", 0, "'__metadata__' entry 'k' is a JSON number, expected a string")]
    [InlineData("""{"__metadata__":{"k":"a","k":"b"}}""", 0, "'__metadata__' names 'k' twice")]
    [InlineData("""{"__metadata__":{},"__metadata__":{}}""", 0, "the header names '__metadata__' twice")]
    [InlineData("""{"\ud800":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 4, "invalid string")]
    public void Read_HostileHeader_IsRefusedNamingTheProblem(string json, int dataLength, string expected)
    {
        AssertRefused(FileBytes(json, new byte[dataLength]), expected);
    }

    [Fact]
    public void Read_HeaderThatIsNotUtf8_IsRefused()
    {
        byte[] header = [.. "{\""u8, 0xFF, 0xFE, .. "\":1}"u8];
        AssertRefused(FileBytes(header, []), "not valid UTF-8");
    }

    [Fact]
    public void Read_HeaderWithByteOrderMark_IsRefused()
    {
        AssertRefused(FileBytes([0xEF, 0xBB, 0xBF, .. "{}"u8], []), "must start with '{'");
    }

    [Fact]
    public void Read_HeaderPaddedWithNulInsteadOfSpaces_IsRefused()
    {
        AssertRefused(FileBytes([.. "{}"u8, 0, 0, 0, 0, 0, 0], []), "not valid JSON");
    }

    [Fact]
    public void Read_DeeplyNestedHeader_IsRefused()
    {
        string json = "{\"__metadata__\":" + new string('[', 10_000) + new string(']', 10_000) + "}";
        AssertRefused(FileBytes(json, []), "not valid JSON");
    }

    [Fact]
    public void Read_UnknownEntryFieldsAndSpacePadding_AreAccepted()
    {
        string json = """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"future":{"x":[1]}}}""" + "     ";
        var file = Safetensors.Read(new MemoryStream(FileBytes(json, BitConverter.GetBytes(5f))), Source);
        Assert.Equal([5f], file["a"].Data);
    }

    // ------------------------------------------------------------ lookup

    [Fact]
    public void Indexer_MissingTensor_NamesTensorFileAndWhatExists()
    {
        string path = Path.Combine(_dir, "lookup.safetensors");
        Safetensors.Save(path, [new SafetensorsTensor("present", [1], [1f])]);
        var file = Safetensors.Load(path);

        Assert.True(file.Contains("present"));
        Assert.False(file.Contains("absent"));
        var e = Assert.Throws<SafetensorsFormatException>(() => file["absent"]);
        Assert.Contains("'absent'", e.Message);
        Assert.Contains(path, e.Message);
        Assert.Contains("'present'", e.Message);
    }

    // ------------------------------------------------------------ writer validation and safe save

    public static TheoryData<SafetensorsTensor[], string> InvalidTensorSets => new()
    {
        { [new SafetensorsTensor("", [1], [1f])], "empty name" },
        { [new SafetensorsTensor("__metadata__", [1], [1f])], "'__metadata__', which is reserved" },
        { [new SafetensorsTensor("a", [1], [1f]), new SafetensorsTensor("a", [1], [2f])], "'a' appears twice" },
        { [new SafetensorsTensor("w", [2, 3], new float[5])], "tensor 'w' has shape [2, 3] (6 elements) but 5 data values" },
        { [new SafetensorsTensor("s", [], [])], "tensor 's' has shape [] (1 elements) but 0 data values" },
        { [new SafetensorsTensor("n", [-1], [])], "tensor 'n' has a negative dimension in shape [-1]" },
        { [new SafetensorsTensor("big", [int.MaxValue, int.MaxValue, int.MaxValue], [])], "tensor 'big' has shape" },
        { [new SafetensorsTensor("bad\ud800", [1], [1f])], "unpaired surrogate" },
        { [null!], "tensor #0 is null" },
    };

    [Theory]
    [MemberData(nameof(InvalidTensorSets))]
    public void Write_InvalidTensors_ThrowBeforeWritingAnything(SafetensorsTensor[] tensors, string expected)
    {
        var stream = new MemoryStream();
        var e = Assert.Throws<ArgumentException>(() => Safetensors.Write(stream, tensors));
        Assert.Contains(expected, e.Message);
        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public void Write_InvalidMetadata_Throws()
    {
        var tensors = new[] { new SafetensorsTensor("a", [1], [1f]) };
        var nullValue = new Dictionary<string, string> { ["k"] = null! };
        var badText = new Dictionary<string, string> { ["k"] = "\udc00" };
        Assert.Contains("'k'", Assert.Throws<ArgumentException>(() => Safetensors.Write(new MemoryStream(), tensors, nullValue)).Message);
        Assert.Contains("unpaired surrogate",
            Assert.Throws<ArgumentException>(() => Safetensors.Write(new MemoryStream(), tensors, badText)).Message);
    }

    [Fact]
    public void Save_ThatFailsValidation_LeavesExistingFileIntact()
    {
        string path = Path.Combine(_dir, "model.safetensors");
        Safetensors.Save(path, [new SafetensorsTensor("good", [2], [1f, 2f])]);
        byte[] before = File.ReadAllBytes(path);

        Assert.Throws<ArgumentException>(() => Safetensors.Save(path, [new SafetensorsTensor("bad", [3], [1f])]));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([1f, 2f], Safetensors.Load(path)["good"].Data);
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void Save_OverAFolderOrIntoAMissingOne_FailsNamingThePathAndLeavesNoTempFile()
    {
        string path = Path.Combine(_dir, "occupied");
        Directory.CreateDirectory(path);

        var e = Assert.ThrowsAny<IOException>(() => Safetensors.Save(path, [new SafetensorsTensor("a", [1], [1f])]));
        Assert.Contains(path, e.Message);
        Assert.Contains("folder", e.Message);
        string missing = Path.Combine(_dir, "no-such-folder", "m.safetensors");
        Assert.Contains(missing,
            Assert.ThrowsAny<IOException>(() => Safetensors.Save(missing, [new SafetensorsTensor("a", [1], [1f])])).Message);

        Assert.Empty(Directory.GetFiles(_dir));
        Assert.True(Directory.Exists(path));
    }

    // ------------------------------------------------------------ helpers

    private static SafetensorsFile RoundTrip(SafetensorsTensor[] tensors, bool seekable)
    {
        byte[] bytes = WriteToBytes(tensors);
        return Safetensors.Read(seekable ? new MemoryStream(bytes) : new TrickleStream(bytes, 3), Source);
    }

    [Fact]
    public void AMessageQuotingTheFileStaysOneLine()
    {
        // Found by the reader fuzzing (tests/Hebb.Tests/Fuzz): names from the header went into messages as they were.
        var file = FileBytes("{\"a\\nforged line\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]);
        var e = Assert.Throws<SafetensorsFormatException>(() => Safetensors.Read(new MemoryStream(file), Source));
        Assert.Equal($"safetensors file '{Source}': tensor 'a\\u000Aforged line': data_offsets [0, 8] span 8 bytes " +
            "but shape [1] of F32 needs 4", e.Message);
    }

    private static byte[] WriteToBytes(SafetensorsTensor[] tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var stream = new MemoryStream();
        Safetensors.Write(stream, tensors, metadata);
        return stream.ToArray();
    }

    private static byte[] FileBytes(string json, byte[] data, ulong? headerLength = null) =>
        FileBytes(Encoding.UTF8.GetBytes(json), data, headerLength);

    private static byte[] FileBytes(byte[] header, byte[] data, ulong? headerLength = null)
    {
        byte[] prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, headerLength ?? (ulong)header.Length);
        return [.. prefix, .. header, .. data];
    }

    /// <summary>Refused from a seekable stream with a message naming the file and containing
    /// <paramref name="expected"/>, and refused from a non-seekable one too.</summary>
    private static void AssertRefused(byte[] file, string expected)
    {
        var e = Assert.Throws<SafetensorsFormatException>(() => Safetensors.Read(new MemoryStream(file), Source));
        Assert.Contains(Source, e.Message);
        Assert.Contains(expected, e.Message);
        Assert.Equal(Source, e.SourceName);

        var streamed = Assert.Throws<SafetensorsFormatException>(() => Safetensors.Read(new TrickleStream(file, 3), Source));
        Assert.Contains(Source, streamed.Message);
    }
}
