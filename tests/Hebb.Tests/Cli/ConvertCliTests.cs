using Hebb.Tests.Models;

namespace Hebb.Tests.Cli;

/// <summary>`hebb convert --from-pytorch`, then the converted file in `hebb generate`, run as separate processes.</summary>
public class ConvertCliTests
{
    private static (int ExitCode, string Stdout, string Stderr) Hebb(params string[] args) => CliTests.Hebb(args);

    [Fact]
    public void AConvertedCharLstmGenerates()
    {
        var dir = Directory.CreateTempSubdirectory("hebb-convert-");
        try
        {
            string output = Path.Combine(dir.FullName, "lstm.safetensors");
            var (code, stdout, stderr) = Hebb("convert", "--from-pytorch", Path.Combine(PyTorchImportTests.Dir, "char_lstm.safetensors"),
                "--config", Path.Combine(PyTorchImportTests.Dir, "char_lstm.json"), "--out", output);
            Assert.True(code == 0, stderr);
            Assert.Contains("char-rnn, 1,613 parameters", stdout);
            (code, stdout, stderr) = Hebb("generate", "--model", output, "--prompt", "romeo:", "--length", "20", "--seed", "1");
            Assert.True(code == 0, stderr);
            Assert.StartsWith("romeo:", stdout);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void APickleIsRefusedWithHowToConvertIt()
    {
        var dir = Directory.CreateTempSubdirectory("hebb-convert-");
        try
        {
            string zip = Path.Combine(dir.FullName, "model.pt"), pickle = Path.Combine(dir.FullName, "model.bin");
            File.WriteAllBytes(zip, [(byte)'P', (byte)'K', 3, 4, 20, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0]);
            File.WriteAllBytes(pickle, [0x80, 2, (byte)'}', (byte)'q', 0, (byte)'.', 0, 0, 0, 0]);
            foreach (var file in new[] { zip, pickle })
            {
                var (code, _, stderr) = Hebb("convert", "--from-pytorch", file,
                    "--config", Path.Combine(PyTorchImportTests.Dir, "mlp.json"), "--out", Path.Combine(dir.FullName, "out.safetensors"));
                Assert.Equal(1, code);
                Assert.Contains("pickle", stderr);
                Assert.Contains("runs whatever code it holds", stderr);
                Assert.Contains("save_file", stderr);
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
