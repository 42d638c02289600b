using Hebb.Cli.Pictures;
using Hebb.IO;

namespace Hebb.Tests.IO;

/// <summary>The temp-file-then-rename write behind Safetensors.Save and Png.Save.</summary>
public sealed class AtomicFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hebb-atomic-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void WritesTheFileAndReplacesAnOldOneLeavingNoTempFile()
    {
        string path = Path.Combine(_dir, "out.bin");
        File.WriteAllText(path, "old");
        AtomicFile.Write(path, s => s.Write([1, 2, 3]));
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
        Assert.Equal(["out.bin"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void AWriterThatFailsPartWayLeavesTheOldFileAndNoTempFile()
    {
        string path = Path.Combine(_dir, "out.bin");
        File.WriteAllText(path, "old");
        var e = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[10_000]); // past the buffer: bytes reach the temp file before the failure
            throw new InvalidOperationException("writer failed");
        }));
        Assert.Equal("writer failed", e.Message); // the writer's own exception, not a cleanup error
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(["out.bin"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void TheTempFileOfAWriterKilledLongAgoIsRemovedByTheNextWrite()
    {
        string path = Path.Combine(_dir, "run.ckpt");
        string killed = Path.Combine(_dir, ".run.ckpt.0123456789abcdef0123456789abcdef.tmp");
        string recent = Path.Combine(_dir, ".run.ckpt.fedcba9876543210fedcba9876543210.tmp");
        string other = Path.Combine(_dir, ".other.ckpt.0123456789abcdef0123456789abcdef.tmp");
        foreach (var f in new[] { killed, recent, other }) File.WriteAllText(f, "partial");
        File.SetLastWriteTimeUtc(killed, DateTime.UtcNow - AtomicFile.LeftoverAge - TimeSpan.FromMinutes(1));
        File.SetLastWriteTimeUtc(other, DateTime.UtcNow - AtomicFile.LeftoverAge - TimeSpan.FromMinutes(1));

        AtomicFile.Write(path, s => s.Write([1]));
        // Only the old leftover of this target goes: a recent one may belong to a writer still at work.
        Assert.Equal([".other.ckpt.0123456789abcdef0123456789abcdef.tmp", ".run.ckpt.fedcba9876543210fedcba9876543210.tmp", "run.ckpt"],
            Directory.GetFiles(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void AMissingFolderOrAFolderAsTheTargetIsRefusedNamingThePath()
    {
        string missing = Path.Combine(_dir, "no-such-folder", "out.bin");
        var e = Assert.Throws<IOException>(() => AtomicFile.Write(missing, s => s.WriteByte(1)));
        Assert.Contains(missing, e.Message);
        Assert.Contains("does not exist", e.Message);
        e = Assert.Throws<IOException>(() => AtomicFile.Write(_dir, s => s.WriteByte(1)));
        Assert.Contains(_dir, e.Message);
        Assert.Contains("is a folder", e.Message);
        Assert.Empty(Directory.GetFiles(_dir));
    }
}
