using Hebb.IO;

namespace Hebb.Tests.IO;

/// <summary>A file that is not safetensors at all is named for what it looks like, not reported as a
/// header of some absurd length.</summary>
public class ForeignFileTests
{
    public static IEnumerable<object[]> Files() =>
    [
        ["{\"model\": \"mlp\", \"sizes\": [784, 16, 10]}"u8.ToArray(), "a JSON or text file"],
        ["hello, this is a text file\n"u8.ToArray(), "a text file"],
        [new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13 }, "a PNG image"],
        [new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 0, 16, (byte)'J', (byte)'F', (byte)'I', (byte)'F' }, "a JPEG image"],
        [new byte[] { (byte)'P', (byte)'K', 3, 4, 20, 0, 0, 0, 8, 0 }, "a zip archive (a PyTorch .pt/.pth/.bin file"],
        [new byte[] { 0x80, 0x04, 0x95, 0x10, 0, 0, 0, 0, 0, 0, 0 }, "a Python pickle"],
        [new byte[] { 0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3 }, "a gzip archive"],
    ];

    [Theory]
    [MemberData(nameof(Files))]
    public void IsNamedForWhatItIs(byte[] content, string kind)
    {
        string path = Path.Combine(Path.GetTempPath(), $"hebb-foreign-{Guid.NewGuid():N}.safetensors");
        try
        {
            File.WriteAllBytes(path, content);
            var e = Assert.Throws<SafetensorsFormatException>(() => Safetensors.Load(path));
            Assert.Contains("not a safetensors file: it starts like " + kind, e.Message);
            Assert.Contains(path, e.Message);
            Assert.DoesNotContain("header length", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ATruncatedSafetensorsFileIsStillCalledTruncated()
    {
        string path = Path.Combine(Path.GetTempPath(), $"hebb-truncated-{Guid.NewGuid():N}.safetensors");
        try
        {
            new Hebb.NN.Linear(3, 2, new Generator(0)).Save(path);
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes[..20]);
            var e = Assert.Throws<SafetensorsFormatException>(() => Safetensors.Load(path));
            Assert.Contains("truncated", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
