using Hebb.Fuzzing;
using Xunit.Abstractions;

namespace Hebb.Tests.Fuzz;

/// <summary>
/// Hostile input, in short: every reader of FuzzTargets.All gets its seeds and 400 mutations of them (a fixed run seed,
/// so the cases are the same on every run) and must return or refuse each with its documented exception and a one-line
/// message, within 10 s (a generous bound: timing is not what this holds; the bench's long run flags 2 s) and within
/// the allocation bound (64 MB, or 100 bytes per input byte for larger inputs). A failure lists the cases with the
/// seeds that rerun them: `dotnet run -c Release --project bench/Hebb.Bench -- fuzz --repro TARGET:SEED`.
/// </summary>
public class ReaderFuzzTests(ITestOutputHelper output)
{
    private const int Cases = 400;
    private const ulong RunSeed = 20261202;

    public static TheoryData<string> Targets() => [.. FuzzTargets.All.Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(Targets))]
    public void ReaderSurvivesHostileInput(string name)
    {
        var target = FuzzTargets.All.Single(t => t.Name == name);
        using var runner = new FuzzRunner(FuzzLimits.Test);
        var seedVerdicts = new List<FuzzCase>();
        var report = runner.Run(target, Cases, RunSeed, c =>
        {
            if (c.CaseSeed.Contains(":seed-", StringComparison.Ordinal)) seedVerdicts.Add(c);
        });

        output.WriteLine($"{name}: {report.Cases} cases, {report.Ok} ok, {report.Refused} refused " +
            $"({string.Join(", ", report.RefusedBy.Select(kv => $"{kv.Key} {kv.Value}"))}), {report.Crashes} crashes, " +
            $"{report.Hangs} hangs, {report.OverBudget} over budget; max {report.MaxMilliseconds:F1} ms, " +
            $"max {report.MaxAllocatedBytes:N0} bytes allocated");
        // The seeds are valid files: a seed refused means the harness, not the reader, is wrong.
        Assert.All(seedVerdicts, c => Assert.True(c.Verdict == Verdict.Ok, c.Describe()));
        Assert.True(report.Failed == 0, $"{report.Failed} of {report.Cases} cases failed; the first:\n" +
            string.Join("\n", report.Failures.Select(c => c.Describe() + "\n    " + c.Error?.ToString().Replace("\n", "\n    "))));
        // The mutations reach past the first check: some cases are refused, and for most readers some still load.
        Assert.True(report.Refused > Cases / 4, $"only {report.Refused} of {report.Cases} cases were refused");
    }

    [Fact]
    public void VerdictsAreStrict()
    {
        var target = new FuzzTarget("t", "t", [], _ => { }, [typeof(InvalidDataException)]);
        Assert.Equal(Verdict.Ok, FuzzRunner.Judge(target, null));
        Assert.Equal(Verdict.Refused, FuzzRunner.Judge(target, new InvalidDataException("bad header")));
        Assert.Equal(Verdict.Crash, FuzzRunner.Judge(target, new InvalidDataException("two\nlines")));
        Assert.Equal(Verdict.Crash, FuzzRunner.Judge(target, new IndexOutOfRangeException("bad header")));
        Assert.Equal(Verdict.Crash, FuzzRunner.Judge(target, new IOException("a base type of the documented one")));
    }

    [Fact]
    public void ACaseRerunsFromItsSeed()
    {
        var target = FuzzTargets.All.Single(t => t.Name == "safetensors");
        var pcg = FuzzRunner.CasePcg(target.Name, RunSeed, 123);
        string seed = pcg.ToString();
        var first = target.Cases.Generate(pcg, null, out _);
        var again = target.Cases.Generate(CsCheck.PCG.Parse(seed), null, out _);
        Assert.Equal(first.Seed, again.Seed);
        Assert.Equal(first.Bytes, again.Bytes);
    }
}
