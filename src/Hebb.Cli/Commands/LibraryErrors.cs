namespace Hebb.Cli.Commands;

/// <summary>
/// Library errors name the parameter a caller passed (learningRate, batchSize); a user of the tool typed a
/// flag. This turns the one into the other, so the message points at what the user can change.
/// </summary>
public static class LibraryErrors
{
    /// <summary>Library parameter names and the flags that set them.</summary>
    private static readonly Dictionary<string, string> Flags = new(StringComparer.Ordinal)
    {
        ["learningRate"] = "--lr",
        ["batchSize"] = "--batch-size",
        ["epochs"] = "--epochs",
        ["steps"] = "--steps",
        ["maxNorm"] = "--clip",
        ["ClipGradNorm"] = "--clip",
        ["weightDecay"] = "--weight-decay",
        ["momentum"] = "--momentum",
        ["patience"] = "--early-stopping",
        ["threads"] = "--threads",
        ["temperature"] = "--temperature",
        ["topK"] = "--top-k",
        ["p"] = "--dropout",
        ["channels"] = "--channels",
        ["imageSize"] = "--image-size",
        ["testSplit"] = "--test-split",
    };

    /// <summary>The message to show for <paramref name="error"/>: an argument error names its flag, and
    /// .NET's "(Parameter 'x')" suffix is dropped.</summary>
    public static string Describe(Exception error)
    {
        string message = error.Message;
        if (error is ArgumentException { ParamName: { } name })
        {
            string suffix = $" (Parameter '{name}')";
            if (message.EndsWith(suffix, StringComparison.Ordinal)) message = message[..^suffix.Length];
            if (Flags.TryGetValue(name, out var flag) && !message.Contains(flag, StringComparison.Ordinal)) message = $"{flag}: {message}";
        }
        // Advice that names a library setting names the flag instead.
        return message.Replace("(ClipGradNorm)", "(--clip)", StringComparison.Ordinal)
            .Replace("a smaller learning rate", "a smaller learning rate (--lr)", StringComparison.Ordinal);
    }
}
