using Hebb.Autograd;

namespace Hebb.NN;

/// <summary>The initialisation schemes a user can pick (CLI --init and model configs).</summary>
public enum InitScheme
{
    /// <summary>PyTorch's Linear default: U(-1/sqrt(n_in), 1/sqrt(n_in)).</summary>
    Default,
    /// <summary>All weights and biases 0. Every unit of a layer then computes and learns the same thing, so this
    /// is for tests and demonstrations, not for training.</summary>
    Zeros,
    /// <summary>He / Kaiming normal: std = sqrt(2 / n_in), for ReLU.</summary>
    He,
    /// <summary>Xavier in its classic formulation: normal with std = sqrt(1 / n_in) (also called LeCun normal), for tanh
    /// and sigmoid.</summary>
    Xavier,
    /// <summary>Glorot's form: normal with std = sqrt(2 / (n_in + n_out)) (torch.nn.init.xavier_normal_).</summary>
    Glorot,
}

/// <summary>
/// In-place weight initialisers, always with an explicit generator. n_in (fan-in) is the number of
/// inputs feeding one output: dim 1 times the kernel size for weights shaped (out, in, k...).
/// Beware: zero (or any constant) weights leave every unit of a layer identical.
/// </summary>
public static class Init
{
    private static readonly AsyncLocal<bool> Skipping = new();

    /// <summary>Opens a scope in which <see cref="Uniform"/> and <see cref="Normal"/> (and every scheme built on them) draw
    /// nothing and leave tensors as they are: for building a network whose weights are all about to be loaded from a
    /// file (a GPT-2 of 124M parameters otherwise spends seconds drawing values the file replaces). Constants (zeros, a
    /// LayerNorm's ones) are still written. The scope flows into tasks started inside it; dispose it to end it.</summary>
    public static IDisposable SkipRandom() => new SkipScope();

    /// <summary>Whether a <see cref="SkipRandom"/> scope is open here.</summary>
    public static bool IsSkippingRandom => Skipping.Value;

    private sealed class SkipScope : IDisposable
    {
        private readonly bool _previous = Skipping.Value;
        private bool _disposed;

        public SkipScope() => Skipping.Value = true;

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            Skipping.Value = _previous;
        }
    }

    /// <summary>n_in and n_out of a weight shaped (out, in, k...): in and out, each times the product of the
    /// kernel dims (1 for a Linear), as torch's _calculate_fan_in_and_fan_out.</summary>
    /// <exception cref="ArgumentException">The weight has fewer than 2 dims.</exception>
    public static (int FanIn, int FanOut) Fans(Tensor weight)
    {
        if (weight.Rank < 2)
            throw new ArgumentException($"fan-in/fan-out need a weight of rank >= 2, got shape {ShapeUtil.Format(weight.Shape)}");
        int receptive = 1;
        for (int i = 2; i < weight.Rank; i++) receptive *= weight.ShapeArray[i];
        return (weight.ShapeArray[1] * receptive, weight.ShapeArray[0] * receptive);
    }

    /// <summary>Fills <paramref name="t"/> with 0 in place, without recording a graph, and returns it
    /// (torch.nn.init.zeros_).</summary>
    public static Tensor Zeros(Tensor t) => Constant(t, 0);

    /// <summary>Fills <paramref name="t"/> with <paramref name="value"/> in place, without recording a graph, and
    /// returns it (torch.nn.init.constant_).</summary>
    public static Tensor Constant(Tensor t, double value)
    {
        using var _ = GradMode.NoGrad();
        return t.FillInPlace(value);
    }

    /// <summary>Overwrites <paramref name="t"/> with draws from U(<paramref name="low"/>, <paramref name="high"/>),
    /// in place and without recording a graph, and returns it (torch.nn.init.uniform_).</summary>
    public static Tensor Uniform(Tensor t, Generator generator, double low, double high)
    {
        if (Skipping.Value) return t;
        using var _ = GradMode.NoGrad();
        return t.CopyFrom(Tensor.Uniform(generator, low, high, t.DType, t.ShapeArray));
    }

    /// <summary>Overwrites <paramref name="t"/> with draws from a normal distribution of the given mean and standard
    /// deviation, in place and without recording a graph, and returns it (torch.nn.init.normal_).</summary>
    public static Tensor Normal(Tensor t, Generator generator, double mean, double std)
    {
        if (Skipping.Value) return t;
        using var _ = GradMode.NoGrad();
        return t.CopyFrom(Tensor.Normal(generator, mean, std, t.DType, t.ShapeArray));
    }

    /// <summary>He / Kaiming normal: N(0, sqrt(2 / n_in)).</summary>
    public static Tensor KaimingNormal(Tensor t, Generator generator) => Normal(t, generator, 0, Math.Sqrt(2.0 / Fans(t).FanIn));

    /// <summary>He / Kaiming uniform: U(-b, b) with b = sqrt(6 / n_in), the same variance as KaimingNormal.</summary>
    public static Tensor KaimingUniform(Tensor t, Generator generator)
    {
        double bound = Math.Sqrt(6.0 / Fans(t).FanIn);
        return Uniform(t, generator, -bound, bound);
    }

    /// <summary>Xavier in its classic formulation: N(0, sqrt(1 / n_in)).</summary>
    public static Tensor Xavier(Tensor t, Generator generator) => Normal(t, generator, 0, Math.Sqrt(1.0 / Fans(t).FanIn));

    /// <summary>Glorot normal: N(0, sqrt(2 / (n_in + n_out))).</summary>
    public static Tensor GlorotNormal(Tensor t, Generator generator)
    {
        var (fanIn, fanOut) = Fans(t);
        return Normal(t, generator, 0, Math.Sqrt(2.0 / (fanIn + fanOut)));
    }

    /// <summary>Glorot uniform: U(-b, b) with b = sqrt(6 / (n_in + n_out)).</summary>
    public static Tensor GlorotUniform(Tensor t, Generator generator)
    {
        var (fanIn, fanOut) = Fans(t);
        double bound = Math.Sqrt(6.0 / (fanIn + fanOut));
        return Uniform(t, generator, -bound, bound);
    }

    /// <summary>PyTorch's default for Linear and Conv weights and biases: U(-1/sqrt(n_in), 1/sqrt(n_in)).</summary>
    public static Tensor LinearDefault(Tensor t, Generator generator, int fanIn)
    {
        double bound = fanIn > 0 ? 1.0 / Math.Sqrt(fanIn) : 0;
        return Uniform(t, generator, -bound, bound);
    }

    /// <summary>Initialises a weight with a scheme; biases are set to zero except for Default.</summary>
    public static void Apply(InitScheme scheme, Tensor weight, Tensor? bias, Generator generator)
    {
        int fanIn = Fans(weight).FanIn;
        switch (scheme)
        {
            case InitScheme.Default: LinearDefault(weight, generator, fanIn); break;
            case InitScheme.Zeros: Zeros(weight); break;
            case InitScheme.He: KaimingNormal(weight, generator); break;
            case InitScheme.Xavier: Xavier(weight, generator); break;
            case InitScheme.Glorot: GlorotNormal(weight, generator); break;
            default: throw new ArgumentOutOfRangeException(nameof(scheme), scheme, null);
        }
        if (bias is not null)
        {
            if (scheme == InitScheme.Default) LinearDefault(bias, generator, fanIn);
            else Zeros(bias);
        }
    }
}
