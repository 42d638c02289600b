namespace Hebb.Data;

/// <summary>
/// Which rows of a table train and which test. <see cref="Random"/> shuffles the row numbers with a seeded
/// <see cref="Generator"/> and holds out the first ones, so a seed gives the same split on every machine.
/// </summary>
/// <param name="TrainRows">The training rows (0-based data-row numbers), ascending.</param>
/// <param name="TestRows">The test rows, ascending.</param>
public sealed record TableSplit(int[] TrainRows, int[] TestRows)
{
    /// <summary>Holds out round(<paramref name="testFraction"/> · <paramref name="rows"/>) rows for testing, chosen by a
    /// Fisher-Yates shuffle of 0..rows-1 drawn from <paramref name="generator"/> (the first ones after the shuffle).</summary>
    /// <param name="rows">The number of data rows.</param>
    /// <param name="testFraction">The fraction held out, in [0, 1); 0 keeps every row for training.</param>
    /// <param name="generator">The random source (it advances).</param>
    /// <exception cref="ArgumentException">The fraction is outside [0, 1), or it leaves no training row.</exception>
    public static TableSplit Random(int rows, double testFraction, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (!(testFraction >= 0 && testFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(testFraction), $"the test fraction must be in [0, 1), got {testFraction}");
        int test = (int)Math.Round(rows * testFraction, MidpointRounding.AwayFromZero);
        if (test >= rows)
            throw new ArgumentException($"a test fraction of {testFraction} of {rows} rows leaves no row for training");
        var order = new int[rows];
        for (int i = 0; i < rows; i++) order[i] = i;
        generator.Shuffle(order);
        int[] testRows = order[..test], trainRows = order[test..];
        Array.Sort(testRows);
        Array.Sort(trainRows);
        return new TableSplit(trainRows, testRows);
    }
}
