using Hebb;
using Hebb.Autograd;
using Hebb.Data;
using Hebb.IO;
using Hebb.NN;
using Hebb.Optim;
using Hebb.Training;

// Train a network of your own on the MNIST digits, save it, load it into a fresh copy, predict.
var gen = new Generator(seed: 1);
var train = TensorDataset.FromMnist(MnistDataset.Load(DatasetCatalog.Mnist, train: true));
var test = TensorDataset.FromMnist(MnistDataset.Load(DatasetCatalog.Mnist, train: false));
var model = new TwoLayerNet(inputs: 784, hidden: 64, classes: 10, gen);
var trainer = new Trainer(model, new Adam(model.Parameters(), learningRate: 1e-3), Losses.CrossEntropy);
trainer.Fit(new DataLoader(train, batchSize: 64, shuffle: true, gen), epochs: 3);
model.Save("two-layer.safetensors");

// Later, in another program: build the same architecture, load the weights, use it.
var loaded = new TwoLayerNet(inputs: 784, hidden: 64, classes: 10, new Generator(seed: 0));
loaded.Load("two-layer.safetensors");
var evaluation = Trainer.Evaluate(loaded, test, Losses.CrossEntropy);
Console.WriteLine($"test accuracy after loading: {100 * evaluation.Accuracy:F2}%");
using (GradMode.NoGrad())
{
    var probabilities = loaded.Forward(test.Inputs.Narrow(0, 0, 1)).Softmax(-1);
    int digit = probabilities.Argmax(1).Item<int>();
    Console.WriteLine($"the first test image is a {digit} (probability {probabilities.ToArray<float>()[digit]:F3})");
}

/// <summary>784 pixels -> 64 ReLU units -> 10 class scores (logits).</summary>
sealed class TwoLayerNet : Module
{
    private readonly Linear _hidden, _output;

    public TwoLayerNet(int inputs, int hidden, int classes, Generator gen)
    {
        _hidden = new Linear(inputs, hidden, gen);
        _output = new Linear(hidden, classes, gen);
        RegisterComponents(); // registers "hidden" and "output": their weights train and are saved
    }

    public override Tensor Forward(Tensor x) => _output.Forward(_hidden.Forward(x, Activation.Relu));
}
