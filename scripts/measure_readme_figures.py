#!/usr/bin/env python3
"""Re-measures the figures the README quotes, each with the command that makes it, and prints them as a
Markdown table with today's date. Accuracies and losses are deterministic (seed 0, any thread count);
times depend on the machine and its load.

    HEBB_DATASETS=/path/to/datasets python3 scripts/measure_readme_figures.py [--quick]

--quick runs only the fast figures (about a minute). The whole set takes about 10 minutes on 2 cores.
"""
import datetime
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, "src", "Hebb.Cli", "bin", "Release", "net10.0", "Hebb.Cli.dll")

# (what, hebb arguments, metrics field, format, quick)
FIGURES = [
    ("784-16-16-10 sigmoid network, MNIST test accuracy after 10 epochs", ["train", "mnist"], "test_accuracy", "pct", True),
    ("MLP 784-128-10, ReLU, cross-entropy, MNIST test accuracy", ["train", "mnist", "--activation", "relu", "--loss", "ce",
                                                               "--hidden", "128"], "test_accuracy", "pct", True),
    ("LeNet-5, MNIST test accuracy after 10 epochs", ["train", "mnist", "--model", "lenet5"], "test_accuracy", "pct", False),
    ("LeNet-5, Fashion-MNIST test accuracy after 10 epochs", ["train", "fashion-mnist", "--model", "lenet5"], "test_accuracy",
     "pct", False),
    ("character LSTM on tinyshakespeare, validation loss after 1000 steps", ["train", "text"], "val_loss", "loss", False),
    ("small GPT on tinyshakespeare, validation loss after 2000 steps", ["train", "text", "--model", "gpt"], "val_loss", "loss",
     False),
]


def run(args, metrics):
    subprocess.run(["dotnet", CLI, *args, "--seed", "0", "--metrics", metrics], check=True, stdout=subprocess.DEVNULL)
    with open(metrics) as f:
        return json.load(f)


def main():
    quick = "--quick" in sys.argv[1:]
    subprocess.run(["dotnet", "build", "-c", "Release", os.path.join(ROOT, "src", "Hebb.Cli")], check=True,
                   stdout=subprocess.DEVNULL)
    today = datetime.date.today().isoformat()
    print(f"| figure | value | seconds | command (measured {today}) |")
    print("|---|---:|---:|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for what, args, field, kind, fast in FIGURES:
            if quick and not fast:
                continue
            result = run(args, os.path.join(tmp, "metrics.json"))
            value = result[field]
            text = f"{100 * value:.2f}%" if kind == "pct" else f"{value:.4f}"
            print(f"| {what} | {text} | {result['seconds']:.0f} | `hebb {' '.join(args)}` |", flush=True)


if __name__ == "__main__":
    main()
