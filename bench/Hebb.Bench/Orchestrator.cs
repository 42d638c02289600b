using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hebb.Bench;

/// <summary>Runs every implementation x workload x thread count in its own process, collects their
/// JSON lines, passes them through to standard output and writes the report.</summary>
internal sealed class Orchestrator(BenchOptions o, string[] rawArgs)
{
    /// <summary>glibc malloc settings for the peers: no mmap/munmap churn for large tensors, no trimming.</summary>
    public const string PeerMallocTunables = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=17179869184";

    private readonly string _root = FindRoot();
    private readonly List<JsonObject> _records = [];
    private readonly List<string> _notes = [];
    private readonly string _loadBefore = ReadLoad();
    private string? _torchSharpDll;
    private bool _peakDone;

    public int Run()
    {
        int exit = 0;
        string w = o.Workload!;
        var list = w == "all" ? [.. BenchCli.Implemented, .. BenchCli.Planned] : new[] { w };
        if (o.Peers && list.Any(x => x is "w1" or "w2" or "w3" or "w4" or "w5" or "w6" or "w7" or "w8")) SetUpPeers();
        foreach (var workload in list)
        {
            if (BenchCli.Planned.Contains(workload))
            {
                Console.Error.WriteLine($"{workload}: not yet implemented");
                if (w != "all") exit = 2;
                continue;
            }
            switch (workload)
            {
                case "peak": Peak(); break;
                case "w1": W1(); break;
                case "w2": W2(); break;
                case "w3": TrainingRun("w3"); break;
                case "w4": TrainingRun("w4"); break;
                case "w5": W5(); break;
                case "w6": W6(); break;
                case "w7": W7(); break;
                case "w8": W8(); break;
            }
        }
        if (_records.Count > 0) Report();
        if (_records.Any(r => r.ContainsKey("error"))) exit = exit == 0 ? 1 : exit;
        return exit;
    }

    private IEnumerable<int> ThreadCounts => o.Threads == 1 ? [1] : [1, o.Threads];

    private void Peak()
    {
        foreach (int t in ThreadCounts) RunHebb("peak", t);
        _peakDone = true;
    }

    private void W1()
    {
        RunHebb("w1", o.Threads);
        RunHebb("w1-trainer", o.Threads);
        if (!o.Peers) return;
        RunPython("w1", o.Threads);
        RunTorchSharp("w1", o.Threads);
    }

    private void W2()
    {
        RunHebb("w2", o.Threads);
        if (!o.Peers) return;
        RunPython("w2", o.Threads);
        RunTorchSharp("w2", o.Threads);
    }

    /// <summary>W3 and W4: one training run per implementation at the --threads count.</summary>
    private void TrainingRun(string workload)
    {
        RunHebb(workload, o.Threads);
        if (!o.Peers) return;
        RunPython(workload, o.Threads);
        RunTorchSharp(workload, o.Threads);
    }

    private void W5()
    {
        if (!_peakDone) Peak(); // GEMM is stated as a fraction of the measured peak
        foreach (int t in ThreadCounts)
        {
            RunHebb("w5", t);
            if (!o.Peers) continue;
            RunPython("w5", t);
            RunTorchSharp("w5", t);
        }
    }

    /// <summary>Convolution kernels, like GEMM: at 1 thread and at N.</summary>
    private void W6()
    {
        foreach (int t in ThreadCounts)
        {
            RunHebb("w6", t);
            if (!o.Peers) continue;
            RunPython("w6", t);
            RunTorchSharp("w6", t);
        }
    }

    /// <summary>GPT-2-small-sized greedy generation: the model is written once (by a Hebb child) as a Hugging Face folder
    /// in a temporary directory, which every implementation loads; at 1 thread and at N. No TorchSharp peer.</summary>
    private void W7()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"hebb-bench-w7-{Environment.ProcessId}");
        _w7Dir = dir;
        try
        {
            Console.Error.WriteLine($"--- writing the w7 model to {dir}");
            var env = BaseEnv();
            env[GenerateWorkload.DirEnv] = dir;
            var psi = new ProcessStartInfo(DotnetHost()) { UseShellExecute = false };
            foreach (var a in new[] { typeof(Orchestrator).Assembly.Location, "--child", "w7-prepare" }) psi.ArgumentList.Add(a);
            foreach (var (k, v) in env) psi.Environment[k] = v;
            using (var p = Process.Start(psi)!)
            {
                p.WaitForExit();
                if (p.ExitCode != 0) { Fail("hebb", "w7", o.Threads, $"writing the model failed (exit code {p.ExitCode})"); return; }
            }
            foreach (int t in ThreadCounts)
            {
                RunHebb("w7", t);
                if (o.Peers) RunPython("w7", t);
            }
        }
        finally
        {
            _w7Dir = null;
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private string? _w7Dir;

    /// <summary>Inference: Hebb, ONNX Runtime on Hebb's export (both from this harness), PyTorch; at 1 thread and at N.</summary>
    private void W8()
    {
        foreach (int t in ThreadCounts)
        {
            RunHebb("w8", t);
            RunHebb("w8-ort", t);
            if (o.Peers) RunPython("w8", t);
        }
    }

    // ---- the three kinds of child ----

    private string[] ChildArgs(string workload, int threads) =>
        [workload, "--threads", threads.ToString(CultureInfo.InvariantCulture),
         "--epochs", (workload == "w2" ? o.W2Epochs : o.EffectiveEpochs).ToString(CultureInfo.InvariantCulture),
         "--steps", (workload switch { "w2" => o.W2Steps, "w3" => o.W3Steps, "w4" => o.W4Steps, _ => 0 })
             .ToString(CultureInfo.InvariantCulture),
         "--shapes", ChildOptions.FormatShapes(o.EffectiveShapes),
         "--min-time", o.EffectiveMinTime.ToString(CultureInfo.InvariantCulture)];

    private void RunHebb(string workload, int threads)
    {
        string dll = typeof(Orchestrator).Assembly.Location;
        RunChild("hebb", workload, threads, DotnetHost(), [dll, "--child", .. ChildArgs(workload, threads)], BaseEnv());
    }

    private void RunPython(string workload, int threads) =>
        RunChild("pytorch", workload, threads, "/usr/bin/python3",
            [Path.Combine(_root, "bench", "peers", "torch_bench.py"), .. ChildArgs(workload, threads)], PeerEnv(threads));

    private void RunTorchSharp(string workload, int threads)
    {
        if (_torchSharpDll is null)
        {
            Fail("torchsharp", workload, threads, "TorchSharp peer was not built (see the build output above)");
            return;
        }
        RunChild("torchsharp", workload, threads, DotnetHost(), [_torchSharpDll, .. ChildArgs(workload, threads)], PeerEnv(threads));
    }

    private Dictionary<string, string?> BaseEnv()
    {
        var env = new Dictionary<string, string?>();
        if (_w7Dir is not null) env[GenerateWorkload.DirEnv] = _w7Dir;
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("HEBB_DATASETS")))
        {
            // Same rule as the tests: a shared/datasets folder above the checkout.
            for (var d = new DirectoryInfo(_root); d is not null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, "shared", "datasets");
                if (Directory.Exists(candidate)) { env["HEBB_DATASETS"] = candidate; break; }
            }
        }
        return env;
    }

    private Dictionary<string, string?> PeerEnv(int threads)
    {
        var env = BaseEnv();
        env["GLIBC_TUNABLES"] = PeerMallocTunables;
        env["OMP_NUM_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
        env["MKL_NUM_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
        if (!o.KeepOpenBlasEnv)
        {
            // This workplace pins OpenBLAS to Haswell kernels for old builds; OpenBLAS 0.3.21 picks its
            // AVX-512 (Cooperlake) kernels by itself here and the peers check their products against float64.
            env["OPENBLAS_CORETYPE"] = null;
            env["OPENBLAS_L2_SIZE"] = null;
        }
        return env;
    }

    /// <summary>Other processes using more than this many cores during a child make its figures suspect.</summary>
    public const double NoisyLoad = 0.25;

    /// <summary>Runs one child; with --retries N, runs it again (up to N more times) while other processes
    /// used more than <see cref="NoisyLoad"/> cores during it, and keeps the attempt with the least such load.</summary>
    private void RunChild(string impl, string workload, int threads, string file, string[] args, Dictionary<string, string?> env)
    {
        (List<JsonObject> Records, double Other, int Exit)? best = null;
        for (int attempt = 0; attempt <= o.Retries; attempt++)
        {
            var run = RunChildOnce(impl, workload, threads, file, args, env);
            if (run is null) return; // could not start: already reported
            if (best is null || (run.Value.Exit == 0 && (best.Value.Exit != 0 || run.Value.Other < best.Value.Other))) best = run;
            if (run.Value.Exit != 0 || run.Value.Other <= NoisyLoad) break;
            if (attempt < o.Retries)
                Console.Error.WriteLine($"--- other processes used {run.Value.Other:F2} cores during it: " +
                    $"running {impl} {workload} threads {threads} again ({attempt + 1}/{o.Retries})");
        }
        var (got, other, exit) = best!.Value;
        foreach (var rec in got)
        {
            // Cores used by other processes on this machine while this child ran (it is shared).
            rec["other_load_cores"] = Math.Round(other, 2);
            _records.Add(rec);
            Console.Out.WriteLine(rec.ToJsonString(Json.Compact));
        }
        Console.Out.Flush();
        if (exit != 0) Fail(impl, workload, threads, $"exit code {exit}");
        else if (got.Count == 0) Fail(impl, workload, threads, "no measurement printed");
    }

    private (List<JsonObject> Records, double Other, int Exit)? RunChildOnce(
        string impl, string workload, int threads, string file, string[] args, Dictionary<string, string?> env)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = false, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env)
        {
            if (v is null) psi.Environment.Remove(k);
            else psi.Environment[k] = v;
        }
        WaitQuiet();
        Console.Error.WriteLine($"--- {impl} {workload} threads {threads}");
        var clock = Stopwatch.StartNew();
        var before = ForeignLoad.Take();
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            Fail(impl, workload, threads, $"could not start {file}: {e.Message}");
            return null;
        }
        var got = new List<JsonObject>();
        string? line;
        while ((line = p.StandardOutput.ReadLine()) is not null)
        {
            JsonObject? rec = null;
            try { rec = JsonNode.Parse(line) as JsonObject; } catch (JsonException) { }
            if (rec is null) { Console.Error.WriteLine(line); continue; }
            rec["impl"] ??= impl;
            got.Add(rec);
        }
        p.WaitForExit();
        double other = ForeignLoad.Cores(before, ForeignLoad.Take());
        Console.Error.WriteLine($"--- {impl} {workload} threads {threads}: {clock.Elapsed.TotalSeconds:F1} s wall, " +
            $"other processes used {other:F2} cores meanwhile");
        return (got, other, p.ExitCode);
    }

    /// <summary>With --wait-quiet S: wait (at most S seconds) until other processes use less than a quarter core.</summary>
    private void WaitQuiet()
    {
        if (o.WaitQuiet <= 0) return;
        var clock = Stopwatch.StartNew();
        bool said = false;
        while (true)
        {
            var a = ForeignLoad.Take();
            Thread.Sleep(1000);
            double other = ForeignLoad.Cores(a, ForeignLoad.Take());
            if (other < NoisyLoad) return;
            if (clock.Elapsed.TotalSeconds >= o.WaitQuiet)
            {
                Console.Error.WriteLine($"--- still {other:F2} cores busy elsewhere after {o.WaitQuiet:F0} s; going on");
                return;
            }
            if (!said)
                Console.Error.WriteLine($"--- other processes use {other:F2} cores; waiting up to {o.WaitQuiet:F0} s for a quiet machine");
            said = true;
        }
    }

    private void Fail(string impl, string workload, int threads, string message)
    {
        Console.Error.WriteLine($"{impl} {workload} threads {threads}: FAILED: {message}");
        var rec = new JsonObject { ["workload"] = workload, ["impl"] = impl, ["threads"] = threads, ["error"] = message };
        _records.Add(rec);
        Console.Out.WriteLine(rec.ToJsonString(Json.Compact));
    }

    // ---- setup ----

    private void SetUpPeers()
    {
        Console.Error.WriteLine("--- setting up peers (bench/setup.sh)");
        if (RunTool("bash", [Path.Combine(_root, "bench", "setup.sh")]) != 0)
            _notes.Add("bench/setup.sh failed: the peers may be missing or slow");
        string proj = Path.Combine(_root, "bench", "Hebb.Bench.TorchSharp", "Hebb.Bench.TorchSharp.csproj");
        Console.Error.WriteLine("--- building bench/Hebb.Bench.TorchSharp (Release)");
        if (RunTool(DotnetHost(), ["build", proj, "-c", "Release", "-nologo", "-v:q", "-clp:NoSummary"]) != 0) return;
        string dll = Path.Combine(
            _root, "bench", "Hebb.Bench.TorchSharp", "bin", "Release", "net10.0", "linux-x64", "Hebb.Bench.TorchSharp.dll");
        if (File.Exists(dll)) _torchSharpDll = dll;
        else Console.Error.WriteLine($"TorchSharp peer: {dll} not found after the build");
    }

    /// <summary>Runs a tool with its standard output sent to our standard error (standard output is for JSON lines only).</summary>
    private static int RunTool(string file, string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string? line;
        while ((line = p.StandardOutput.ReadLine()) is not null) Console.Error.WriteLine(line);
        p.WaitForExit();
        return p.ExitCode;
    }

    private static string DotnetHost()
    {
        string? self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        string? env = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return !string.IsNullOrEmpty(env) && File.Exists(env) ? env : "dotnet";
    }

    internal static string FindRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "bench", "Hebb.Bench", "Hebb.Bench.csproj")))
                    return d.FullName;
        throw new InvalidOperationException(
            "cannot find the checkout (a folder with bench/Hebb.Bench/Hebb.Bench.csproj) above the current folder");
    }

    private static string ReadLoad()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "?"; }
    }

    // ---- report ----

    private void Report()
    {
        var meta = Meta();
        var md = Markdown.Render(meta, _records, _notes);
        Console.Error.WriteLine();
        Console.Error.WriteLine(md);
        if (o.NoSave) return;
        string prefix = o.Out ?? Path.Combine(_root, "bench", "results", o.Quick ? "quick" : "latest");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(prefix))!);
        File.WriteAllText(prefix + ".md", md);
        var doc = new JsonObject();
        foreach (var (k, v) in meta) doc[k] = v;
        doc["records"] = new JsonArray([.. _records.Select(r => (JsonNode)r.DeepClone())]);
        File.WriteAllText(prefix + ".json", doc.ToJsonString(Json.Indented) + "\n");
        Console.Error.WriteLine($"written: {prefix}.md, {prefix}.json");
    }

    private Dictionary<string, string> Meta()
    {
        string datasets = Environment.GetEnvironmentVariable("HEBB_DATASETS") ?? "";
        string envPrefix = string.IsNullOrEmpty(datasets) ? "" : $"HEBB_DATASETS={datasets} ";
        return new()
        {
            ["command"] = $"{envPrefix}dotnet run -c Release --project bench/Hebb.Bench -- {string.Join(' ', rawArgs)}",
            ["date_utc"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
            ["cpu"] = CpuName(),
            ["logical_cores"] = Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture),
            ["memory_gib"] = MemGiB(),
            ["os"] = RuntimeInformation.OSDescription,
            ["dotnet"] = RuntimeInformation.FrameworkDescription,
            // The library measured is src/ as of its last commit (plus local changes, if any).
            ["hebb_commit"] = Git("log", "-1", "--format=%h", "--", "src") +
                (Git("status", "--porcelain", "--", "src").Length > 0 ? " + uncommitted changes in src" : ""),
            ["checkout_commit"] = Git("rev-parse", "--short", "HEAD"),
            ["load_before"] = _loadBefore,
            ["load_after"] = ReadLoad(),
            ["threads"] = o.Threads.ToString(CultureInfo.InvariantCulture),
            ["quick"] = o.Quick ? "yes" : "no",
            ["openblas_env"] = o.KeepOpenBlasEnv ? "kept as set" : "OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset for the peers",
            ["peer_glibc_tunables"] = PeerMallocTunables,
        };
    }

    private string Git(params string[] args)
    {
        try
        {
            var psi = new ProcessStartInfo("git")
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _root,
            };
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            string s = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return p.ExitCode == 0 ? s : "?";
        }
        catch (System.ComponentModel.Win32Exception) { return "?"; }
    }

    private static string CpuName()
    {
        try
        {
            var lines = File.ReadAllLines("/proc/cpuinfo");
            string Get(string key) =>
                lines.FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
            return $"{Get("model name")} (family {Get("cpu family")}, model {Get("model\t")})";
        }
        catch (IOException) { return RuntimeInformation.ProcessArchitecture.ToString(); }
    }

    private static string MemGiB()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            long kb = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            return (kb / 1024.0 / 1024.0).ToString("F1", CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException) { return "?"; }
    }
}
