using System.Diagnostics;
using System.Text.RegularExpressions;
using Hebb.Tests.Architecture;
using Hebb.Tests.Data;

namespace Hebb.Tests.Package;

/// <summary>
/// Hebb as a .NET developer gets it: `dotnet pack` makes the library and tool packages, a fresh project
/// that references the `Hebb` package from a local folder builds and runs every C# example of the
/// README, and the tool installs into a fresh tool path and answers `hebb --version`.
/// The packages go to a private NuGet cache, so a package of the same version cached by an earlier run
/// can never stand in for the one just built; everything else restores from the machine's usual cache.
/// </summary>
public class PackageTests
{
    private static readonly string Root = StyleTests.RepositoryRoot();

    [Fact]
    public void LibraryAndToolInstallFromALocalFolderAndTheReadmeExamplesRun()
    {
        string work = Directory.CreateTempSubdirectory("hebb-package-").FullName;
        try
        {
            string feed = Path.Combine(work, "feed");
            foreach (var project in new[] { "src/Hebb.Core", "src/Hebb", "src/Hebb.Cli" })
                Run("dotnet", Root, "pack", Path.Combine(Root, project), "-c", "Release", "-o", feed);
            string props = File.ReadAllText(Path.Combine(Root, "Directory.Build.props"));
            string version = Regex.Match(props, "<Version>([^<]+)</Version>").Groups[1].Value;
            foreach (var id in new[] { "Hebb.Core", "Hebb", "Hebb.Tool" })
                Assert.True(File.Exists(Path.Combine(feed, $"{id}.{version}.nupkg")), $"dotnet pack made no {id} {version} package");

            string config = WriteNuGetConfig(work, feed);
            string app = Path.Combine(work, "app");
            Directory.CreateDirectory(app);
            File.WriteAllText(Path.Combine(app, "App.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <Nullable>enable</Nullable>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="Hebb" Version="{version}" />
                  </ItemGroup>
                </Project>
                """);
            var examples = ReadmeExamples();
            Assert.NotEmpty(examples);
            foreach (var (title, code, expected) in examples)
            {
                File.WriteAllText(Path.Combine(app, "Program.cs"), code);
                string output = Run("dotnet", app, "run", "-c", "Release", "--configfile", config);
                Assert.True(output.Contains(expected, StringComparison.Ordinal),
                    $"the README example '{title}' did not print '{expected}':\n{output}");
            }

            string tools = Path.Combine(work, "tools");
            Run("dotnet", work, "tool", "install", "Hebb.Tool", "--version", version, "--tool-path", tools, "--configfile", config);
            string printed = Run(Path.Combine(tools, "hebb"), work, "--version");
            Assert.StartsWith(version, printed.Trim());
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>An example shown in the README is the same program as the example project it names, so the
    /// two cannot drift apart.</summary>
    [Fact]
    public void ReadmeExamplesAreTheExampleProjects()
    {
        var readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        int checkedCount = 0;
        foreach (var (title, code, _) in ReadmeExamples())
        {
            var named = Regex.Match(readme[readme.IndexOf(code, StringComparison.Ordinal)..], @"This is `examples/([A-Za-z]+)`");
            Assert.True(named.Success, $"the README example '{title}' names no example project");
            string file = Path.Combine(Root, "examples", named.Groups[1].Value, "Program.cs");
            Assert.Equal(File.ReadAllText(file), code);
            checkedCount++;
        }
        Assert.True(checkedCount >= 2, $"expected at least two README examples, found {checkedCount}");
    }

    /// <summary>The README's ```csharp blocks: each is a whole program, and the line after the block that
    /// starts with "It prints" names (in backquotes) a piece of its output.</summary>
    internal static List<(string Title, string Code, string Expected)> ReadmeExamples()
    {
        var readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        var result = new List<(string, string, string)>();
        const string Example = @"^## (?<title>[^\n]+)\n(?:(?!^## )[\s\S])*?^```csharp\n(?<code>[\s\S]*?)^```\n+"
            + @"It prints[^`]*`(?<expected>[^`]+)`";
        foreach (Match m in Regex.Matches(readme, Example, RegexOptions.Multiline))
            result.Add((m.Groups["title"].Value, m.Groups["code"].Value, m.Groups["expected"].Value));
        return result;
    }

    private static string WriteNuGetConfig(string work, string feed)
    {
        string home = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string path = Path.Combine(work, "NuGet.config");
        File.WriteAllText(path, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(work, "packages")}" />
              </config>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <fallbackPackageFolders>
                <add key="machine" value="{home}" />
              </fallbackPackageFolders>
            </configuration>
            """);
        return path;
    }

    private static string Run(string file, string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["HEBB_DATASETS"] = TestData.DatasetsRoot;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(10)), $"{file} {string.Join(' ', args)} did not finish in 10 minutes");
        string output = stdout.Result + stderr.Result;
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)} failed ({process.ExitCode}):\n{output}");
        return output;
    }
}
