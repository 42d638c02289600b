using Hebb;
using Hebb.Data;
using Hebb.NN;
using Hebb.Optim;

var gen = new Generator(seed: 0);
var model = new Sequential(
    new Linear(784, 16, gen), new Sigmoid(), new Linear(16, 16, gen), new Sigmoid(), new Linear(16, 10, gen), new Sigmoid());
var train = TensorDataset.FromMnist(MnistDataset.Load(DatasetCatalog.Mnist, train: true));
var test = TensorDataset.FromMnist(MnistDataset.Load(DatasetCatalog.Mnist, train: false));
var sgd = new SGD(model.Parameters(), learningRate: 3.0);
for (int epoch = 1; epoch <= 10; epoch++)
{
    foreach (var (x, labels) in new DataLoader(train, batchSize: 100, shuffle: true, gen, recycleBatches: true))
    {
        using var step = TensorScope.Begin(); // this step's tensors go back to a pool at its end
        var cost = Losses.SquaredErrorCost(model.Forward(x), Losses.OneHot(labels, 10)); // sum of (a - y)², mean over the batch
        sgd.ZeroGrad(); cost.Backward(); sgd.Step();
    }
    var correct = model.Forward(test.Inputs).Argmax(1).Eq(test.Targets).Sum().Item<int>();
    Console.WriteLine($"epoch {epoch}: test accuracy {correct / 100.0:F2}%");
}
