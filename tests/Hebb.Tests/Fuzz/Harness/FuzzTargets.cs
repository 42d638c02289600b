using System.Buffers.Binary;
using System.Text;
using Hebb.Cli.Recipes;
using Hebb.Data;
using Hebb.IO;
using Hebb.Models;
using Hebb.NN;
using Hebb.Optim;
using Hebb.Training;

namespace Hebb.Fuzzing;

/// <summary>
/// Every reader of files Hebb may be handed, as one entry each: its name, the call, valid seeds built in code from
/// the real writers, and the exception types it documents for bad input. Adding a reader is adding an entry to
/// <see cref="All"/>, e.g.
/// <code>new FuzzTarget("csv", "CsvTable.Load(path)", [new FuzzSeed("table.csv", bytes, SeedFormat.Utf8Text)],
///     input => CsvTable.Load(input.Path), [typeof(InvalidDataException)])</code>
/// </summary>
internal static class FuzzTargets
{
    private static readonly Lazy<IReadOnlyList<FuzzTarget>> Targets = new(Build);

    /// <summary>The readers, in the order of the report.</summary>
    public static IReadOnlyList<FuzzTarget> All => Targets.Value;

    private static IReadOnlyList<FuzzTarget> Build()
    {
        var idx = IdxSeeds();
        var (images, labels) = (idx[0].Bytes, idx[2].Bytes);
        var models = ModelSeeds();
        return
        [
            new("idx", "Idx.Read(path)", idx, input => Idx.Read(input.Path), [typeof(InvalidDataException)]),
            new("idx-stream", "Idx.Read(stream) on a pipe", idx,
                input => Idx.Read(input.TrickleStream(), "pipe"), [typeof(InvalidDataException)]),
            new("mnist", "MnistDataset.FromFiles(images, labels)", idx.Where(s => s.Name.Contains("-3d")).Concat(
                idx.Where(s => s.Name.Contains("-1d"))).ToList(),
                input => _ = input.Seed.Name.Contains("-1d")
                    ? MnistDataset.FromFiles(input.Companion("images.idx", images), input.Path)
                    : MnistDataset.FromFiles(input.Path, input.Companion("labels.idx", labels)),
                [typeof(InvalidDataException)]),
            new("safetensors", "Safetensors.Read(stream)", SafetensorsSeeds(),
                input => Safetensors.Read(input.Stream(), "case"), [typeof(SafetensorsFormatException)]),
            new("safetensors-stream", "Safetensors.Read(stream) on a pipe", SafetensorsSeeds(),
                input => Safetensors.Read(input.TrickleStream(), "pipe"), [typeof(SafetensorsFormatException)]),
            new("checkpoint", "Checkpoint.Load(path)", CheckpointSeeds(),
                input => Checkpoint.Load(input.Path), [typeof(InvalidDataException), typeof(FileNotFoundException)]),
            new("model-file", "ModelFactory.Load(path)", models,
                input => ModelFactory.Load(input.Path), ModelFileErrors),
            new("language-model", "LanguageModelRecipe.Load(path)", models.Where(s => s.Name.StartsWith("char-", StringComparison.Ordinal)
                    || s.Name.StartsWith("gpt", StringComparison.Ordinal)).ToList(),
                input => LanguageModelRecipe.Load(input.Path), ModelFileErrors),
            new("text", "CharDataset.Load(path)", TextSeeds(),
                input => CharDataset.Load(input.Path), [typeof(InvalidDataException)]),
            new("char-vocab", "CharVocabulary.FromChars(string)",
                [new FuzzSeed("vocab.utf16", Encoding.Unicode.GetBytes(Vocabulary), SeedFormat.Utf16Text)],
                input => CharVocabulary.FromChars(new string(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, char>(input.Bytes))),
                [typeof(InvalidDataException)]),
            new("csv", "CsvTable.Load(path)", TableSeeds(),
                input => CsvTable.Load(input.Path), [typeof(InvalidDataException), typeof(FileNotFoundException)]),
            new("table", "TablePreprocessor.Fit(CsvTable.Load(path), \"kind\").ToDataset(...)", TableSeeds(), input =>
            {
                var table = CsvTable.Load(input.Path);
                var pre = TablePreprocessor.Fit(table, "kind");
                _ = pre.ToDataset(table, [.. Enumerable.Range(0, table.RowCount)]);
            }, [typeof(InvalidDataException), typeof(ArgumentException)]),
            new("image", "ImageFolder.LoadImage(path, 1, 8, 8)", ImageSeeds(),
                input => ImageFolder.LoadImage(input.Path, 1, 8, 8), [typeof(InvalidDataException), typeof(IOException)]),
        ];
    }

    /// <summary>A small table as users have them: a header, numbers, a categorical column, a quoted cell with a comma,
    /// and the target 'kind' last; and the same with semicolons.</summary>
    private static List<FuzzSeed> TableSeeds()
    {
        const string csv = "weight,colour,note,kind\n4.5,black,\"small, shy\",cat\n30,brown,big,dog\n5.25,white,-,cat\n" +
            "25,black,\"says \"\"woof\"\"\",dog\n-1e-3,white,x,cat\n";
        return [new("table.csv", Encoding.UTF8.GetBytes(csv), SeedFormat.Utf8Text),
            new("crlf.csv", Encoding.UTF8.GetBytes(csv.Replace("\n", "\r\n")), SeedFormat.Utf8Text)];
    }

    /// <summary>An 8x8 image with a gradient and an edge, written as PNG (gray and RGB), JPEG and BMP.</summary>
    private static List<FuzzSeed> ImageSeeds()
    {
        var gray = new byte[64];
        for (int i = 0; i < 64; i++) gray[i] = (byte)(i % 8 < 4 ? i * 4 : 255 - i);
        var rgb = gray.SelectMany(v => new[] { v, (byte)(255 - v), (byte)(v / 2) }).ToArray();
        var writer = new StbImageWriteSharp.ImageWriter();
        byte[] Write(Action<Stream> write)
        {
            using var stream = new MemoryStream();
            write(stream);
            return stream.ToArray();
        }
        const StbImageWriteSharp.ColorComponents Grey = StbImageWriteSharp.ColorComponents.Grey;
        const StbImageWriteSharp.ColorComponents Rgb = StbImageWriteSharp.ColorComponents.RedGreenBlue;
        return
        [
            new("gray.png", Write(s => writer.WritePng(gray, 8, 8, Grey, s)), SeedFormat.Binary),
            new("rgb.png", Write(s => writer.WritePng(rgb, 8, 8, Rgb, s)), SeedFormat.Binary),
            new("gray.jpg", Write(s => writer.WriteJpg(gray, 8, 8, Grey, s, 90)), SeedFormat.Binary),
            new("rgb.bmp", Write(s => writer.WriteBmp(rgb, 8, 8, Rgb, s)), SeedFormat.Binary),
        ];
    }

    /// <summary>What ModelFactory.Load documents (and LanguageModelRecipe.Load, which calls it).</summary>
    private static readonly Type[] ModelFileErrors =
        [typeof(InvalidDataException), typeof(SafetensorsFormatException), typeof(FileNotFoundException)];

    /// <summary>A vocabulary in id order (sorted), with a character outside the BMP.</summary>
    private const string Vocabulary = "\n !',.?ABabcdeé\U0001F600";

    // ---------------------------------------------------------------- seeds

    /// <summary>IDX files as MNIST has them, raw and gzipped: 3 images of 4x5 pixels, their 3 labels, and a 2-d and a 4-d array.</summary>
    private static List<FuzzSeed> IdxSeeds()
    {
        byte[] images = IdxFile([3, 4, 5], i => (byte)(i * 37));
        byte[] labels = IdxFile([3], i => (byte)(i * 4 % 10));
        byte[] matrix = IdxFile([2, 3], i => (byte)i);
        byte[] four = IdxFile([1, 2, 2, 2], i => (byte)(255 - i));
        return
        [
            new("images-3d.idx", images, SeedFormat.Idx),
            new("images-3d.idx.gz", FuzzMutations.Gzip(images), SeedFormat.GzipIdx),
            new("labels-1d.idx", labels, SeedFormat.Idx),
            new("labels-1d.idx.gz", FuzzMutations.Gzip(labels), SeedFormat.GzipIdx),
            new("matrix-2d.idx", matrix, SeedFormat.Idx),
            new("array-4d.idx.gz", FuzzMutations.Gzip(four), SeedFormat.GzipIdx),
        ];
    }

    private static byte[] IdxFile(int[] shape, Func<int, byte> value)
    {
        int count = shape.Aggregate(1, (a, b) => a * b);
        var file = new byte[4 + 4 * shape.Length + count];
        file[2] = Idx.UnsignedByteType;
        file[3] = (byte)shape.Length;
        for (int i = 0; i < shape.Length; i++) BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(4 + 4 * i), shape[i]);
        for (int i = 0; i < count; i++) file[4 + 4 * shape.Length + i] = value(i);
        return file;
    }

    /// <summary>A file from Safetensors.Write (F32: a matrix, a scalar, an empty tensor, metadata) and one written by hand
    /// with the other dtypes the reader converts (F16, BF16, F64).</summary>
    private static List<FuzzSeed> SafetensorsSeeds()
    {
        using var written = new MemoryStream();
        Safetensors.Write(written,
        [
            new SafetensorsTensor("layer.0.weight", [2, 3], [1, -2, 3.5f, 0, float.MaxValue, -0f]),
            new SafetensorsTensor("layer.0.bias", [2], [0.5f, -0.5f]),
            new SafetensorsTensor("scale", [], [2]),
            new SafetensorsTensor("empty", [0, 4], []),
        ], new Dictionary<string, string> { ["model"] = "mlp", ["note"] = "ünïcode ✓" });

        var data = new List<byte>();
        void Add(ReadOnlySpan<byte> b) => data.AddRange(b.ToArray());
        Span<byte> buf = stackalloc byte[8];
        foreach (var h in new[] { (Half)1.5, (Half)(-2), Half.MaxValue })
        {
            BinaryPrimitives.WriteHalfLittleEndian(buf, h);
            Add(buf[..2]);
        }
        foreach (float f in new[] { 1f, -3.25f })
        {
            BinaryPrimitives.WriteUInt16LittleEndian(buf, (ushort)(BitConverter.SingleToInt32Bits(f) >>> 16));
            Add(buf[..2]);
        }
        foreach (double d in new[] { Math.PI, 1e300 })
        {
            BinaryPrimitives.WriteDoubleLittleEndian(buf, d);
            Add(buf);
        }
        string header = "{\"__metadata__\":{\"format\":\"pt\"},\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]}," +
            "\"b\":{\"dtype\":\"BF16\",\"shape\":[2,1],\"data_offsets\":[6,10]}," +
            "\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[10,26]}}";
        return
        [
            new("written.safetensors", written.ToArray(), SeedFormat.Safetensors),
            new("dtypes.safetensors", FuzzMutations.Frame(Encoding.UTF8.GetBytes(header), [.. data]), SeedFormat.Safetensors),
        ];
    }

    /// <summary>Checkpoints from Checkpoint.Capture(...).Write: Adam after two steps (moments, step count) with identity,
    /// progress, a saved extra tensor and a data generator; SGD with momentum before its first step (no buffers yet).</summary>
    private static List<FuzzSeed> CheckpointSeeds()
    {
        byte[] Make(bool adam)
        {
            var gen = new Generator(3);
            var model = new Sequential(new Linear(3, 4, gen), new ReLU(), new Dropout(0.25, gen.Fork()), new Linear(4, 2, gen));
            Optimizer optimizer = adam ? new Adam(model.Parameters(), 1e-2) : new SGD(model.Parameters(), 0.1, momentum: 0.9);
            for (int step = 0; adam && step < 2; step++)
            {
                var loss = model.Forward(Tensor.Randn(gen, 5, 3)).Sum();
                optimizer.ZeroGrad();
                loss.Backward();
                optimizer.Step();
            }
            var checkpoint = Checkpoint.Capture(model, optimizer, [new("data", new Generator(7))]);
            checkpoint.Identity["model"] = "mlp 3-4-2";
            checkpoint.Identity["data"] = "fingerprint 1234";
            checkpoint.Progress["epoch"] = "2";
            checkpoint.Progress["position"] = "17";
            checkpoint.SetTensor("best.0.weight", Tensor.Randn(gen, 4, 3));
            using var stream = new MemoryStream();
            checkpoint.Write(stream);
            return stream.ToArray();
        }
        return [new("adam.ckpt", Make(adam: true), SeedFormat.Safetensors), new("sgd.ckpt", Make(adam: false), SeedFormat.Safetensors)];
    }

    /// <summary>Model files from ModelFile.Save with their config's metadata: an MLP, a LeNet-5 on 12x12 images, a two-layer
    /// character LSTM and a one-layer GPT, the language models with their vocabulary.</summary>
    private static List<FuzzSeed> ModelSeeds()
    {
        string folder = Directory.CreateTempSubdirectory("hebb-fuzz-seeds-").FullName;
        try
        {
            byte[] Save(IModelConfig config, Dictionary<string, string>? extra = null)
            {
                var meta = config.ToMetadata();
                foreach (var (k, v) in extra ?? []) meta[k] = v;
                string path = Path.Combine(folder, config.Kind + ".safetensors");
                ModelFile.Save(path, config.Build(new Generator(0)), meta);
                return File.ReadAllBytes(path);
            }
            var vocab = new Dictionary<string, string> { ["tokenizer"] = "char", ["vocab"] = Vocabulary, ["dataset"] = "fuzz" };
            int vocabSize = CharVocabulary.FromChars(Vocabulary).Count;
            return
            [
                new("mlp.safetensors", Save(new MlpConfig([6, 4, 3], Activation.Relu, Activation.None),
                    new() { ["dataset"] = "mnist" }), SeedFormat.Safetensors),
                new("lenet5.safetensors", Save(new LeNet5Config(Dropout: 0.1, ImageSize: 12, Classes: 3)), SeedFormat.Safetensors),
                new("char-lstm.safetensors", Save(new CharRnnConfig(RecurrentCell.Lstm, vocabSize, EmbeddingDim: 3, Hidden: 4,
                    Layers: 2), vocab), SeedFormat.Safetensors),
                new("gpt.safetensors", Save(new GptConfig(vocabSize, Layers: 1, Heads: 2, EmbeddingDim: 4, BlockSize: 8), vocab),
                    SeedFormat.Safetensors),
            ];
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>UTF-8 texts: plain English lines, and one with a byte-order mark and characters from several scripts.</summary>
    private static List<FuzzSeed> TextSeeds() =>
    [
        new("plain.txt", Encoding.UTF8.GetBytes("First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n"),
            SeedFormat.Utf8Text),
        new("bom.txt", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("naïve café — Ωμέγα, 東京, 😀 done.\r\nline two\n")],
            SeedFormat.Utf8Text),
    ];
}
