using System.Numerics.Tensors;
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
            if (g.DType == DType.Float32 && g.IsContiguous)
            {
                // In place over the buffer: this runs every training step, so no copies.
                var span = g.Data<float>().AsSpan(g.Offset, g.Numel);
                sumSquares += TensorPrimitives.Dot(span, span);
            }
            else
                foreach (var v in g.ToFloatArray()) sumSquares += (double)v * v;
        }
        double norm = Math.Sqrt(sumSquares);
        if (norm > maxNorm)
        {
            double scale = maxNorm / (norm + 1e-6);
            using var _ = GradMode.NoGrad();
            foreach (var g in grads)
            {
                if (g.DType == DType.Float32 && g.IsContiguous)
                {
                    var span = g.Data<float>().AsSpan(g.Offset, g.Numel);
                    TensorPrimitives.Multiply(span, (float)scale, span);
                }
                else g.CopyFrom(g.Mul(scale));
            }
        }
        return norm;
    }
}
