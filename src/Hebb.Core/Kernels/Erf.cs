namespace Hebb.Kernels;

/// <summary>The error function in double precision (the BCL has none): a Taylor series near zero,
/// a continued fraction for erfc in the tails. Accurate to about 1e-15, so GELU's forward and its
/// analytic derivative agree to well within gradcheck's tolerance.</summary>
internal static class Erf
{
    public static double Compute(double x)
    {
        if (double.IsNaN(x)) return x;
        double ax = Math.Abs(x);
        if (ax < 2.5)
        {
            // erf x = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
            double x2 = x * x, term = x, sum = x;
            for (int n = 1; n < 100; n++)
            {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
            }
            return 2.0 / Math.Sqrt(Math.PI) * sum;
        }
        if (ax > 6) return Math.Sign(x);
        // erfc x = e^(-x²)/sqrt(pi) · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), evaluated from the bottom.
        double f = ax;
        for (int n = 60; n >= 1; n--) f = ax + n * 0.5 / f;
        double erfc = Math.Exp(-ax * ax) / Math.Sqrt(Math.PI) / f;
        return Math.Sign(x) * (1 - erfc);
    }
}
