using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using Hebb.Fuzzing;

namespace Hebb.Bench;

/// <summary>
/// `fuzz`: every reader of tests/Hebb.Tests/Fuzz/Harness/FuzzTargets.cs (compiled into this program as links) against
/// --cases mutated inputs each, in this process. Prints one table row per reader and writes PREFIX.md and PREFIX.json
/// (default bench/results/fuzz). `--repro TARGET:SEED` reruns one case and prints its exception in full.
/// </summary>
internal static class FuzzCommand
{
    public const string Usage = "usage: dotnet run -c Release --project bench/Hebb.Bench -- fuzz [--cases N] [--seed S] " +
        "[--target NAME[,NAME...]] [--repro TARGET:SEED] [--out PREFIX] [--no-save]";

    /// <summary>The GC heap limit of the fuzzing process: a reader that sizes memory from a hostile header then fails with
    /// OutOfMemoryException (a crash, with its seed) instead of taking the machine's memory.</summary>
    private const string HeapLimit = "0x100000000"; // 4 GiB

    public static int Run(string[] args)
    {
        if (Environment.GetEnvironmentVariable("DOTNET_GCHeapHardLimit") is null) return RunLimited(args);
        int cases = 10_000;
        ulong seed = 1;
        string? only = null, repro = null, outPrefix = null;
        bool save = true;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{a} needs a value");
            switch (a)
            {
                case "--cases": cases = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--seed": seed = ulong.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--target": only = Next(); break;
                case "--repro": repro = Next(); break;
                case "--out": outPrefix = Next(); break;
                case "--no-save": save = false; break;
                default:
                    Console.Error.WriteLine($"unknown option {a}\n{Usage}");
                    return 2;
            }
        }
        if (cases < 1) throw new ArgumentException("--cases must be at least 1");

        var limits = FuzzLimits.Bench;
        using var runner = new FuzzRunner(limits);
        if (repro is not null)
        {
            var c = runner.Repro(FuzzTargets.All, repro);
            Console.WriteLine(c.Describe());
            if (c.Error is not null) Console.WriteLine(c.Error);
            return c.Verdict is Verdict.Ok or Verdict.Refused ? 0 : 1;
        }

        var names = only?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var targets = FuzzTargets.All.Where(t => names is null || names.Contains(t.Name)).ToList();
        if (targets.Count == 0) throw new ArgumentException($"no fuzz target among '{only}' (known: " +
            string.Join(", ", FuzzTargets.All.Select(t => t.Name)) + ")");

        var reports = new List<FuzzReport>();
        var clock = Stopwatch.StartNew();
        foreach (var target in targets)
        {
            var started = clock.Elapsed;
            var report = runner.Run(target, cases, seed);
            reports.Add(report);
            Console.Error.WriteLine($"{target.Name}: {report.Cases} cases in {(clock.Elapsed - started).TotalSeconds:F1} s, " +
                $"{report.Failed} failed");
            foreach (var f in report.Failures) Console.Error.WriteLine("  " + f.Describe());
        }

        string command = "dotnet run -c Release --project bench/Hebb.Bench -- fuzz" + (args.Length > 0 ? " " + string.Join(' ', args) : "");
        string md = Markdown(reports, command, cases, seed, limits, clock.Elapsed);
        Console.WriteLine(md);
        if (save)
        {
            string prefix = outPrefix ?? Path.Combine(Orchestrator.FindRoot(), "bench", "results", "fuzz");
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(prefix))!);
            File.WriteAllText(prefix + ".md", md);
            File.WriteAllText(prefix + ".json", Json(reports, command, cases, seed, limits).ToJsonString(Hebb.Bench.Json.Indented) + "\n");
            Console.Error.WriteLine($"written: {prefix}.md, {prefix}.json");
        }
        return reports.Sum(r => r.Failed) == 0 ? 0 : 1;
    }

    /// <summary>The checkout's commit, with a note when src/ or the harness has uncommitted changes.</summary>
    private static string Commit()
    {
        string Git(params string[] args)
        {
            try
            {
                var psi = new ProcessStartInfo("git")
                {
                    RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
                    WorkingDirectory = Orchestrator.FindRoot(),
                };
                foreach (var a in args) psi.ArgumentList.Add(a);
                using var p = Process.Start(psi)!;
                string output = p.StandardOutput.ReadToEnd().Trim();
                p.WaitForExit();
                return p.ExitCode == 0 ? output : "?";
            }
            catch (System.ComponentModel.Win32Exception) { return "?"; }
        }
        bool dirty = Git("status", "--porcelain", "--", "src", "tests/Hebb.Tests/Fuzz").Length > 0;
        return Git("rev-parse", "--short", "HEAD") + (dirty ? " + uncommitted changes" : "");
    }

    /// <summary>Runs this command again in a child process whose GC heap is limited to <see cref="HeapLimit"/>.</summary>
    private static int RunLimited(string[] args)
    {
        var psi = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
        string? entry = System.Reflection.Assembly.GetEntryAssembly()?.Location;
        // Under `dotnet Hebb.Bench.dll` the process is the dotnet host, which needs the assembly first.
        if (entry is not null && Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet") psi.ArgumentList.Add(entry);
        psi.ArgumentList.Add("fuzz");
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_GCHeapHardLimit"] = HeapLimit;
        using var child = Process.Start(psi)!;
        child.WaitForExit();
        return child.ExitCode;
    }

    private static string Markdown(List<FuzzReport> reports, string command, int cases, ulong seed, FuzzLimits limits, TimeSpan took)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Reader fuzzing");
        sb.AppendLine();
        sb.AppendLine($"Command: `{command}`");
        sb.AppendLine();
        sb.AppendLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; Hebb at commit {Commit()}; {RuntimeInformation.FrameworkDescription}; " +
            $"{Environment.ProcessorCount} cores; {cases:N0} cases per reader, run seed {seed}; {took.TotalSeconds:F0} s in all.");
        sb.AppendLine();
        sb.AppendLine($"A case is one seed (a valid file built by Hebb's own writers) or a mutation of one. Verdicts: **ok** (it " +
            "returned), **refused** (it threw a documented type with a one-line message), **crash** (anything else), " +
            $"**hang** (over {limits.Hang.TotalSeconds:F0} s), **over budget** (allocated more than " +
            $"{limits.AllocationFloor >> 20} MB or {limits.AllocationPerInputByte} bytes per input byte, whichever is larger; " +
            "counted on the reading thread with GC.GetAllocatedBytesForCurrentThread).");
        sb.AppendLine();
        sb.AppendLine("| reader | call | cases | ok | refused | crashes | hangs | over budget | max ms | max allocated (bytes) " +
            "| documented |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in reports)
            sb.AppendLine($"| {r.Target.Name} | `{r.Target.Reader}` | {r.Cases:N0} | {r.Ok:N0} | {r.Refused:N0} | {r.Crashes} | " +
                $"{r.Hangs} | {r.OverBudget} | {r.MaxMilliseconds:F1} | {r.MaxAllocatedBytes:N0} | " +
                $"{string.Join(", ", r.Target.Documented.Select(t => t.Name))} |");
        sb.AppendLine();
        sb.AppendLine("Refusals by type:");
        sb.AppendLine();
        foreach (var r in reports)
            sb.AppendLine($"- {r.Target.Name}: {string.Join(", ", r.RefusedBy.Select(kv => $"{kv.Key} {kv.Value:N0}"))}");
        var failures = reports.SelectMany(r => r.Failures).ToList();
        sb.AppendLine();
        if (failures.Count == 0) sb.AppendLine("No crash, hang or over-budget case.");
        else
        {
            sb.AppendLine("First failing cases (rerun one with `-- fuzz --repro TARGET:SEED`):");
            sb.AppendLine();
            foreach (var f in failures) sb.AppendLine($"- `{f.Describe().Replace('`', '\'')}`");
        }
        return sb.ToString();
    }

    private static JsonObject Json(List<FuzzReport> reports, string command, int cases, ulong seed, FuzzLimits limits) => new()
    {
        ["command"] = command,
        ["date_utc"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
        ["dotnet"] = RuntimeInformation.FrameworkDescription,
        ["commit"] = Commit(),
        ["cases_per_reader"] = cases,
        ["run_seed"] = seed,
        ["hang_seconds"] = limits.Hang.TotalSeconds,
        ["allocation_floor_bytes"] = limits.AllocationFloor,
        ["allocation_per_input_byte"] = limits.AllocationPerInputByte,
        ["readers"] = new JsonArray([.. reports.Select(r => (JsonNode)new JsonObject
        {
            ["reader"] = r.Target.Name,
            ["call"] = r.Target.Reader,
            ["documented"] = new JsonArray([.. r.Target.Documented.Select(t => (JsonNode)JsonValue.Create(t.FullName)!)]),
            ["cases"] = r.Cases,
            ["ok"] = r.Ok,
            ["refused"] = r.Refused,
            ["crashes"] = r.Crashes,
            ["hangs"] = r.Hangs,
            ["over_budget"] = r.OverBudget,
            ["max_ms"] = Math.Round(r.MaxMilliseconds, 2),
            ["max_allocated_bytes"] = r.MaxAllocatedBytes,
            ["max_allocated_input_bytes"] = r.MaxAllocatedInputLength,
            ["refused_by"] = new JsonObject([.. r.RefusedBy.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))]),
            ["failures"] = new JsonArray([.. r.Failures.Select(f => (JsonNode)JsonValue.Create(f.Describe())!)]),
        })]),
    };
}
