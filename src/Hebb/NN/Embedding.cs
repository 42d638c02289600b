namespace Hebb.NN;

/// <summary>
/// A lookup table: row i of Weight is the vector of token i (torch.nn.Embedding). Forward maps int32
/// ids of any shape (..) to (.., EmbeddingDim); the backward adds each output row's gradient into the
/// row it came from, so rows never looked up get zero gradient.
/// </summary>
public sealed class Embedding : Module
{
    /// <summary>The number of rows, the vocabulary's size: ids run from 0 to NumEmbeddings - 1.</summary>
    public int NumEmbeddings { get; }
    /// <summary>The length of each row vector.</summary>
    public int EmbeddingDim { get; }
    /// <summary>The table, shape (NumEmbeddings, EmbeddingDim), registered as "weight".</summary>
    public Tensor Weight { get; }

    /// <summary>A table of <paramref name="numEmbeddings"/> rows; rows start as N(0, 1), as in PyTorch.</summary>
    /// <param name="numEmbeddings">The number of rows: the vocabulary's size.</param>
    /// <param name="embeddingDim">The length of each row vector.</param>
    /// <param name="generator">The random source of the initial rows.</param>
    /// <param name="std">The standard deviation of the initial rows (default 1).</param>
    /// <exception cref="ArgumentException">A size is not positive.</exception>
    public Embedding(int numEmbeddings, int embeddingDim, Generator generator, double std = 1.0)
    {
        if (numEmbeddings <= 0 || embeddingDim <= 0)
            throw new ArgumentException(
                $"Embedding: sizes must be positive, got num_embeddings={numEmbeddings}, embedding_dim={embeddingDim}");
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        Weight = RegisterParameter("weight", Tensor.Zeros(numEmbeddings, embeddingDim));
        Init.Normal(Weight, generator, 0, std);
    }

    /// <summary>The rows of the int32 <paramref name="ids"/>: ids of shape (..) give (.., EmbeddingDim), e.g.
    /// (batch, time) to (batch, time, EmbeddingDim).</summary>
    /// <exception cref="ArgumentException">The ids are not int32.</exception>
    /// <exception cref="IndexOutOfRangeException">An id is outside 0..NumEmbeddings - 1.</exception>
    public override Tensor Forward(Tensor ids)
    {
        if (ids.DType != DType.Int32)
            throw new ArgumentException(
                $"Embedding: ids must be an int32 tensor, got {ids.DType.Name()} of shape {ShapeUtil.Format(ids.Shape)}");
        var rows = Weight.IndexSelect(0, ids.Reshape(-1));
        return rows.Reshape([.. ids.ShapeArray, EmbeddingDim]);
    }

    /// <summary>
    /// The <paramref name="k"/> rows most similar to <paramref name="query"/> by cosine similarity
    /// (q·e / (|q| |e|)), best first, skipping the ids in <paramref name="exclude"/>.
    /// </summary>
    public IReadOnlyList<(int Id, double Similarity)> Nearest(ReadOnlySpan<float> query, int k, params int[] exclude)
    {
        if (query.Length != EmbeddingDim)
            throw new ArgumentException($"Nearest: the query has {query.Length} values, rows have {EmbeddingDim}");
        if (k <= 0) throw new ArgumentException($"Nearest: k must be positive, got {k}");
        var table = Weight.ToArray<float>();
        double qNorm = Math.Sqrt(System.Numerics.Tensors.TensorPrimitives.Dot(query, query));
        var scored = new List<(int, double)>();
        for (int i = 0; i < NumEmbeddings; i++)
        {
            if (exclude.Contains(i)) continue;
            var row = table.AsSpan(i * EmbeddingDim, EmbeddingDim);
            double norm = Math.Sqrt(System.Numerics.Tensors.TensorPrimitives.Dot(row, row));
            double dot = System.Numerics.Tensors.TensorPrimitives.Dot(row, query);
            scored.Add((i, qNorm == 0 || norm == 0 ? 0 : dot / (qNorm * norm)));
        }
        return scored.OrderByDescending(s => s.Item2).ThenBy(s => s.Item1).Take(k).ToList();
    }

    /// <summary>The row of one id (a copy).</summary>
    public float[] Row(int id)
    {
        if ((uint)id >= (uint)NumEmbeddings)
            throw new ArgumentOutOfRangeException(nameof(id), $"Row: id {id} is outside 0..{NumEmbeddings - 1}");
        return Weight.ToArray<float>().AsSpan(id * EmbeddingDim, EmbeddingDim).ToArray();
    }

    /// <summary>Vector arithmetic as in "man - woman + queen ≈ king": the rows nearest (by cosine) to
    /// e[a] - e[b] + e[c], leaving out a, b and c themselves.</summary>
    public IReadOnlyList<(int Id, double Similarity)> Analogy(int a, int b, int c, int k)
    {
        var (ea, eb, ec) = (Row(a), Row(b), Row(c));
        var v = new float[EmbeddingDim];
        for (int i = 0; i < v.Length; i++) v[i] = ea[i] - eb[i] + ec[i];
        return Nearest(v, k, a, b, c);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr => $"{NumEmbeddings}, {EmbeddingDim}";
}
