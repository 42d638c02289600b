namespace Hebb.Tests.Architecture;

/// <summary>The line length that .editorconfig sets (max_line_length) and dotnet format does not check.</summary>
public class StyleTests
{
    private const int MaxLineLength = 140;

    [Fact]
    public void NoCSharpLineIsLongerThanTheLimit()
    {
        string root = RepositoryRoot();
        var tooLong = new List<string>();
        foreach (var folder in new[] { "src", "tests", "bench", "examples" })
        {
            string dir = Path.Combine(root, folder);
            if (!Directory.Exists(dir)) continue;
            foreach (var file in Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories))
            {
                string relative = Path.GetRelativePath(root, file);
                if (relative.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj")) continue;
                int number = 0;
                foreach (var line in File.ReadLines(file))
                {
                    number++;
                    // Characters as a reader counts them (a 'ᵀ' or '≤' is one), not UTF-16 units.
                    int length = line.EnumerateRunes().Count();
                    if (length > MaxLineLength) tooLong.Add($"{relative}:{number} ({length} characters)");
                }
            }
        }
        Assert.True(tooLong.Count == 0,
            $"{tooLong.Count} lines are longer than {MaxLineLength} characters:\n" + string.Join("\n", tooLong.Take(50)));
    }

    /// <summary>The checkout this test was built from: the folder above the test binaries that holds Hebb.slnx.</summary>
    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Hebb.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"no Hebb.slnx above {AppContext.BaseDirectory}");
    }
}
