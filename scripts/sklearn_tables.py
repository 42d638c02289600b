#!/usr/bin/python3
"""Hebb against scikit-learn on the four small tables, on the same train/test split.

For each table, runs `hebb train table` (which writes its test rows with --save-split and its figures with --metrics),
then trains scikit-learn on exactly those training rows with the same settings: MLPClassifier / MLPRegressor (hidden
layer of 16 ReLU units, Adam, learning rate 0.01, batches of 32, 100 epochs, no weight decay, inputs standardised on
the training rows, a regression target standardised too, as Hebb does) and LogisticRegression / LinearRegression.
scikit-learn's MLP is run with five seeds and their mean is the reference, since one seed on 30 test rows is noisy.

Writes tests/reference/sklearn_tables.json (checked in: the C# tests train Hebb again and compare with it) and prints
the README's table. Run from the repository root (needs the .NET SDK and python3-sklearn):

    /usr/bin/python3 scripts/sklearn_tables.py

The datasets folder is $HEBB_DATASETS, else ../shared/datasets.
"""
import csv
import json
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import sklearn
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import accuracy_score, mean_squared_error, r2_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

TABLES = [("iris", "species"), ("wine", "cultivar"), ("breast-cancer", "diagnosis"), ("diabetes", "progression")]
SETTINGS = {"hidden": 16, "activation": "relu", "optimizer": "adam", "lr": 0.01, "batch_size": 32, "epochs": 100,
            "weight_decay": 0.0, "seed": 0, "test_split": 0.2}
SKLEARN_SEEDS = [0, 1, 2, 3, 4]


def hebb_args(path, target, split_file, metrics_file):
    s = SETTINGS
    return ["train", "table", "--data", path, "--target", target, "--hidden", str(s["hidden"]), "--activation", s["activation"],
            "--optimizer", s["optimizer"], "--lr", str(s["lr"]), "--batch-size", str(s["batch_size"]), "--epochs", str(s["epochs"]),
            "--weight-decay", str(s["weight_decay"]), "--seed", str(s["seed"]), "--test-split", str(s["test_split"]),
            "--save-split", split_file, "--metrics", metrics_file]


def load(path, target):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    t = header.index(target)
    x = np.array([[float(v) for i, v in enumerate(r) if i != t] for r in rows])  # these tables' inputs are all numeric
    y = [r[t] for r in rows]
    return x, y


def mlp(classification, seed):
    s = SETTINGS
    # Adam and the learning rate as Hebb; n_iter_no_change as large as max_iter so that every epoch runs, as in Hebb.
    # alpha is sklearn's L2 term alpha/(2·batch)·||W||²: alpha = weight_decay·batch gives the same gradient as Hebb's
    # weight decay on the weights (0 here, so both are off).
    kwargs = dict(hidden_layer_sizes=(s["hidden"],), activation=s["activation"], solver="adam", learning_rate_init=s["lr"],
                  batch_size=s["batch_size"], max_iter=s["epochs"], alpha=s["weight_decay"] * s["batch_size"], shuffle=True,
                  random_state=seed, tol=0.0, n_iter_no_change=s["epochs"] + 1)
    if classification:
        return MLPClassifier(**kwargs)
    return TransformedTargetRegressor(regressor=MLPRegressor(**kwargs), transformer=StandardScaler())


def main():
    root = os.environ.get("HEBB_DATASETS") or os.path.join("..", "shared", "datasets")
    subprocess.run(["dotnet", "build", "-c", "Release", "src/Hebb.Cli", "-v", "quiet", "-nologo", "-p:UseSharedCompilation=false"],
                   check=True)
    cli = ["dotnet", os.path.join("src", "Hebb.Cli", "bin", "Release", "net10.0", "Hebb.Cli.dll")]
    out = {"generated_by": "scripts/sklearn_tables.py", "sklearn_version": sklearn.__version__, "settings": SETTINGS,
           "sklearn_seeds": SKLEARN_SEEDS, "tables": []}
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    for name, target in TABLES:
        path = os.path.join(root, "tabular", name + ".csv")
        with tempfile.TemporaryDirectory() as tmp:
            split_file, metrics_file = os.path.join(tmp, "split.json"), os.path.join(tmp, "metrics.json")
            subprocess.run(cli + hebb_args(path, target, split_file, metrics_file), check=True, stdout=subprocess.DEVNULL)
            split = json.load(open(split_file))
            hebb = json.load(open(metrics_file))
        x, y = load(path, target)
        train, test = split["train_rows"], split["test_rows"]
        scaler = StandardScaler().fit(x[train])
        xtr, xte = scaler.transform(x[train]), scaler.transform(x[test])
        classification = hebb["task"] == "classification"
        entry = {"name": name, "file": f"tabular/{name}.csv", "target": target, "task": hebb["task"],
                 "train_rows": len(train), "test_rows": test,
                 "command": "hebb " + " ".join(hebb_args(f"$HEBB_DATASETS/tabular/{name}.csv", target, "SPLIT.json", "M.json")[:-4])}
        if classification:
            ytr, yte = [y[i] for i in train], [y[i] for i in test]
            scores = [accuracy_score(yte, mlp(True, seed).fit(xtr, ytr).predict(xte)) for seed in SKLEARN_SEEDS]
            linear = LogisticRegression(max_iter=10000).fit(xtr, ytr)
            entry.update(metric="accuracy", hebb=hebb["test_accuracy"], sklearn_mlp=float(np.mean(scores)),
                         sklearn_mlp_per_seed=scores, sklearn_linear=accuracy_score(yte, linear.predict(xte)),
                         sklearn_linear_model="LogisticRegression (C=1)")
        else:
            yf = np.array([float(v) for v in y])
            ytr, yte = yf[train], yf[test]
            fits = [mlp(False, seed).fit(xtr, ytr).predict(xte) for seed in SKLEARN_SEEDS]
            linear = LinearRegression().fit(xtr, ytr).predict(xte)
            entry.update(metric="r2", hebb=hebb["test_r2"], hebb_rmse=hebb["test_rmse"],
                         sklearn_mlp=float(np.mean([r2_score(yte, p) for p in fits])),
                         sklearn_mlp_per_seed=[r2_score(yte, p) for p in fits],
                         sklearn_mlp_rmse=float(np.mean([mean_squared_error(yte, p) ** 0.5 for p in fits])),
                         sklearn_linear=r2_score(yte, linear), sklearn_linear_rmse=mean_squared_error(yte, linear) ** 0.5,
                         sklearn_linear_model="LinearRegression")
        out["tables"].append(entry)
    with open(os.path.join("tests", "reference", "sklearn_tables.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")

    def fmt(e, v):
        return f"{100 * v:.2f}%" if e["metric"] == "accuracy" else f"R² {v:.3f}"
    print("| dataset | test rows | Hebb MLP | scikit-learn MLP (mean of 5 seeds) | scikit-learn logistic / linear |")
    print("|---|---:|---:|---:|---:|")
    for e in out["tables"]:
        print(f"| {e['name']} | {len(e['test_rows'])} | {fmt(e, e['hebb'])} | {fmt(e, e['sklearn_mlp'])} | {fmt(e, e['sklearn_linear'])} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
