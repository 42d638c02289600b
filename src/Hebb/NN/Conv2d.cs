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

    public int InChannels { get; }
    public int OutChannels { get; }
    public (int H, int W) KernelSize { get; }
    public Tensor Weight { get; }
    public Tensor? Bias { get; }

    public Conv2d(int inChannels, int outChannels, int kernelSize, Generator generator, int stride = 1, int padding = 0,
        int dilation = 1, int groups = 1, bool bias = true, InitScheme init = InitScheme.Default)
        : this(inChannels, outChannels, (kernelSize, kernelSize), generator, (stride, stride), (padding, padding), (dilation, dilation),
            groups, bias, init)
    { }

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

    public override Tensor Forward(Tensor input) => Forward(input, Activation.None);

    /// <summary>act(conv(x) + b) as one op where the activation allows it (see <see cref="Functional.Conv2d"/>);
    /// Sequential calls this for a Conv2d followed by an activation module.</summary>
    public Tensor Forward(Tensor input, Activation activation)
    {
        if (input.Rank != 4 || input.Size(1) != InChannels)
            throw new ArgumentException(
                $"Conv2d({InChannels}, {OutChannels}): input of shape {ShapeUtil.Format(input.Shape)} must be (N, {InChannels}, H, W)");
        return activation == Activation.Gelu
            ? Conv2dOp.Forward(input, Weight, Bias, _options).Gelu()
            : Conv2dOp.Forward(input, Weight, Bias, _options, activation);
    }

    protected override string ExtraRepr =>
        $"{InChannels}, {OutChannels}, kernel_size={KernelSize}, " +
        $"stride=({_options.StrideH}, {_options.StrideW}), padding=({_options.PadH}, {_options.PadW})" +
        (_options.DilationH != 1 || _options.DilationW != 1 ? $", dilation=({_options.DilationH}, {_options.DilationW})" : "") +
        (_options.Groups != 1 ? $", groups={_options.Groups}" : "") + (Bias is null ? ", bias=False" : "");
}

/// <summary>Max over each kernel-sized window (stride defaults to the kernel size).</summary>
public sealed class MaxPool2d(int kernelSize, int? stride = null, int padding = 0) : Module
{
    public override Tensor Forward(Tensor input) =>
        Pool2dOp.Forward(input, kernelSize, kernelSize, stride ?? kernelSize, stride ?? kernelSize, padding, padding, max: true);

    protected override string ExtraRepr => $"kernel_size={kernelSize}, stride={stride ?? kernelSize}, padding={padding}";
}

/// <summary>Mean over each kernel-sized window, padding counted (stride defaults to the kernel size).</summary>
public sealed class AvgPool2d(int kernelSize, int? stride = null, int padding = 0) : Module
{
    public override Tensor Forward(Tensor input) =>
        Pool2dOp.Forward(input, kernelSize, kernelSize, stride ?? kernelSize, stride ?? kernelSize, padding, padding, max: false);

    protected override string ExtraRepr => $"kernel_size={kernelSize}, stride={stride ?? kernelSize}, padding={padding}";
}
