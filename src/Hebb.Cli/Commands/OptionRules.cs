using System.CommandLine;

namespace Hebb.Cli.Commands;

/// <summary>Options that only some models take: given to another model, they are refused rather than
/// silently ignored, so that a run is never different from what the command line says.</summary>
public static class OptionRules
{
    /// <summary>Whether the user typed <paramref name="option"/> (a default value does not count).</summary>
    public static bool Given(this ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    /// <summary>Refuses each of <paramref name="options"/> that was given: "--hidden does not apply
    /// <paramref name="because"/>", e.g. because = "to --model lenet5 (it is for --model mlp)".</summary>
    /// <exception cref="ArgumentException">One of them was given.</exception>
    public static void Refuse(ParseResult parse, string because, params Option[] options)
    {
        foreach (var option in options)
            if (parse.Given(option)) throw new ArgumentException($"{option.Name} does not apply {because}");
    }

    /// <summary>Refuses the options that only other models take: "does not apply to --model M (it is for T)".</summary>
    public static void RefuseForModel(ParseResult parse, string model, string takenBy, params Option[] options) =>
        Refuse(parse, $"to --model {model} (it is for {takenBy})", options);
}
