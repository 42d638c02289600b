using System.Reflection;
using Hebb.Cli.Recipes;
using NetArchTest.Rules;

namespace Hebb.Tests.Architecture;

/// <summary>
/// Holds the layering drawn in the README: each layer uses only the layers below it. The allowed
/// direction is written once, in <see cref="Layers"/>; every rule below is derived from it.
/// </summary>
public class LayeringTests
{
    /// <summary>The layers, bottom first. A layer may use any layer listed before it; it may not use a
    /// layer listed after it, nor the other namespaces of its own row (they are independent of each other).
    /// "Hebb" alone is the engine's own namespace (Tensor, DType, Generator, ...).</summary>
    public static readonly (string Layer, string Assembly, string[] Namespaces)[] Layers =
    [
        ("kernels", "Hebb.Core", ["Hebb.Kernels"]),
        ("engine", "Hebb.Core", ["Hebb", "Hebb.Autograd", "Hebb.Ops"]),
        ("layers, data, optimisers", "Hebb", ["Hebb.NN", "Hebb.Data", "Hebb.Optim"]),
        ("files", "Hebb", ["Hebb.IO"]),
        ("models", "Hebb", ["Hebb.Models"]),
        ("training, export", "Hebb", ["Hebb.Training", "Hebb.Onnx"]),
        ("apps", "Hebb.Cli", ["Hebb.Cli"]),
    ];

    /// <summary>Kernel-level types in the engine's namespace, so that users (and the layers above, which may
    /// not use Hebb.Kernels) reach them with <c>using Hebb;</c>: the settings the kernels read and the
    /// shape arithmetic they share. They know no tensor either.</summary>
    private static readonly string[] KernelSettings = ["Hebb.ComputeSettings", "Hebb.SimdPath", "Hebb.ShapeUtil"];

    private static readonly Dictionary<string, Assembly> Assemblies = new()
    {
        ["Hebb.Core"] = typeof(Tensor).Assembly,
        ["Hebb"] = typeof(Hebb.NN.Module).Assembly,
        ["Hebb.Cli"] = typeof(ClassifierRecipe).Assembly,
    };

    public static IEnumerable<object[]> NamespacesAboveTheEngine() =>
        Layers.Skip(2).SelectMany(l => l.Namespaces.Select(ns => new object[] { ns }));

    [Fact]
    public void EachAssemblyReferencesOnlyTheAssembliesBelowIt()
    {
        string[] order = ["Hebb.Core", "Hebb", "Hebb.Cli"];
        for (int i = 0; i < order.Length; i++)
        {
            var references = Assemblies[order[i]].GetReferencedAssemblies().Select(a => a.Name).ToHashSet();
            foreach (var above in order.Skip(i + 1))
                Assert.False(references.Contains(above), $"{order[i]} references {above}, which is above it");
        }
        Assert.Contains("Hebb.Core", Assemblies["Hebb"].GetReferencedAssemblies().Select(a => a.Name));
    }

    [Fact]
    public void EveryNamespaceHasALayer()
    {
        var known = Layers.SelectMany(l => l.Namespaces).ToHashSet();
        foreach (var (name, assembly) in Assemblies)
            foreach (var type in assembly.GetTypes().Where(t => t.Namespace is not null
                         && !t.Namespace.StartsWith("Microsoft", StringComparison.Ordinal)
                         && !t.Namespace.StartsWith("System", StringComparison.Ordinal)))
            {
                // Hebb.Cli.Recipes and the like belong to their parent's layer.
                string ns = type.Namespace!;
                bool placed = known.Contains(ns) || known.Any(k => k != "Hebb" && ns.StartsWith(k + ".", StringComparison.Ordinal));
                Assert.True(placed, $"{type.FullName} (in {name}) is in namespace {ns}, which no layer of LayeringTests.Layers holds");
                var layer = Layers.First(l => l.Namespaces.Contains(ns)
                    || l.Namespaces.Any(k => k != "Hebb" && ns.StartsWith(k + ".", StringComparison.Ordinal)));
                if (!KernelSettings.Contains(type.FullName))
                    Assert.True(layer.Assembly == name,
                        $"{type.FullName} is in {name}, but its namespace {ns} belongs to {layer.Assembly} ({layer.Layer})");
            }
    }

    [Fact]
    public void KernelsKnowNoTensorNoAutogradAndNoOps()
    {
        var core = Assemblies["Hebb.Core"];
        // Everything of the engine, named type by type for its own namespace (a prefix "Hebb" would match all).
        var engine = core.GetTypes()
            .Where(t => t.Namespace == "Hebb" && !t.IsNested && !KernelSettings.Contains(t.FullName) && !t.Name.StartsWith('<'))
            .Select(t => t.FullName!)
            .Concat(["Hebb.Autograd", "Hebb.Ops"])
            .ToArray();
        var result = Types.InAssembly(core).That().ResideInNamespace("Hebb.Kernels").ShouldNot().HaveDependencyOnAny(engine).GetResult();
        Assert.True(result.IsSuccessful, Describe("kernels", "the engine (tensors, autograd, ops)", result));
        var settings = Types.InAssembly(core).That().HaveName("ComputeSettings").Or().HaveName("SimdPath").Or().HaveName("ShapeUtil")
            .ShouldNot().HaveDependencyOnAny(engine).GetResult();
        Assert.True(settings.IsSuccessful, Describe("kernel settings", "the engine (tensors, autograd, ops)", settings));
    }

    [Theory]
    [MemberData(nameof(NamespacesAboveTheEngine))]
    public void ANamespaceUsesOnlyTheLayersBelowIt(string ns)
    {
        int level = Array.FindIndex(Layers, l => l.Namespaces.Contains(ns));
        var layer = Layers[level];
        // Above it, beside it, and the kernels: layers build on ops, never on kernels.
        var forbidden = Layers.Skip(level + 1).SelectMany(l => l.Namespaces)
            .Concat(layer.Namespaces.Where(other => other != ns))
            .Append("Hebb.Kernels")
            .ToArray();
        var result = Types.InAssembly(Assemblies[layer.Assembly]).That().ResideInNamespace(ns)
            .ShouldNot().HaveDependencyOnAny(forbidden).GetResult();
        Assert.True(result.IsSuccessful, Describe(ns, string.Join(", ", forbidden), result));
    }

    /// <summary>The README's picture of the layout names every source folder of the three assemblies, so a
    /// folder added without a place in the picture fails here.</summary>
    [Fact]
    public void TheReadmeLayoutNamesEverySourceFolder()
    {
        string root = StyleTests.RepositoryRoot();
        string readme = File.ReadAllText(Path.Combine(root, "README.md"));
        int start = readme.IndexOf("## Layout", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no '## Layout' section");
        int end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        string layout = readme[start..(end < 0 ? readme.Length : end)];
        foreach (var project in new[] { "Hebb.Core", "Hebb", "Hebb.Cli" })
        {
            Assert.Contains($"({Path.Combine("src", project)})", layout);
            foreach (var dir in Directory.GetDirectories(Path.Combine(root, "src", project)))
            {
                string name = Path.GetFileName(dir);
                if (name is "bin" or "obj") continue;
                Assert.True(layout.Contains(name, StringComparison.Ordinal),
                    $"the README's layout does not mention src/{project}/{name}");
            }
        }
    }

    private static string Describe(string what, string forbidden, TestResult result) =>
        $"{what} must not use {forbidden}; these types do: {string.Join(", ", result.FailingTypeNames ?? [])}";
}
