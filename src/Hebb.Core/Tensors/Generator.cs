namespace Hebb;

/// <summary>An explicit, seeded random number generator (xoshiro256**, seeded through splitmix64).
/// Hebb never uses a hidden global generator: the same seed gives the same numbers on every
/// machine and .NET version, which System.Random does not promise.</summary>
public sealed class Generator
{
    private ulong _s0, _s1, _s2, _s3;
    private double? _spareNormal;

    /// <summary>A generator whose whole stream is fixed by <paramref name="seed"/>. As torch.Generator().manual_seed(seed).</summary>
    public Generator(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    /// <summary>A generator seeded with <paramref name="seed"/>; a negative seed is taken as its two's-complement bits, so
    /// Generator(-1) equals Generator(ulong.MaxValue).</summary>
    public Generator(int seed) : this(unchecked((ulong)seed)) { }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 uniformly random bits; every other draw is built on this one.</summary>
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A new generator seeded from this one's next value: an independent stream for a
    /// component (e.g. a Dropout's masks) that is still fixed by the parent's seed.</summary>
    public Generator Fork() => new(NextUInt64());

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n), without modulo bias (Lemire's method).</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), "n must be positive");
        ulong bound = (ulong)n;
        ulong threshold = (0UL - bound) % bound;
        while (true)
        {
            ulong r = NextUInt64();
            UInt128 m = (UInt128)r * bound;
            if ((ulong)m >= threshold) return (int)(m >> 64);
        }
    }

    /// <summary>Standard normal via Box-Muller (both values of a pair are used).</summary>
    public double NextNormal()
    {
        if (_spareNormal is double spare)
        {
            _spareNormal = null;
            return spare;
        }
        double u1;
        do u1 = NextDouble(); while (u1 <= double.Epsilon);
        double u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spareNormal = r * Math.Sin(2 * Math.PI * u2);
        return r * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>The generator's whole state: the next numbers it gives depend on nothing else. For checkpoints
    /// (as torch.Generator.get_state()).</summary>
    public GeneratorState GetState() => new(_s0, _s1, _s2, _s3, _spareNormal);

    /// <summary>Puts the generator back in a state taken by <see cref="GetState"/>: it then gives the same numbers
    /// as the generator did after that call (as torch.Generator.set_state()).</summary>
    /// <exception cref="ArgumentException">The state is all zeros, which xoshiro256** can never leave.</exception>
    public void SetState(GeneratorState state)
    {
        if ((state.S0 | state.S1 | state.S2 | state.S3) == 0)
            throw new ArgumentException("a generator state cannot be all zeros (no seed gives it)", nameof(state));
        (_s0, _s1, _s2, _s3, _spareNormal) = (state.S0, state.S1, state.S2, state.S3, state.SpareNormal);
    }

    /// <summary>Fisher-Yates shuffle of 0..n-1 in place.</summary>
    public void Shuffle(Span<int> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }
}

/// <summary>A <see cref="Generator"/>'s complete state: the four xoshiro256** words and the second value of a normal pair
/// when one is waiting.</summary>
/// <param name="S0">The first state word.</param>
/// <param name="S1">The second state word.</param>
/// <param name="S2">The third state word.</param>
/// <param name="S3">The fourth state word.</param>
/// <param name="SpareNormal">The waiting second value of a Box-Muller pair, or null.</param>
public readonly record struct GeneratorState(ulong S0, ulong S1, ulong S2, ulong S3, double? SpareNormal);
