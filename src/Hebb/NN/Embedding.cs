namespace Hebb.NN;

/// <summary>
/// A lookup table: row i of Weight is the vector of token i (torch.nn.Embedding). Forward maps int32
/// ids of any shape (..) to (.., EmbeddingDim); the backward adds each output row's gradient into the
/// row it came from, so rows never looked up get zero gradient.
/// </summary>
public sealed class Embedding : Module
{
    public int NumEmbeddings { get; }
    public int EmbeddingDim { get; }
    public Tensor Weight { get; }

    /// <summary>Rows start as N(0, 1), as in PyTorch.</summary>
    public Embedding(int numEmbeddings, int embeddingDim, Generator generator, double std = 1.0)
    {
        if (numEmbeddings <= 0 || embeddingDim <= 0)
            throw new ArgumentException($"Embedding: sizes must be positive, got num_embeddings={numEmbeddings}, embedding_dim={embeddingDim}");
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        Weight = RegisterParameter("weight", Tensor.Zeros(numEmbeddings, embeddingDim));
        Init.Normal(Weight, generator, 0, std);
    }

    public override Tensor Forward(Tensor ids)
    {
        if (ids.DType != DType.Int32)
            throw new ArgumentException($"Embedding: ids must be an int32 tensor, got {ids.DType.Name()} of shape {ShapeUtil.Format(ids.Shape)}");
        var rows = Weight.IndexSelect(0, ids.Reshape(-1));
        return rows.Reshape([.. ids.ShapeArray, EmbeddingDim]);
    }

    protected override string ExtraRepr => $"{NumEmbeddings}, {EmbeddingDim}";
}
