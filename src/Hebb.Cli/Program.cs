using System.CommandLine;
using Hebb.Cli.Commands;

namespace Hebb.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("Hebb: deep learning in pure C#. Trains, evaluates and inspects networks.")
        {
            TrainCommand.Create(),
            EvalCommand.Create(),
            SummaryCommand.Create(),
            InfoCommand.Create(),
            GenerateCommand.Create(),
            EmbedCommand.Create(),
            PerceptronCommand.Create(),
            LogisticCommand.Create(),
            WeightsCommand.Create(),
            AttentionCommand.Create(),
        };
        if (Console.IsOutputRedirected)
        {
            // Logs and CI: plain text, no wrapping at 80 columns.
            Spectre.Console.AnsiConsole.Profile.Capabilities.Ansi = false;
            Spectre.Console.AnsiConsole.Profile.Width = 200;
        }
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // One clear line, no help dump or stack trace.
            // An unknown token says more than the "required command" it causes ('hebb train cifar').
            var error = parsed.Errors.FirstOrDefault(e => parsed.UnmatchedTokens.Any(t => e.Message.Contains($"'{t}'")))
                ?? parsed.Errors[0];
            var message = string.Join(" ", error.Message.Split(
                (char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            Console.Error.WriteLine($"hebb: {message} (see 'hebb --help')");
            return 2;
        }
        return parsed.Invoke();
    }

    /// <summary>0.9161 as "91.61%".</summary>
    public static string Percent(double fraction) =>
        (fraction * 100).ToString("F2", System.Globalization.CultureInfo.InvariantCulture) + "%";

    /// <summary>Runs a command body, turning expected failures (bad input, missing data, bad files) into one line and exit
    /// code 1.</summary>
    public static int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (OutOfMemoryException)
        {
            Console.Error.WriteLine("hebb: not enough memory for this model or option (choose smaller sizes)");
            return 1;
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or UnauthorizedAccessException
                                       or ArithmeticException or InvalidOperationException or Hebb.Data.DatasetNotFoundException)
        {
            Console.Error.WriteLine($"hebb: {LibraryErrors.Describe(e)}");
            return 1;
        }
    }
}
