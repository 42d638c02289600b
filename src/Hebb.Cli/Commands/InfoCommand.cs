using System.CommandLine;
using System.Runtime.InteropServices;

namespace Hebb.Cli.Commands;

/// <summary>`hebb info`: which kernels this machine runs (SIMD path, threads); --check verifies a product.</summary>
public static class InfoCommand
{
    public static Command Create()
    {
        var check = new Option<bool>("--check") { Description = "also multiply two matrices and compare with a naive product" };
        var command = new Command("info", "Show the kernels and threads Hebb uses on this machine") { check };
        command.SetAction(parse => Program.Guard(() =>
        {
            Console.WriteLine(
                $"hebb on .NET {Environment.Version}, {RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}");
            Console.WriteLine($"simd path: {ComputeSettings.SimdPath.ToString().ToLowerInvariant()}");
            Console.WriteLine($"threads: {ComputeSettings.Threads}");
            if (parse.GetValue(check))
            {
                var g = new Generator(1);
                var a = Tensor.Randn(g, 67, 129);
                var b = Tensor.Randn(g, 129, 45);
                var fast = a.MatMul(b).ToArray<float>();
                var exact = a.To(DType.Float64).MatMul(b.To(DType.Float64)).ToArray<double>();
                double worst = fast.Zip(exact, (x, y) => Math.Abs(x - y)).Max();
                Console.WriteLine(worst < 1e-3 ? "gemm check: ok" : $"gemm check: FAILED (max error {worst})");
                return worst < 1e-3 ? 0 : 1;
            }
            return 0;
        }));
        return command;
    }
}
