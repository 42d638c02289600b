namespace Hebb.Data;

/// <summary>
/// How one input column of a table becomes network inputs. A numeric column (every cell a number) becomes one input,
/// standardised: (x - <see cref="Mean"/>) / <see cref="Std"/>, both from the training rows. Any other column is
/// categorical and becomes one input per category (one-hot: 1 for the row's category, 0 for the others).
/// </summary>
/// <param name="Name">The column's name in the header.</param>
/// <param name="Categories">The categories in one-hot order (sorted, ordinal), or null for a numeric column.</param>
/// <param name="Mean">The mean over the training rows (numeric columns; 0 for categorical ones).</param>
/// <param name="Std">The standard deviation over the training rows (population, as scikit-learn's StandardScaler), or 1
/// when the column is constant there (numeric columns; 1 for categorical ones).</param>
public sealed record TableColumn(string Name, IReadOnlyList<string>? Categories, double Mean = 0, double Std = 1)
{
    /// <summary>Whether the column is one-hot encoded (it has a value that is not a number).</summary>
    public bool IsCategorical => Categories is not null;

    /// <summary>How many network inputs the column makes: 1, or one per category.</summary>
    public int Width => Categories?.Count ?? 1;
}
