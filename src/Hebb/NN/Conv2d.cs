using Hebb.Ops;

namespace Hebb.NN;

/// <summary>
/// 2-D convolution over (N, C_in, H, W) inputs with a (C_out, C_in/groups, kh, kw) kernel, stride,
/// padding, dilation, groups and an optional bias. Output size: H_out = floor((H_in - M + 2P)/S) + 1
/// (dilation D stretches the kernel to D(M-1)+1). Parameters: (M·N·C_in + 1)·C_out without groups.
/// </summary>
public sealed class Conv2d : Module, IFusesActivation
{
    private readonly Conv2dOp.Options _options;

    /// <summary>C_in, the channels of the input (dim 1).</summary>
    public int InChannels { get; }
    /// <summary>C_out, the channels of the output: the number of filters.</summary>
    public int OutChannels { get; }
    /// <summary>The kernel's height and width.</summary>
    public (int H, int W) KernelSize { get; }
    /// <summary>The filters, shape (C_out, C_in/groups, kh, kw), registered as "weight".</summary>
    public Tensor Weight { get; }
    /// <summary>One bias per filter, shape (C_out), registered as "bias"; null when built without a bias.</summary>
    public Tensor? Bias { get; }

    /// <summary>A convolution with a square kernel and the same stride, padding and dilation along H and W,
    /// as torch.nn.Conv2d(in_channels, out_channels, kernel_size, ...).</summary>
    /// <param name="inChannels">C_in, channels of the input.</param>
    /// <param name="outChannels">C_out, channels of the output (the number of filters).</param>
    /// <param name="kernelSize">The kernel's height and width.</param>
    /// <param name="generator">The random source of the initial weights.</param>
    /// <param name="stride">Step between neighbouring windows (default 1).</param>
    /// <param name="padding">Zeros added on every side of the image (default 0).</param>
    /// <param name="dilation">Spacing between the kernel's taps (default 1: adjacent pixels).</param>
    /// <param name="groups">Splits the channels into this many independent groups; it must divide both channel counts (default 1).</param>
    /// <param name="bias">Whether each filter has a learned bias (default true).</param>
    /// <param name="init">How the weights are initialised; the default is PyTorch's U(-1/sqrt(n_in), 1/sqrt(n_in)).</param>
    /// <exception cref="ArgumentException">A size is not positive, the padding is negative, or groups does not
    /// divide the channels.</exception>
    public Conv2d(int inChannels, int outChannels, int kernelSize, Generator generator, int stride = 1, int padding = 0,
        int dilation = 1, int groups = 1, bool bias = true, InitScheme init = InitScheme.Default)
        : this(inChannels, outChannels, (kernelSize, kernelSize), generator, (stride, stride), (padding, padding), (dilation, dilation),
            groups, bias, init)
    { }

    /// <summary>A convolution with separate (height, width) values for the kernel, stride, padding and dilation.</summary>
    /// <param name="inChannels">C_in, channels of the input.</param>
    /// <param name="outChannels">C_out, channels of the output (the number of filters).</param>
    /// <param name="kernelSize">The kernel's (height, width).</param>
    /// <param name="generator">The random source of the initial weights.</param>
    /// <param name="stride">Step between neighbouring windows, (along H, along W).</param>
    /// <param name="padding">Zeros added on each side, (top and bottom, left and right).</param>
    /// <param name="dilation">Spacing between the kernel's taps, (along H, along W).</param>
    /// <param name="groups">Splits the channels into this many independent groups; it must divide both channel counts (default 1).</param>
    /// <param name="bias">Whether each filter has a learned bias (default true).</param>
    /// <param name="init">How the weights are initialised; the default is PyTorch's U(-1/sqrt(n_in), 1/sqrt(n_in)).</param>
    /// <exception cref="ArgumentException">A size is not positive, the padding is negative, or groups does not
    /// divide the channels.</exception>
    public Conv2d(int inChannels, int outChannels, (int H, int W) kernelSize, Generator generator, (int H, int W) stride,
        (int H, int W) padding, (int H, int W) dilation, int groups = 1, bool bias = true, InitScheme init = InitScheme.Default)
    {
        if (inChannels <= 0 || outChannels <= 0 || kernelSize.H <= 0 || kernelSize.W <= 0 || stride.H <= 0 || stride.W <= 0
            || padding.H < 0 || padding.W < 0 || dilation.H <= 0 || dilation.W <= 0)
            throw new ArgumentException($"Conv2d: invalid sizes (in {inChannels}, out {outChannels}, kernel {kernelSize}, " +
                $"stride {stride}, padding {padding}, dilation {dilation})");
        if (groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"Conv2d: groups ({groups}) must divide both {inChannels} input and {outChannels} output channels");
        (InChannels, OutChannels, KernelSize) = (inChannels, outChannels, kernelSize);
        _options = new Conv2dOp.Options(stride.H, stride.W, padding.H, padding.W, dilation.H, dilation.W, groups);
        Weight = RegisterParameter("weight", Tensor.Zeros(outChannels, inChannels / groups, kernelSize.H, kernelSize.W));
        if (bias) Bias = RegisterParameter("bias", Tensor.Zeros(outChannels));
        Init.Apply(init, Weight, Bias, generator);
    }

    /// <summary>Convolves an input (N, C_in, H, W) into (N, C_out, H_out, W_out), with
    /// H_out = floor((H + 2·padding - dilation·(kh - 1) - 1) / stride) + 1, and likewise W_out.</summary>
    /// <exception cref="ArgumentException">The input is not (N, <see cref="InChannels"/>, H, W).</exception>
    public override Tensor Forward(Tensor input) => Forward(input, Activation.None);

    /// <summary>act(conv(x) + b) as one op where the activation allows it (see <see cref="Functional.Conv2d"/>);
    /// Sequential calls this for a Conv2d followed by an activation module.</summary>
    public Tensor Forward(Tensor input, Activation activation)
    {
        if (input.Rank != 4 || input.Size(1) != InChannels)
            throw new ArgumentException(
                $"Conv2d({InChannels}, {OutChannels}): input of shape {ShapeUtil.Format(input.Shape)} must be (N, {InChannels}, H, W)");
        return Conv2dOp.Forward(input, Weight, Bias, _options, activation);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr =>
        $"{InChannels}, {OutChannels}, kernel_size={KernelSize}, " +
        $"stride=({_options.StrideH}, {_options.StrideW}), padding=({_options.PadH}, {_options.PadW})" +
        (_options.DilationH != 1 || _options.DilationW != 1 ? $", dilation=({_options.DilationH}, {_options.DilationW})" : "") +
        (_options.Groups != 1 ? $", groups={_options.Groups}" : "") + (Bias is null ? ", bias=False" : "");
}

/// <summary>Max over each kernel-sized window (stride defaults to the kernel size), as torch.nn.MaxPool2d.</summary>
/// <param name="kernelSize">The window's height and width.</param>
/// <param name="stride">Step between windows; null for the kernel size (windows side by side).</param>
/// <param name="padding">Padding added on every side (default 0).</param>
public sealed class MaxPool2d(int kernelSize, int? stride = null, int padding = 0) : Module
{
    /// <summary>The largest value of each window: (N, C, H, W) to (N, C, H_out, W_out), with
    /// H_out = floor((H + 2·padding - kernelSize) / stride) + 1, and likewise W_out.</summary>
    public override Tensor Forward(Tensor input) =>
        Pool2dOp.Forward(input, kernelSize, kernelSize, stride ?? kernelSize, stride ?? kernelSize, padding, padding, max: true);

    /// <inheritdoc/>
    protected override string ExtraRepr => $"kernel_size={kernelSize}, stride={stride ?? kernelSize}, padding={padding}";
}

/// <summary>Mean over each kernel-sized window, padding counted (stride defaults to the kernel size), as
/// torch.nn.AvgPool2d.</summary>
/// <param name="kernelSize">The window's height and width.</param>
/// <param name="stride">Step between windows; null for the kernel size (windows side by side).</param>
/// <param name="padding">Zeros added on every side, counted in the mean (default 0).</param>
public sealed class AvgPool2d(int kernelSize, int? stride = null, int padding = 0) : Module
{
    /// <summary>The mean of each window: (N, C, H, W) to (N, C, H_out, W_out), with
    /// H_out = floor((H + 2·padding - kernelSize) / stride) + 1, and likewise W_out.</summary>
    public override Tensor Forward(Tensor input) =>
        Pool2dOp.Forward(input, kernelSize, kernelSize, stride ?? kernelSize, stride ?? kernelSize, padding, padding, max: false);

    /// <inheritdoc/>
    protected override string ExtraRepr => $"kernel_size={kernelSize}, stride={stride ?? kernelSize}, padding={padding}";
}
