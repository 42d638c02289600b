using Hebb.Autograd;
using Hebb.Data;
using Hebb.IO;
using Hebb.NN;

namespace Hebb.Models;

/// <summary>
/// A network for table rows together with the encoding of its inputs and target: what <c>hebb train table</c> saves and
/// <c>hebb predict</c> loads. Its model file holds the MLP's weights and, in the metadata, the MLP's config and the
/// <see cref="TablePreprocessor"/>, so the file alone turns CSV rows into predictions.
/// </summary>
public sealed class TableModel
{
    /// <summary>The network's shape: inputs = <see cref="TablePreprocessor.Features"/>, outputs = classes (or 1).</summary>
    public MlpConfig Config { get; }

    /// <summary>The network: table inputs in, class logits (or one standardised value) out.</summary>
    public Sequential Network { get; }

    /// <summary>How rows become inputs, and outputs become answers.</summary>
    public TablePreprocessor Preprocessor { get; }

    /// <summary>Pairs a network with its preprocessor.</summary>
    /// <exception cref="ArgumentException">The config's input or output size does not match the preprocessor's.</exception>
    public TableModel(MlpConfig config, Sequential network, TablePreprocessor preprocessor)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(preprocessor);
        if (config.Inputs != preprocessor.Features || config.Outputs != preprocessor.Outputs)
            throw new ArgumentException($"the network takes {config.Inputs} inputs and gives {config.Outputs} outputs, but the " +
                $"table makes {preprocessor.Features} inputs and needs {preprocessor.Outputs} outputs");
        Config = config;
        Network = network;
        Preprocessor = preprocessor;
    }

    /// <summary>The metadata of the model file: the MLP's config and the preprocessor's entries.</summary>
    public Dictionary<string, string> ToMetadata()
    {
        var meta = Config.ToMetadata();
        foreach (var (key, value) in Preprocessor.ToMetadata()) meta[key] = value;
        return meta;
    }

    /// <summary>Saves the weights and the metadata (plus <paramref name="extra"/> entries, such as figures) to
    /// <paramref name="path"/>.</summary>
    public void Save(string path, IReadOnlyDictionary<string, string>? extra = null)
    {
        var meta = ToMetadata();
        if (extra is not null)
            foreach (var (key, value) in extra) meta.TryAdd(key, value);
        ModelFile.Save(path, Network, meta);
    }

    /// <summary>Loads a model file written by <see cref="Save"/>.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="InvalidDataException">The file is damaged, or holds a model that does not read table rows.</exception>
    public static TableModel Load(string path) => From(ModelFactory.Load(path), path);

    /// <summary>The table model in a file already loaded with <see cref="ModelFactory.Load"/>.</summary>
    /// <param name="loaded">The loaded file.</param>
    /// <param name="path">The file's name, for errors.</param>
    /// <exception cref="InvalidDataException">The file holds a model that does not read table rows, or its table metadata
    /// is damaged.</exception>
    public static TableModel From(ModelFactory.LoadedModel loaded, string path)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        if (!TablePreprocessor.IsTableModel(loaded.Metadata) || loaded.Config is not MlpConfig config
            || loaded.Model is not Sequential network)
            throw new InvalidDataException($"{path}: holds a '{loaded.Config.Kind}' model for " +
                $"{(loaded.Metadata.TryGetValue("dataset", out var d) ? d : "images or text")}, not a model of table rows");
        var preprocessor = TablePreprocessor.FromMetadata(loaded.Metadata, path);
        try
        {
            return new TableModel(config, network, preprocessor);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>The network's raw outputs for every row of <paramref name="table"/>: (rows, outputs), in eval mode
    /// without recording a graph.</summary>
    public float[] Outputs(CsvTable table) => Run(table, null);

    private float[] Run(CsvTable table, Func<Tensor, Tensor>? post)
    {
        var inputs = Preprocessor.TransformInputs(table);
        bool wasTraining = Network.Training;
        Network.Eval();
        try
        {
            using var _ = GradMode.NoGrad();
            var output = Network.Forward(inputs);
            return (post is null ? output : post(output)).ToFloatArray();
        }
        finally
        {
            if (wasTraining) Network.Train();
        }
    }

    /// <summary>Class probabilities (softmax of the logits) for every row: one array per row, in the order of
    /// <see cref="TablePreprocessor.Classes"/>.</summary>
    /// <exception cref="InvalidOperationException">The model is a regression model.</exception>
    public float[][] PredictProbabilities(CsvTable table)
    {
        if (Preprocessor.Task != TableTask.Classification)
            throw new InvalidOperationException("this table model predicts a number (regression), not class probabilities");
        var flat = Run(table, o => o.Softmax(-1));
        int k = Preprocessor.Classes.Count;
        return [.. Enumerable.Range(0, flat.Length / k).Select(r => flat[(r * k)..((r + 1) * k)])];
    }

    /// <summary>The predicted value, in the target's units, for every row.</summary>
    /// <exception cref="InvalidOperationException">The model is a classification model.</exception>
    public double[] PredictValues(CsvTable table)
    {
        if (Preprocessor.Task != TableTask.Regression)
            throw new InvalidOperationException("this table model predicts classes (classification), not a number");
        return [.. Outputs(table).Select(o => Preprocessor.InverseTarget(o))];
    }
}
