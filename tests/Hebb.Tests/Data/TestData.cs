using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Hebb.Tests.Data;

/// <summary>Shared helpers for the data tests: the real datasets folder, temp folders and hand-made IDX bytes.</summary>
internal static class TestData
{
    /// <summary>
    /// The folder holding mnist/, fashion-mnist/ and tinyshakespeare/: $HEBB_DATASETS if set, else the
    /// first <c>shared/datasets</c> found walking up from the test binaries. Throws (failing the test,
    /// never skipping it) when neither exists.
    /// </summary>
    public static string DatasetsRoot
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("HEBB_DATASETS");
            if (!string.IsNullOrWhiteSpace(env))
            {
                string full = Path.GetFullPath(env);
                if (!Directory.Exists(full))
                    throw new InvalidOperationException(
                        $"HEBB_DATASETS is set to '{env}' ({full}), but that folder does not exist.");
                return full;
            }

            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "shared", "datasets");
                if (Directory.Exists(candidate))
                    return candidate;
            }

            throw new InvalidOperationException(
                "Real datasets not found: HEBB_DATASETS is unset and no shared/datasets folder exists above " +
                $"{AppContext.BaseDirectory}. Set HEBB_DATASETS to the folder holding mnist/, fashion-mnist/ and tinyshakespeare/.");
        }
    }

    /// <summary>Builds an IDX file: magic 0x00 0x00, type, dimension count, big-endian dims, then data.</summary>
    public static byte[] IdxBytes(int[] dims, byte[] data, byte type = 0x08)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        bytes[2] = type;
        bytes[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++)
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    public static byte[] Gzip(byte[] raw)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
            gz.Write(raw);
        return ms.ToArray();
    }

    public static string Md5Hex(byte[] bytes) => Convert.ToHexStringLower(MD5.HashData(bytes));

    /// <summary>Ascending bytes 0, 1, 2, ... (wrapping), handy for checking order.</summary>
    public static byte[] Ramp(int length)
    {
        var data = new byte[length];
        for (int i = 0; i < length; i++)
            data[i] = (byte)i;
        return data;
    }

    public static TempFolder CreateTempFolder() => new();

    /// <summary>A fresh folder under the system temp folder, deleted on dispose.</summary>
    public sealed class TempFolder : IDisposable
    {
        public TempFolder() => Path = Directory.CreateTempSubdirectory("hebb-data-test-").FullName;

        public string Path { get; }

        public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

        /// <summary>Writes a file (creating its folder) and returns its full path.</summary>
        public string Write(string relativePath, byte[] bytes)
        {
            string full = Combine(relativePath);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, bytes);
            return full;
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: the temp folder is cleaned by the OS eventually.
            }
        }
    }

    /// <summary>A non-seekable read-only stream, like a pipe or a network body.</summary>
    public sealed class ForwardOnlyStream(byte[] bytes) : Hebb.Data.ReadOnlyForwardStream
    {
        private readonly MemoryStream _inner = new(bytes);

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 7));
    }
}
