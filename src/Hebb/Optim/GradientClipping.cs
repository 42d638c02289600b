using Hebb.Autograd;

namespace Hebb.Optim;

/// <summary>Gradient clipping: call it between the backward pass and the optimiser's step.</summary>
public static class GradientClipping
{
    /// <summary>Scales all gradients by maxNorm / ||g|| when their global L2 norm ||g|| (over every
    /// parameter together) exceeds maxNorm, as torch.nn.utils.clip_grad_norm_. Returns the norm before clipping.</summary>
    public static double ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm)
    {
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), $"maxNorm must be positive, got {maxNorm}");
        // Two plain passes over the parameters: this runs every training step, so no lists or closures.
        double sumSquares = 0;
        foreach (var p in parameters)
        {
            if (p.Grad is not { } g) continue;
            // Gradients of float32 parameters are dense float32: sum them in place, vectorised.
            if (g.DType == DType.Float32 && g.IsContiguous) sumSquares += System.Numerics.Tensors.TensorPrimitives.SumOfSquares(Dense(g));
            else foreach (var v in g.ToFloatArray()) sumSquares += (double)v * v;
        }
        double norm = Math.Sqrt(sumSquares);
        if (norm > maxNorm)
        {
            double scale = maxNorm / (norm + 1e-6);
            using var _ = GradMode.NoGrad();
            foreach (var p in parameters)
            {
                if (p.Grad is not { } g) continue;
                if (g.DType == DType.Float32 && g.IsContiguous)
                    System.Numerics.Tensors.TensorPrimitives.Multiply(Dense(g), (float)scale, Dense(g));
                else g.CopyFrom(g.Mul(scale));
            }
        }
        return norm;
    }

    private static Span<float> Dense(Tensor g) => g.Data<float>().AsSpan(g.Offset, g.Numel);
}
