using System.Text;

namespace Hebb.IO;

/// <summary>Error messages that quote a file's content stay one line: a hostile value cannot add lines to a log or
/// the tool's one-line error.</summary>
internal static class MessageText
{
    /// <summary><paramref name="message"/> with every control character and line or paragraph separator written as
    /// <c>\uXXXX</c>.</summary>
    public static string OneLine(string message)
    {
        if (!message.Any(NeedsEscape)) return message;
        var sb = new StringBuilder(message.Length + 16);
        foreach (char c in message)
        {
            if (NeedsEscape(c)) sb.Append($"\\u{(int)c:X4}");
            else sb.Append(c);
        }
        return sb.ToString();
    }

    private static bool NeedsEscape(char c) => char.IsControl(c) || c is '\u2028' or '\u2029';
}
