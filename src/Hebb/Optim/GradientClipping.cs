using Hebb.Autograd;

namespace Hebb.Optim;

public static class GradientClipping
{
    /// <summary>Scales all gradients by maxNorm / ||g|| when their global L2 norm ||g|| (over every
    /// parameter together) exceeds maxNorm, as torch.nn.utils.clip_grad_norm_. Returns the norm before clipping.</summary>
    public static double ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm)
    {
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), $"maxNorm must be positive, got {maxNorm}");
        var grads = parameters.Select(p => p.Grad).Where(g => g is not null).Select(g => g!).ToList();
        double sumSquares = 0;
        foreach (var g in grads)
        {
            // Gradients of float32 parameters are dense float32: sum them in place, vectorised.
            if (g.DType == DType.Float32 && g.IsContiguous) sumSquares += System.Numerics.Tensors.TensorPrimitives.SumOfSquares(Dense(g));
            else foreach (var v in g.ToFloatArray()) sumSquares += (double)v * v;
        }
        double norm = Math.Sqrt(sumSquares);
        if (norm > maxNorm)
        {
            double scale = maxNorm / (norm + 1e-6);
            using var _ = GradMode.NoGrad();
            foreach (var g in grads)
            {
                if (g.DType == DType.Float32 && g.IsContiguous) System.Numerics.Tensors.TensorPrimitives.Multiply(Dense(g), (float)scale, Dense(g));
                else g.CopyFrom(g.Mul(scale));
            }
        }
        return norm;
    }

    private static Span<float> Dense(Tensor g) => g.Data<float>().AsSpan(g.Offset, g.Numel);
}
