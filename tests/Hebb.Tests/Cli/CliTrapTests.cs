

namespace Hebb.Tests.Cli;

/// <summary>What a new user meets first: help instead of an error, messages without .NET type names,
/// options that do not apply refused instead of ignored, and a word when nothing was saved.</summary>
public class CliTrapTests
{
    [Theory]
    [InlineData]
    [InlineData("train")]
    public void ACommandThatNeedsASubcommandShowsItsHelp(params string[] args)
    {
        var (code, stdout, stderr) = CliTests.Hebb(args);
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Contains("Usage:", stdout);
        Assert.Contains(args.Length == 0 ? "hebb [command]" : "hebb train [command]", stdout);
        Assert.DoesNotContain("Hebb.Cli", stdout);
        if (args.Length == 1) Assert.Contains("fashion-mnist", stdout);
    }

    [Fact]
    public void HelpAndVersionNameTheToolHebb()
    {
        var (code, stdout, _) = CliTests.Hebb("--help");
        Assert.Equal(0, code);
        Assert.Contains("hebb [command] [options]", stdout);
        Assert.Contains("--threads", stdout);
        (code, stdout, _) = CliTests.Hebb("--version");
        Assert.Equal(0, code);
        Assert.Matches(@"^\d+\.\d+\.\d+", stdout.Trim());
    }

    [Theory]
    [InlineData("--epochs", "abc", "as a whole number")]
    [InlineData("--lr", "fast", "as a number")]
    public void ANumberThatIsNotOneSaysSoInWords(string option, string value, string expected)
    {
        var (code, _, stderr) = CliTests.Hebb("train", "mnist", option, value);
        Assert.Equal(2, code);
        Assert.Contains(expected, stderr);
        Assert.DoesNotContain("System.", stderr);
    }

    [Theory]
    [InlineData("--hidden does not apply to --model lenet5", "train", "mnist", "--model", "lenet5", "--hidden", "64")]
    [InlineData("--init does not apply to --model lenet5", "train", "mnist", "--model", "lenet5", "--init", "he")]
    [InlineData("--activation does not apply to --model lenet5", "train", "mnist", "--model", "lenet5", "--activation", "relu")]
    [InlineData("--hidden does not apply to --model gpt", "train", "text", "--model", "gpt", "--hidden", "64")]
    [InlineData("--tbptt does not apply to --model gpt", "train", "text", "--model", "gpt", "--tbptt")]
    [InlineData("--heads does not apply to --model lstm", "train", "text", "--heads", "2")]
    [InlineData("--hidden: '' is not a positive layer size", "train", "mnist", "--hidden", "16,,16")]
    [InlineData("--threads must be at least 1", "info", "--threads", "0")]
    [InlineData("--hidden does not apply with --model", "summary", "--model", "any.safetensors", "--hidden", "32")]
    public void AnOptionThatDoesNotApplyIsRefused(string expected, params string[] args)
    {
        var (code, stdout, stderr) = CliTests.Hebb(args);
        Assert.NotEqual(0, code);
        Assert.Contains(expected, stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.DoesNotContain("training on", stdout); // refused before any work
    }

    [Fact]
    public void ThreadsSetsTheKernelsThreadCount()
    {
        var (code, stdout, _) = CliTests.Hebb("info", "--threads", "1");
        Assert.Equal(0, code);
        Assert.Contains("threads: 1", stdout);
    }

    [Fact]
    public void ATrainingRunWithoutOutSaysTheModelWasNotSaved()
    {
        var (code, stdout, stderr) = CliTests.Hebb("train", "mnist", "--train-limit", "300", "--epochs", "1", "--threads", "1");
        Assert.True(code == 0, stderr);
        Assert.Contains("the model was not saved (add --out FILE.safetensors to keep it)", stdout);
    }
}
