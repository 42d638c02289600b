using Hebb.Training;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Hebb.Autograd;
using Hebb.Data;
using Hebb.IO;
using Hebb.Models;
using Hebb.NN;
using Hebb.Optim;

namespace Hebb.Cli.Recipes;

/// <summary>
/// Everything `hebb train text` can be told. The defaults depend on the model kind (see <see cref="For"/>):
/// `new TextTrainingOptions()` is the character-level LSTM: Embedding(65, 64) -> LSTM(64, 256) -> Linear(256, 65)
/// on windows of 64 characters, batches of 32, Adam 2e-3 at a constant rate, gradients clipped to norm 1,
/// 1000 steps. <see cref="For"/>("gpt") is nanoGPT's CPU run of shakespeare_char.
/// </summary>
public sealed record TextTrainingOptions
{
    /// <summary>A key of <see cref="LanguageModelRecipe.ModelKinds"/>: lstm, gru, rnn or gpt.</summary>
    public string Model { get; init; } = "lstm";
    /// <summary>A text file, a folder, or a dataset name (see <see cref="CharDataset.Load"/>).</summary>
    public string Data { get; init; } = "tinyshakespeare";
    public int Hidden { get; init; } = 256;
    public int Layers { get; init; } = 1;
    public int EmbeddingDim { get; init; } = 64;
    public double Dropout { get; init; }
    public int Block { get; init; } = 64;
    public int BatchSize { get; init; } = 32;
    public int Steps { get; init; } = 1000;
    public double LearningRate { get; init; } = 2e-3;
    /// <summary>Global gradient-norm clip; 0 turns clipping off.</summary>
    public double Clip { get; init; } = 1.0;
    public int Seed { get; init; }
    /// <summary>Validation loss (and a sample) every this many steps, and after the last one.</summary>
    public int EvalInterval { get; init; } = 250;
    /// <summary>Batches averaged for the validation (and final training) loss; fixed across evaluations.</summary>
    public int EvalBatches { get; init; } = LanguageModelRecipe.DefaultEvalBatches;
    /// <summary>Characters in the sample printed at each evaluation (0 = none).</summary>
    public int SampleLength { get; init; } = 200;
    /// <summary>Truncated BPTT: consecutive chunks of batch-size parallel streams, the state carried
    /// (detached) from one chunk to the next, instead of independent random windows.</summary>
    public bool Tbptt { get; init; }
    /// <summary>Attention heads per block (GPT only).</summary>
    public int Heads { get; init; } = 4;
    /// <summary>Biases in the GPT's Linear and LayerNorm layers (nanoGPT's train.py default: none).</summary>
    public bool Bias { get; init; }
    /// <summary>"adam" (weight decay 0) or "adamw" (decoupled decay on matrices only, nanoGPT's split).</summary>
    public string Optimizer { get; init; } = "adam";
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;
    /// <summary>AdamW's decay of the 2-D weights (biases and LayerNorm parameters never decay).</summary>
    public double WeightDecay { get; init; }
    /// <summary>"constant" or "cosine": linear warm-up over <see cref="WarmupSteps"/>, then cosine decay from
    /// the learning rate to <see cref="MinLearningRate"/> at the last step (nanoGPT's lr_decay_iters = max_iters).</summary>
    public string Schedule { get; init; } = "constant";
    public int WarmupSteps { get; init; }
    public double MinLearningRate { get; init; }

    /// <summary>The defaults of one model kind; command-line options override single fields (`with`).
    /// lstm, gru, rnn: as above. gpt: nanoGPT's CPU configuration — 4 layers, 4 heads, embedding
    /// 128, block 64, batch 12, dropout 0, no biases, AdamW lr 1e-3 betas (0.9, 0.99) weight decay 0.1 on
    /// 2-D weights, 100 warm-up steps then cosine decay to 1e-4 at step 2000, clip 1.0, 2000 steps.</summary>
    public static TextTrainingOptions For(string model) => model switch
    {
        "gpt" => new TextTrainingOptions
        {
            Model = "gpt", Layers = 4, Heads = 4, EmbeddingDim = 128, Block = 64, BatchSize = 12, Dropout = 0, Bias = false,
            Optimizer = "adamw", LearningRate = 1e-3, Beta1 = 0.9, Beta2 = 0.99, WeightDecay = 0.1,
            Schedule = "cosine", WarmupSteps = 100, MinLearningRate = 1e-4, Clip = 1.0, Steps = 2000, EvalInterval = 250,
        },
        _ when LanguageModelRecipe.ModelKinds.ContainsKey(model) => new TextTrainingOptions { Model = model },
        _ => throw new ArgumentException($"--model must be one of {string.Join(", ", LanguageModelRecipe.ModelKinds.Keys)}, got '{model}'"),
    };

    public void Validate()
    {
        if (!LanguageModelRecipe.ModelKinds.ContainsKey(Model))
            throw new ArgumentException($"--model must be one of {string.Join(", ", LanguageModelRecipe.ModelKinds.Keys)}, got '{Model}'");
        if (Hidden <= 0) throw new ArgumentException($"--hidden must be positive, got {Hidden}");
        if (Layers <= 0) throw new ArgumentException($"--layers must be positive, got {Layers}");
        if (Hidden > 1 << 20 || Layers > 1 << 20 || EmbeddingDim > 1 << 20)
            throw new ArgumentException(
                $"--hidden, --layers and --embedding-dim must be at most 1048576, got {Hidden}, {Layers} and {EmbeddingDim}");
        if (Model != "gpt")
        {
            var cell = Enum.Parse<RecurrentCell>(Model, ignoreCase: true);
            long parameters = new Models.CharRnnConfig(cell, 256, EmbeddingDim, Hidden, Layers).ParameterCount;
            if (parameters > Models.CharRnnConfig.MaxParameters)
                throw new ArgumentException(
                    $"--hidden {Hidden}, --layers {Layers} and --embedding-dim {EmbeddingDim} make about {parameters:N0} parameters, " +
                    $"more than the {Models.CharRnnConfig.MaxParameters:N0} Hebb accepts");
        }
        if (EmbeddingDim <= 0) throw new ArgumentException($"--embedding-dim must be positive, got {EmbeddingDim}");
        if (!(Dropout >= 0 && Dropout < 1)) throw new ArgumentException($"--dropout must be in [0, 1), got {Dropout}");
        if (Block <= 0) throw new ArgumentException($"--block must be positive, got {Block}");
        if (BatchSize <= 0) throw new ArgumentException($"--batch-size must be positive, got {BatchSize}");
        if (Steps <= 0) throw new ArgumentException($"--steps must be positive, got {Steps}");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate))
            throw new ArgumentException($"--lr must be positive, got {LearningRate}");
        if (!(Clip >= 0) || !double.IsFinite(Clip)) throw new ArgumentException($"--clip must be >= 0 (0 = no clipping), got {Clip}");
        if (EvalInterval <= 0) throw new ArgumentException($"--eval-interval must be positive, got {EvalInterval}");
        if (EvalBatches <= 0) throw new ArgumentException($"eval batches must be positive, got {EvalBatches}");
        if (SampleLength < 0) throw new ArgumentException($"sample length must be >= 0, got {SampleLength}");
        if (Heads <= 0) throw new ArgumentException($"--heads must be positive, got {Heads}");
        if (Model == "gpt" && EmbeddingDim % Heads != 0)
            throw new ArgumentException($"--embd ({EmbeddingDim}) must be a multiple of --heads ({Heads})");
        if (Optimizer is not ("adam" or "adamw")) throw new ArgumentException($"optimizer must be adam or adamw, got '{Optimizer}'");
        if (!(Beta1 >= 0 && Beta1 < 1) || !(Beta2 >= 0 && Beta2 < 1))
            throw new ArgumentException($"betas must be in [0, 1), got ({Beta1}, {Beta2})");
        if (!(WeightDecay >= 0) || !double.IsFinite(WeightDecay))
            throw new ArgumentException($"weight decay must be >= 0, got {WeightDecay}");
        if (Optimizer == "adam" && WeightDecay != 0) throw new ArgumentException("weight decay needs the adamw optimizer");
        if (Schedule is not ("constant" or "cosine")) throw new ArgumentException($"schedule must be constant or cosine, got '{Schedule}'");
        if (Schedule == "cosine")
        {
            if (WarmupSteps < 0 || WarmupSteps >= Steps)
                throw new ArgumentException($"warm-up steps ({WarmupSteps}) must be >= 0 and fewer than --steps ({Steps})");
            if (!(MinLearningRate >= 0) || MinLearningRate > LearningRate)
                throw new ArgumentException($"the minimum learning rate ({MinLearningRate}) must be in [0, --lr ({LearningRate})]");
        }
    }
}

/// <summary>One evaluation during text training: losses on the fixed batches and a short sample.</summary>
public sealed record TextEvaluation(int Step, double ValidationLoss, double RecentTrainLoss, string Sample, double Seconds);

public sealed record TextTrainingResult(Module Model, IModelConfig Config, CharVocabulary Vocabulary, IReadOnlyList<TextEvaluation> History,
    double ValidationLoss, double TrainLoss, int Steps, double Seconds, double TrainSeconds)
{
    /// <summary>The model file's header: the network config, the vocabulary (so `generate` needs
    /// nothing else) and how the model was trained.</summary>
    public Dictionary<string, string> Metadata(TextTrainingOptions options, string dataset)
    {
        var meta = Config.ToMetadata();
        meta["tokenizer"] = "char";
        meta["vocab"] = Vocabulary.Chars;
        meta["dataset"] = dataset;
        meta["steps"] = Steps.ToString(CultureInfo.InvariantCulture);
        meta["block"] = options.Block.ToString(CultureInfo.InvariantCulture);
        meta["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture);
        meta["val_loss"] = ValidationLoss.ToString("R", CultureInfo.InvariantCulture);
        return meta;
    }
}

/// <summary>
/// Trains a next-character model on a text (`hebb train text`): any model kind that implements
/// <see cref="ILanguageModel"/>, chosen by name from <see cref="ModelKinds"/>. Each step: a batch of random
/// windows (or the next TBPTT chunk), cross-entropy of the logits against the text shifted by one, the
/// learning rate of the step (constant, or warm-up + cosine for the GPT),
/// backward, global-norm clipping, Adam or AdamW. One generator seeded from options.Seed drives initialisation
/// and batches, so a seed fixes the run.
/// Validation loss = mean cross-entropy over <see cref="DefaultEvalBatches"/> batches (of the training
/// batch size and block) of the validation split, from a zero state, whose windows start at evenly
/// spaced points of the split (<see cref="CharDataset.EvaluationBatch"/>): every evaluation, in every
/// run, sees the same windows, spread over the whole split. The final training loss is measured the
/// same way on the training split. (For the default LSTM, 640 windows of 64 characters, one every ~174 characters of
/// the 111,540 validation characters.)
/// </summary>
public static class LanguageModelRecipe
{
    public const int DefaultEvalBatches = 20;

    /// <summary>The --model kinds: one line each, building the config from the options and vocabulary size.</summary>
    public static readonly IReadOnlyDictionary<string, Func<TextTrainingOptions, int, IModelConfig>> ModelKinds =
        new Dictionary<string, Func<TextTrainingOptions, int, IModelConfig>>
        {
            ["lstm"] = (o, v) => new CharRnnConfig(RecurrentCell.Lstm, v, o.EmbeddingDim, o.Hidden, o.Layers, o.Dropout),
            ["gru"] = (o, v) => new CharRnnConfig(RecurrentCell.Gru, v, o.EmbeddingDim, o.Hidden, o.Layers, o.Dropout),
            ["rnn"] = (o, v) => new CharRnnConfig(RecurrentCell.Rnn, v, o.EmbeddingDim, o.Hidden, o.Layers, o.Dropout),
            ["gpt"] = (o, v) => new GptConfig(v, o.Layers, o.Heads, o.EmbeddingDim, o.Block, o.Dropout, o.Bias),
        };

    public static TextTrainingResult Run(TextTrainingOptions options, CharDataset data, Action<StepInfo>? onStep = null,
        Action<TextEvaluation>? onEval = null, RunControl? control = null)
    {
        options.Validate();
        control ??= new RunControl();
        data.CheckBlock(options.Block);
        var generator = new Generator(options.Seed);
        var config = ModelKinds[options.Model](options, data.Vocabulary.Count);
        MemoryEstimate.EnsureFits(MemoryEstimate.TrainingBytes(config, options.BatchSize, 2, options.Block),
            "use a smaller --batch-size, --block, --hidden or --embd");
        var model = config.Build(generator);
        var lm = model as ILanguageModel
            ?? throw new ArgumentException($"--model {options.Model}: '{config.Kind}' is not a language model");
        var recurrent = lm as IRecurrentLanguageModel;
        if (options.Tbptt && recurrent is null)
            throw new ArgumentException($"--tbptt needs a recurrent model; '{options.Model}' has no state to carry");
        var parameters = model.Parameters().ToArray();
        Adam optimizer = options.Optimizer == "adamw"
            ? new AdamW(
                ParameterGroup.DecayMatricesOnly(parameters, options.WeightDecay), options.LearningRate, options.Beta1, options.Beta2,
                weightDecay: options.WeightDecay)
            : new Adam(parameters, options.LearningRate, options.Beta1, options.Beta2);
        LearningRateSchedule? schedule = options.Schedule == "cosine"
            ? new CosineWithWarmupSchedule(options.LearningRate, options.MinLearningRate, options.WarmupSteps, options.Steps)
            : null;
        var sequential = options.Tbptt ? new SequentialBatches(data.Train, options.BatchSize, options.Block) : null;
        RecurrentState? carried = null; // lives outside the step scopes (carried out of each step)
        var history = new List<TextEvaluation>();
        double recentSum = 0;
        int recentCount = 0;
        var identity = Identity(options, config, data);
        if (control.Resume is { } resume)
        {
            resume.CheckIdentity(identity);
            (history, recentSum, recentCount, carried) = RestoreProgress(resume, sequential);
        }
        var trainer = new Trainer(model, optimizer, Losses.CrossEntropy)
        {
            Schedule = schedule,
            ClipGradNorm = options.Clip,
            Checkpoints = control.Policy(identity, new Dictionary<string, Generator> { ["data"] = generator }, c =>
            {
                c.Progress["recipe.history"] = JsonSerializer.Serialize(history);
                c.Progress["recipe.recent_sum"] = recentSum.ToString("R", CultureInfo.InvariantCulture);
                c.Progress["recipe.recent_count"] = recentCount.ToString(CultureInfo.InvariantCulture);
                if (sequential is not null)
                    c.Progress["recipe.stream_position"] = sequential.Position.ToString(CultureInfo.InvariantCulture);
                if (carried is not null)
                {
                    c.SetTensor("carried.h", carried.H);
                    if (carried.C is { } cell) c.SetTensor("carried.c", cell);
                }
            }),
            Cancellation = control.Cancellation,
        };

        Tensor StepLoss(int step)
        {
            Tensor x, y, logits;
            if (sequential is not null)
            {
                // Truncated BPTT: start from the previous chunk's final state (cut from its graph), unless the streams wrapped.
                (x, y, bool restarted) = sequential.Next();
                (logits, var next) = recurrent!.Forward(x, restarted ? null : carried);
                carried = next.Carry();
            }
            else
            {
                (x, y) = data.RandomBatch(validation: false, options.BatchSize, options.Block, generator);
                logits = lm.Forward(x);
            }
            return Losses.CrossEntropy(logits.Reshape(-1, lm.VocabSize), y.Reshape(-1));
        }

        var total = Stopwatch.StartNew();
        double trainSeconds = trainer.Run(options.Steps, StepLoss, info =>
        {
            recentSum += info.Loss;
            recentCount++;
            onStep?.Invoke(info);
        }, options.EvalInterval, step =>
        {
            double val = Evaluate(lm, data, validation: true, options);
            string sample = options.SampleLength == 0
                ? ""
                : SampleText(lm, data.Vocabulary, options.SampleLength, new Generator(options.Seed + step));
            var e = new TextEvaluation(step, val, recentSum / recentCount, sample, total.Elapsed.TotalSeconds);
            recentSum = 0;
            recentCount = 0;
            history.Add(e);
            onEval?.Invoke(e);
        }, control.Resume);
        double trainLoss = Evaluate(lm, data, validation: false, options);
        return new TextTrainingResult(model, config, data.Vocabulary, history, history[^1].ValidationLoss, trainLoss, options.Steps,
            total.Elapsed.TotalSeconds, trainSeconds);
    }

    /// <summary>What a checkpoint must match to be resumed by this run: the network, the text and every setting that
    /// changes the result.</summary>
    private static Dictionary<string, string> Identity(TextTrainingOptions options, IModelConfig config, CharDataset data)
    {
        var identity = new Dictionary<string, string>
        {
            ["the network"] = RunControl.Describe(config),
            ["training text"] = $"{data.Source}: {data.Fingerprint()}",
        };
        // Every setting but those that only change what is printed.
        foreach (var property in typeof(TextTrainingOptions).GetProperties())
        {
            if (property.Name is nameof(TextTrainingOptions.Data) or nameof(TextTrainingOptions.EvalInterval)
                or nameof(TextTrainingOptions.SampleLength)) continue;
            identity["--" + Kebab(property.Name)] = Convert.ToString(property.GetValue(options), CultureInfo.InvariantCulture) ?? "";
        }
        return identity;
    }

    private static string Kebab(string name) => name switch
    {
        nameof(TextTrainingOptions.LearningRate) => "lr",
        _ => string.Concat(name.Select((ch, i) =>
            char.IsUpper(ch) && i > 0 ? "-" + char.ToLowerInvariant(ch) : char.ToLowerInvariant(ch).ToString())),
    };

    private static (List<TextEvaluation>, double, int, RecurrentState?) RestoreProgress(
        Checkpoint checkpoint, SequentialBatches? sequential)
    {
        try
        {
            var history = JsonSerializer.Deserialize<List<TextEvaluation>>(checkpoint.Progress["recipe.history"]) ?? [];
            double sum = double.Parse(checkpoint.Progress["recipe.recent_sum"], CultureInfo.InvariantCulture);
            int count = int.Parse(checkpoint.Progress["recipe.recent_count"], CultureInfo.InvariantCulture);
            if (sequential is not null)
                sequential.Position = int.Parse(checkpoint.Progress["recipe.stream_position"], CultureInfo.InvariantCulture);
            using var _ = TensorScope.Suspend(); // the carried state outlives every step
            var carried = checkpoint.GetTensor("carried.h") is { } h ? new RecurrentState(h, checkpoint.GetTensor("carried.c")) : null;
            return (history, sum, count, carried);
        }
        catch (Exception e) when (e is KeyNotFoundException or FormatException or JsonException or ArgumentOutOfRangeException)
        {
            throw new InvalidDataException($"checkpoint '{checkpoint.Source}' is damaged: its progress cannot be read ({e.Message})", e);
        }
    }

    /// <summary>Mean cross-entropy over the fixed evaluation batches of one split, in eval mode.</summary>
    public static double Evaluate(ILanguageModel model, CharDataset data, bool validation, TextTrainingOptions options)
    {
        var module = model as Module;
        module?.Eval();
        try
        {
            using var _ = GradMode.NoGrad();
            double sum = 0;
            for (int i = 0; i < options.EvalBatches; i++)
            {
                using var scope = TensorScope.Begin();
                var (x, y) = data.EvaluationBatch(validation, i, options.EvalBatches, options.BatchSize, options.Block);
                sum += Losses.CrossEntropy(model.Forward(x).Reshape(-1, model.VocabSize), y.Reshape(-1)).ItemAsDouble();
            }
            return sum / options.EvalBatches;
        }
        finally
        {
            module?.Train();
        }
    }

    /// <summary>A short sample for the progress log: starts from a newline when the text has one, at temperature 0.8.</summary>
    public static string SampleText(ILanguageModel model, CharVocabulary vocabulary, int length, Generator generator)
    {
        int start = vocabulary.Contains(new System.Text.Rune('\n')) ? vocabulary.Encode("\n")[0] : 0;
        return vocabulary.Decode(Sampling.Generate(model, [start], length, 0.8, 0, generator));
    }

    /// <summary>A trained language model read back from its file: network, vocabulary and header.</summary>
    public sealed record LoadedLanguageModel(
        Module Module, ILanguageModel Model, CharVocabulary Vocabulary, IReadOnlyDictionary<string, string> Metadata);

    /// <summary>Reads a language model file: <see cref="ModelFactory.Load"/>, then its vocabulary from the metadata.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="SafetensorsFormatException">The file is not valid safetensors.</exception>
    /// <exception cref="InvalidDataException">The file is damaged, holds no language model, or its vocabulary is missing,
    /// malformed or does not fit the model.</exception>
    public static LoadedLanguageModel Load(string path) => FromLoaded(ModelFactory.Load(path), path);

    /// <summary>A character-level language model from a file already read.</summary>
    public static LoadedLanguageModel FromLoaded(ModelFactory.LoadedModel loaded, string path)
    {
        if (loaded.Model is not ILanguageModel lm)
            throw new InvalidDataException($"{path}: holds a '{loaded.Config.Kind}' model, not a language model");
        if (!loaded.Metadata.TryGetValue("vocab", out var chars))
            throw new InvalidDataException($"{path}: no 'vocab' entry in the metadata, so its token ids cannot be turned into text");
        CharVocabulary vocab;
        try
        {
            vocab = CharVocabulary.FromChars(chars);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: metadata 'vocab': {e.Message}");
        }
        if (vocab.Count != lm.VocabSize)
            throw new InvalidDataException($"{path}: the vocabulary has {vocab.Count} characters but the model has {lm.VocabSize} outputs");
        return new LoadedLanguageModel(loaded.Model, lm, vocab, loaded.Metadata);
    }
}
