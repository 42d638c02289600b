namespace Hebb.Data;

/// <summary>What a table's target column asks for.</summary>
public enum TableTask
{
    /// <summary>Predict one of a set of classes (the target's distinct values): cross-entropy over one output per class.</summary>
    Classification,
    /// <summary>Predict a number: squared error on one linear output.</summary>
    Regression,
}
