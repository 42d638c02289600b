using System.Diagnostics;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hebb.Bench;

internal static class Json
{
    // Relaxed escaping: "fwd+bwd" stays readable instead of "fwd\u002Bbwd" (the output is never embedded in HTML).
    public static readonly JsonSerializerOptions Compact =
        new() { WriteIndented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    public static readonly JsonSerializerOptions Indented =
        new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>One measurement: one JSON line on standard output.</summary>
    public static void Emit(Dictionary<string, object?> fields)
    {
        Console.Out.WriteLine(JsonSerializer.Serialize(fields, Compact));
        Console.Out.Flush();
    }
}

internal static class Proc
{
    /// <summary>Peak resident set of this process so far (VmHWM), in MB.</summary>
    public static double? MaxRssMb()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return Math.Round(
                        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0, 1);
        }
        catch (IOException) { }
        return null;
    }
}

internal static class Stats
{
    public static double Median(IReadOnlyList<double> xs)
    {
        var s = xs.OrderBy(x => x).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}

internal static class Timing
{
    /// <summary>Warm up, then the best of 3 repetitions, each calling <paramref name="fn"/> until
    /// <paramref name="minTime"/> seconds have passed; returns seconds per call. (The PyTorch and
    /// TorchSharp peers use the same rule.)</summary>
    public static double BestSeconds(Action fn, double minTime)
    {
        fn();
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed.TotalSeconds < minTime / 5) fn();
        double best = double.PositiveInfinity;
        for (int rep = 0; rep < 3; rep++)
        {
            long calls = 0;
            var clock = Stopwatch.StartNew();
            double elapsed;
            do { fn(); calls++; } while ((elapsed = clock.Elapsed.TotalSeconds) < minTime);
            best = Math.Min(best, elapsed / calls);
        }
        return best;
    }
}

/// <summary>What a child process (one implementation, one workload, one thread count) is told.</summary>
/// <param name="Steps">W2 only: steps per epoch when above 0 (training on the first Steps x batch images), else whole epochs.</param>
internal sealed record ChildOptions(
    string Workload, int Threads, int Epochs, IReadOnlyList<(int M, int K, int N)> Shapes, double MinTime, int Steps = 0)
{
    public static string FormatShapes(IEnumerable<(int M, int K, int N)> shapes) =>
        string.Join(",", shapes.Select(s => $"{s.M}x{s.K}x{s.N}"));

    public static List<(int, int, int)> ParseShapes(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s =>
        {
            var d = s.Split('x').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            if (d.Length != 3 || d.Any(v => v <= 0)) throw new FormatException($"bad shape '{s}': expected MxKxN");
            return (d[0], d[1], d[2]);
        }).ToList();
}

internal static class JsonNodeExt
{
    public static string? Str(this JsonObject o, string key) =>
        o.TryGetPropertyValue(key, out var v) && v is JsonValue jv && jv.TryGetValue(out string? s) ? s : null;

    public static double? Num(this JsonObject o, string key)
    {
        if (!o.TryGetPropertyValue(key, out var v) || v is not JsonValue jv) return null;
        if (jv.TryGetValue(out double d)) return d;
        if (jv.TryGetValue(out long l)) return l;
        if (jv.TryGetValue(out int i)) return i;
        return null;
    }
}

/// <summary>CPU used on this machine by processes other than this harness and its children: the machine is
/// shared, and a busy neighbour distorts multi-threaded timings. Busy jiffies from /proc/stat minus our own
/// and our reaped children's CPU time (getrusage).</summary>
internal static class ForeignLoad
{
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetRusage(int who, [System.Runtime.InteropServices.Out] long[] usage);

    private const double Hz = 100; // USER_HZ of /proc/stat on Linux

    public readonly record struct Sample(double BusySeconds, double OursSeconds, long Ticks);

    public static Sample Take()
    {
        double busy = 0;
        try
        {
            var f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // cpu user nice system idle iowait irq softirq steal
            foreach (int i in new[] { 1, 2, 3, 6, 7, 8 }) busy += long.Parse(f[i], CultureInfo.InvariantCulture) / Hz;
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException) { busy = double.NaN; }
        return new Sample(busy, Rusage(0) + Rusage(-1), Stopwatch.GetTimestamp());
    }

    /// <summary>Average number of cores used by others between two samples.</summary>
    public static double Cores(Sample a, Sample b)
    {
        double wall = Stopwatch.GetElapsedTime(a.Ticks, b.Ticks).TotalSeconds;
        if (wall <= 0) return double.NaN;
        return Math.Max(0, (b.BusySeconds - a.BusySeconds) - (b.OursSeconds - a.OursSeconds)) / wall;
    }

    private static double Rusage(int who)
    {
        var u = new long[18]; // struct rusage on x86-64 / arm64 Linux: two timevals, then 14 longs
        try
        {
            if (GetRusage(who, u) != 0) return 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return 0; }
        return u[0] + u[1] / 1e6 + u[2] + u[3] / 1e6;
    }
}

/// <summary>One W6 convolution: LeNet-5's two Conv2d layers at batch 64 (the PyTorch and TorchSharp peers
/// list the same cases). conv2's input comes out of earlier layers, so its backward also computes the
/// input's gradient; conv1 sees the images, which need none (as in training).</summary>
internal sealed record W6Case(string Layer, int Batch, int InChannels, int Size, int OutChannels, int Kernel, int Padding, bool InputGrad)
{
    public static readonly W6Case[] All =
    [
        new("conv2", 64, 6, 14, 16, 5, 0, InputGrad: true),
        new("conv1", 64, 1, 28, 6, 5, 2, InputGrad: false),
    ];

    public int OutSize => Size + 2 * Padding - Kernel + 1;

    /// <summary>Multiply-adds x 2 of the forward; the backward adds one such product for the weight gradient
    /// and one for the input gradient when it is computed (bias and im2col not counted).</summary>
    public double Flops(string pass) =>
        2.0 * Batch * OutChannels * OutSize * OutSize * InChannels * Kernel * Kernel * (pass == "fwd" ? 1 : InputGrad ? 3 : 2);

    public Dictionary<string, object?> Record(string impl, int threads, string pass, double seconds) => new()
    {
        ["workload"] = "w6", ["impl"] = impl, ["threads"] = threads, ["layer"] = Layer, ["pass"] = pass,
        ["input_shape"] = new[] { Batch, InChannels, Size, Size }, ["weight_shape"] = new[] { OutChannels, InChannels, Kernel, Kernel },
        ["padding"] = Padding, ["input_grad"] = pass != "fwd" && InputGrad,
        ["ms_per_iter"] = Math.Round(seconds * 1e3, 4), ["gflops"] = Math.Round(Flops(pass) / seconds / 1e9, 2),
    };
}
