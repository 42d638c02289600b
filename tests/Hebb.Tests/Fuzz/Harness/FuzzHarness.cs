// The reader fuzz harness, shared by the tests (tests/Hebb.Tests/Fuzz/ReaderFuzzTests.cs, a short run) and the
// benchmark harness (bench/Hebb.Bench, `-- fuzz`: the long run), which compiles these files as links. Nothing here
// uses xunit. A reader is one FuzzTarget (FuzzTargets.All); a case is a mutation of one of its seeds, drawn by a
// CsCheck generator from a PCG whose seed string reproduces it.
using System.Diagnostics;
using CsCheck;

namespace Hebb.Fuzzing;

/// <summary>How a seed's bytes are structured, so that the mutations can aim at its fields.</summary>
internal enum SeedFormat { Binary, Idx, GzipIdx, Safetensors, Utf8Text, Utf16Text }

/// <summary>A valid input of a reader: the starting point of the mutations.</summary>
/// <param name="Name">Names the seed in reports; <see cref="FuzzInput.Path"/> keeps its extension.</param>
internal sealed record FuzzSeed(string Name, byte[] Bytes, SeedFormat Format);

/// <summary>One reader under fuzzing.</summary>
/// <param name="Name">Short name: the bench's table row and the test's case name.</param>
/// <param name="Reader">The call under test, as written in the report (e.g. "Idx.Read(path)").</param>
/// <param name="Seeds">Valid inputs; every one must read without error.</param>
/// <param name="Read">Reads one case's bytes (from <see cref="FuzzInput.Path"/> when the reader takes a path).</param>
/// <param name="Documented">The exception types the reader documents for bad input; any other is a crash.</param>
internal sealed record FuzzTarget(string Name, string Reader, IReadOnlyList<FuzzSeed> Seeds, Action<FuzzInput> Read,
    IReadOnlyList<Type> Documented)
{
    private Gen<(int Seed, byte[] Bytes)>? _gen;

    /// <summary>A case: one of the seeds, mutated (see <see cref="FuzzMutations.For"/>).</summary>
    public Gen<(int Seed, byte[] Bytes)> Cases => _gen ??= Gen.OneOf(
        Seeds.Select((s, i) => (IGen<(int, byte[])>)FuzzMutations.For(s).Select(b => (i, b))).ToArray());
}

/// <summary>One case's bytes as a reader wants them: a file, a stream or the bytes themselves.</summary>
internal sealed class FuzzInput(byte[] bytes, FuzzSeed seed, string scratch)
{
    private string? _path;

    public byte[] Bytes => bytes;
    public FuzzSeed Seed => seed;

    /// <summary>The bytes written to a file in the run's scratch folder (same extension as the seed's name).</summary>
    public string Path
    {
        get
        {
            if (_path is null)
            {
                _path = System.IO.Path.Combine(scratch, "case-" + seed.Name);
                File.WriteAllBytes(_path, bytes);
            }
            return _path;
        }
    }

    /// <summary>A fixed companion file (e.g. the labels that go with mutated images), written once per scratch folder.</summary>
    public string Companion(string name, byte[] content)
    {
        string path = System.IO.Path.Combine(scratch, "fixed-" + name);
        if (!File.Exists(path)) File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>A seekable stream over the bytes.</summary>
    public Stream Stream() => new MemoryStream(bytes, writable: false);

    /// <summary>A stream that cannot seek and returns at most 7 bytes per read (a pipe, a socket).</summary>
    public Stream TrickleStream() => new Fuzzing.TrickleStream(bytes, 7);
}

/// <summary>What a case came to.</summary>
internal enum Verdict
{
    /// <summary>The reader returned.</summary>
    Ok,
    /// <summary>It threw one of its documented types, with a one-line message.</summary>
    Refused,
    /// <summary>It threw anything else, or a documented type with an empty or multi-line message.</summary>
    Crash,
    /// <summary>It took longer than the hang bound.</summary>
    Hang,
    /// <summary>It allocated more than the allocation bound.</summary>
    OverBudget,
}

/// <summary>The bounds a case is judged by.</summary>
/// <param name="Hang">A case slower than this is a hang.</param>
/// <param name="GiveUp">A case still running after this is abandoned (its thread is left behind) and counted as a hang.</param>
/// <param name="AllocationFloor">Every case may allocate this much, whatever its size.</param>
/// <param name="AllocationPerInputByte">... or this many bytes per input byte, whichever is larger.</param>
internal sealed record FuzzLimits(TimeSpan Hang, TimeSpan GiveUp, long AllocationFloor, long AllocationPerInputByte)
{
    /// <summary>The bench's bounds: 2 s is a hang; 64 MB or 100 bytes per input byte.</summary>
    public static FuzzLimits Bench => new(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(60), 64L << 20, 100);

    /// <summary>The tests' bounds: a generous 10 s (timing is not what the tests hold), the same allocation bound.</summary>
    public static FuzzLimits Test => new(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), 64L << 20, 100);

    public long AllocationBound(int inputLength) => Math.Max(AllocationFloor, AllocationPerInputByte * inputLength);
}

/// <summary>One case: which, what happened, how long it took and what it allocated.</summary>
internal sealed record FuzzCase(string Target, string CaseSeed, string SeedName, int Length, Verdict Verdict, double Milliseconds,
    long AllocatedBytes, Exception? Error)
{
    /// <summary>One line: the verdict, the seed that reproduces it, and the exception.</summary>
    public string Describe() =>
        $"{Verdict} {Target} --repro {CaseSeed} (seed {SeedName}, {Length} bytes, {Milliseconds:F1} ms, {AllocatedBytes:N0} B)" +
        (Error is null ? "" : $": {Error.GetType().FullName}: {FirstLine(Error.Message)}");

    internal static string FirstLine(string s)
    {
        int nl = s.IndexOfAny(['\n', '\r']);
        string line = nl < 0 ? s : s[..nl] + " [...]";
        return line.Length <= 300 ? line : line[..297] + "...";
    }
}

/// <summary>A target's figures after a run.</summary>
internal sealed class FuzzReport(FuzzTarget target)
{
    public FuzzTarget Target { get; } = target;
    public int Cases { get; private set; }
    public int Ok { get; private set; }
    public int Refused { get; private set; }
    public int Crashes { get; private set; }
    public int Hangs { get; private set; }
    public int OverBudget { get; private set; }
    public double MaxMilliseconds { get; private set; }
    public long MaxAllocatedBytes { get; private set; }
    public int MaxAllocatedInputLength { get; private set; }
    /// <summary>The first failing cases (crash, hang, over budget), at most <see cref="KeptFailures"/>.</summary>
    public List<FuzzCase> Failures { get; } = [];
    /// <summary>How often each exception type refused a case.</summary>
    public SortedDictionary<string, int> RefusedBy { get; } = new(StringComparer.Ordinal);
    public int Failed => Crashes + Hangs + OverBudget;
    public const int KeptFailures = 5;

    public void Add(FuzzCase c)
    {
        Cases++;
        switch (c.Verdict)
        {
            case Verdict.Ok: Ok++; break;
            case Verdict.Refused:
                Refused++;
                string type = c.Error!.GetType().Name;
                RefusedBy[type] = RefusedBy.GetValueOrDefault(type) + 1;
                break;
            case Verdict.Crash: Crashes++; break;
            case Verdict.Hang: Hangs++; break;
            case Verdict.OverBudget: OverBudget++; break;
        }
        if (c.Verdict is Verdict.Crash or Verdict.Hang or Verdict.OverBudget && Failures.Count < KeptFailures) Failures.Add(c);
        MaxMilliseconds = Math.Max(MaxMilliseconds, c.Milliseconds);
        if (c.AllocatedBytes > MaxAllocatedBytes) (MaxAllocatedBytes, MaxAllocatedInputLength) = (c.AllocatedBytes, c.Length);
    }
}

/// <summary>Runs cases: each on a worker thread (so that a hang can be abandoned), timed, its allocation counted.</summary>
internal sealed class FuzzRunner : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("hebb-fuzz-").FullName;
    private readonly FuzzLimits _limits;
    private Worker _worker = new();

    public FuzzRunner(FuzzLimits limits) => _limits = limits;

    /// <summary>The PCG of case <paramref name="index"/> of <paramref name="target"/> in the run <paramref name="runSeed"/>:
    /// every case has its own, so any one reruns alone from its seed string.</summary>
    public static PCG CasePcg(string target, ulong runSeed, int index)
    {
        ulong h = 14695981039346656037UL; // FNV-1a of the target's name: each target its own stream of cases
        foreach (char ch in target) h = (h ^ ch) * 1099511628211UL;
        return new PCG((uint)(h & 0x7FFF_FFFF), SplitMix(runSeed ^ h ^ SplitMix((ulong)index)));
    }

    private static ulong SplitMix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary><paramref name="cases"/> cases of <paramref name="target"/>: first each seed unchanged, then mutations.</summary>
    public FuzzReport Run(FuzzTarget target, int cases, ulong runSeed, Action<FuzzCase>? onCase = null)
    {
        var report = new FuzzReport(target);
        for (int i = 0; i < cases; i++)
        {
            var c = i < target.Seeds.Count
                ? RunCase(target, $"{target.Name}:seed-{i}", i, target.Seeds[i].Bytes)
                : RunCase(target, CasePcg(target.Name, runSeed, i));
            report.Add(c);
            onCase?.Invoke(c);
        }
        return report;
    }

    /// <summary>Reruns one case from its seed string ("target:PCG" or "target:seed-N").</summary>
    public FuzzCase Repro(IReadOnlyList<FuzzTarget> targets, string caseSeed)
    {
        int colon = caseSeed.IndexOf(':');
        if (colon < 0) throw new ArgumentException($"'{caseSeed}' is not TARGET:SEED");
        string name = caseSeed[..colon], seed = caseSeed[(colon + 1)..];
        var target = targets.FirstOrDefault(t => t.Name == name) ?? throw new ArgumentException($"no fuzz target '{name}'");
        if (seed.StartsWith("seed-", StringComparison.Ordinal))
        {
            int i = int.Parse(seed[5..], System.Globalization.CultureInfo.InvariantCulture);
            return RunCase(target, caseSeed, i, target.Seeds[i].Bytes);
        }
        return RunCase(target, PCG.Parse(seed));
    }

    private FuzzCase RunCase(FuzzTarget target, PCG pcg)
    {
        string caseSeed = $"{target.Name}:{pcg}";
        var (seedIndex, bytes) = target.Cases.Generate(pcg, null, out _);
        return RunCase(target, caseSeed, seedIndex, bytes);
    }

    private FuzzCase RunCase(FuzzTarget target, string caseSeed, int seedIndex, byte[] bytes)
    {
        var seed = target.Seeds[seedIndex];
        var input = new FuzzInput(bytes, seed, _scratch);
        if (!_worker.TryRun(() => target.Read(input), _limits.GiveUp, out var ms, out long allocated, out var error))
        {
            _worker = new Worker(); // the old one is stuck in the reader: leave it behind
            return new FuzzCase(target.Name, caseSeed, seed.Name, bytes.Length, Verdict.Hang, _limits.GiveUp.TotalMilliseconds, -1, null);
        }
        var verdict = Judge(target, error);
        if (verdict is Verdict.Ok or Verdict.Refused)
        {
            if (ms > _limits.Hang.TotalMilliseconds) verdict = Verdict.Hang;
            else if (allocated > _limits.AllocationBound(bytes.Length)) verdict = Verdict.OverBudget;
        }
        return new FuzzCase(target.Name, caseSeed, seed.Name, bytes.Length, verdict, ms, allocated, error);
    }

    /// <summary>Returned, refused as documented (with a one-line message), or crashed.</summary>
    public static Verdict Judge(FuzzTarget target, Exception? error)
    {
        if (error is null) return Verdict.Ok;
        bool documented = target.Documented.Any(t => t.IsInstanceOfType(error));
        bool oneLine = !string.IsNullOrWhiteSpace(error.Message) && error.Message.IndexOfAny(['\n', '\r']) < 0;
        return documented && oneLine ? Verdict.Refused : Verdict.Crash;
    }

    public void Dispose()
    {
        _worker.Dispose();
        try
        {
            Directory.Delete(_scratch, recursive: true);
        }
        catch (IOException) { }
    }

    /// <summary>A thread that runs one case at a time and measures it on itself.</summary>
    private sealed class Worker : IDisposable
    {
        private readonly SemaphoreSlim _start = new(0), _done = new(0);
        private Action? _work;
        private double _ms;
        private long _allocated;
        private Exception? _error;
        private volatile bool _stop;

        public Worker() => new Thread(Loop) { IsBackground = true, Name = "fuzz case" }.Start();

        public bool TryRun(Action work, TimeSpan giveUp, out double ms, out long allocated, out Exception? error)
        {
            _work = work;
            _start.Release();
            bool finished = _done.Wait(giveUp);
            (ms, allocated, error) = finished ? (_ms, _allocated, _error) : (0, 0, null);
            return finished;
        }

        private void Loop()
        {
            while (true)
            {
                _start.Wait();
                if (_stop) return;
                _error = null;
                long before = GC.GetAllocatedBytesForCurrentThread();
                long t0 = Stopwatch.GetTimestamp();
                try
                {
                    _work!();
                }
                catch (Exception e)
                {
                    _error = e;
                }
                _ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                _allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                _done.Release();
            }
        }

        public void Dispose()
        {
            _stop = true;
            _start.Release();
        }
    }
}
