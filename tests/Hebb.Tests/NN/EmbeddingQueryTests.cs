using Hebb.Autograd;
using Hebb.NN;

namespace Hebb.Tests.NN;

/// <summary>Nearest neighbours and vector arithmetic over an embedding table, on a hand-made table
/// where the answers are known.</summary>
public class EmbeddingQueryTests
{
    /// <summary>Rows: 0 man, 1 woman, 2 king, 3 queen, 4 apple. A "royal" axis and a "female" axis,
    /// so man - woman + queen = king exactly.</summary>
    private static Embedding Table()
    {
        var emb = new Embedding(5, 3, new Generator(0));
        using (GradMode.NoGrad())
            emb.Weight.CopyFrom(Tensor.FromArray(new float[]
            {
                1, 0, 0.1f,   // man
                1, 1, 0.1f,   // woman
                1, 0, 2,      // king
                1, 1, 2,      // queen
                -1, 0.2f, 0,  // apple
            }, 5, 3));
        return emb;
    }

    [Fact]
    public void AnalogyFindsKingFromManWomanQueen()
    {
        var result = Table().Analogy(0, 1, 3, k: 2);
        Assert.Equal(2, result[0].Id);                   // king
        Assert.Equal(1.0, result[0].Similarity, 6);      // e[man] - e[woman] + e[queen] is exactly e[king]
        Assert.DoesNotContain(result, r => r.Id is 0 or 1 or 3);
    }

    [Fact]
    public void NearestRanksByCosineAndSkipsExcluded()
    {
        var emb = Table();
        var result = emb.Nearest(emb.Row(2), k: 4, 2);
        Assert.Equal([3, 0, 1, 4], result.Select(r => r.Id).ToArray());
        // cosine(king, queen) = (1 + 0 + 4) / (sqrt 5 · sqrt 6)
        Assert.Equal(5 / Math.Sqrt(5) / Math.Sqrt(6), result[0].Similarity, 5);
        for (int i = 1; i < result.Count; i++) Assert.True(result[i - 1].Similarity >= result[i].Similarity);
        Assert.Throws<ArgumentException>(() => emb.Nearest(new float[2], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => emb.Row(5));
    }
}
