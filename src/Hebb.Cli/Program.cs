using System.CommandLine;
using System.CommandLine.Help;
using System.Text.RegularExpressions;
using Hebb.Cli.Commands;

namespace Hebb.Cli;

/// <summary>The `hebb` command-line tool.</summary>
public static partial class Program
{
    /// <summary>`--threads N`, for every command: how many threads Hebb's kernels may use.</summary>
    private static readonly Option<int?> Threads = new("--threads")
    {
        Description = "threads for Hebb's kernels (default: all cores); results do not depend on it",
        Recursive = true,
    };

    /// <summary>Runs the tool: parses <paramref name="args"/>, runs the command, returns the exit code
    /// (0 done, 1 the command failed, 2 the command line is wrong).</summary>
    public static int Main(string[] args)
    {
        // The root is named for the command users type, whatever the file that runs it is called
        // (a RootCommand takes the executable's name, which is Hebb.Cli under `dotnet run`).
        var root = new Command("hebb", "Hebb: deep learning in pure C#. Trains, evaluates and inspects networks.")
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
            PredictCommand.Create(),
            ExportCommand.Create(),
            ConvertCommand.Create(),
            new HelpOption(),
            new VersionOption(),
            Threads,
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
            // A command that only groups others ('hebb', 'hebb train') answers with its help.
            if (parsed.UnmatchedTokens.Count == 0 && parsed.CommandResult.Command.Subcommands.Count > 0
                && parsed.Errors.All(e => e.SymbolResult is null || e.SymbolResult == parsed.CommandResult))
                return root.Parse([.. args, "--help"]).Invoke();
            // One clear line, no help dump or stack trace.
            // An unknown token says more than the "required command" it causes ('hebb train cifar').
            var error = parsed.Errors.FirstOrDefault(e => parsed.UnmatchedTokens.Any(t => e.Message.Contains($"'{t}'")))
                ?? parsed.Errors[0];
            Console.Error.WriteLine($"hebb: {Plain(error.Message)} (see 'hebb --help')");
            return 2;
        }
        int? threads = parsed.GetValue(Threads);
        if (threads < 1)
        {
            Console.Error.WriteLine($"hebb: --threads must be at least 1, got {threads}");
            return 2;
        }
        using var settings = ComputeSettings.Use(threads: threads); // null keeps the default (all cores)
        return parsed.Invoke();
    }

    /// <summary>A parser message in a user's words: one line, and a number type named as such rather than
    /// as a .NET type ("as expected type 'System.Int32'").</summary>
    internal static string Plain(string message)
    {
        var lines = message.Split((char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        message = string.Join(" ", lines);
        // Nullable options name their type as System.Nullable`1[[System.Double, ...]]: look inside.
        return TypeName().Replace(message, m => m.Groups[1].Value switch
        {
            var t when t.Contains("System.Int32", StringComparison.Ordinal) || t.Contains("System.Int64", StringComparison.Ordinal)
                => "as a whole number",
            var t when t.Contains("System.Double", StringComparison.Ordinal) || t.Contains("System.Single", StringComparison.Ordinal)
                => "as a number",
            var t when t.Contains("System.Boolean", StringComparison.Ordinal) => "as true or false",
            _ => "as a value of the expected kind",
        });
    }

    [GeneratedRegex(@"as expected type '([^']+)'")]
    private static partial Regex TypeName();

    /// <summary>0.9161 as "91.61%".</summary>
    public static string Percent(double fraction) =>
        (fraction * 100).ToString("F2", System.Globalization.CultureInfo.InvariantCulture) + "%";

    /// <summary>Runs a command body, turning expected failures (bad input, missing data, bad files) into one line
    /// and exit code 1.</summary>
    public static int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (InsufficientMemoryException e)
        {
            Console.Error.WriteLine($"hebb: {e.Message}");
            return 1;
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
