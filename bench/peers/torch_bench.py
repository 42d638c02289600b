#!/usr/bin/python3
"""PyTorch peer of the Hebb benchmarks (bench/Hebb.Bench starts it; it can also run alone).

    /usr/bin/python3 bench/peers/torch_bench.py w1|w5 [--threads N] [--epochs E]
                     [--shapes MxKxN,...] [--min-time S]

One JSON line per measurement on stdout, progress on stderr. Same workloads, same data files
(IDX.gz under $HEBB_DATASETS/mnist), same timing rules as the Hebb harness.
Debian's python3-torch; its BLAS is whatever libblas.so.3 points to (bench/setup.sh installs
OpenBLAS so that it is not the reference BLAS).
"""
import argparse
import ctypes
import gzip
import json
import os
import statistics
import sys
import time

import numpy as np
import torch


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def max_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return None


def blas_info():
    """Which BLAS this torch process really calls, read from its own memory map."""
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            if "blas" in path or "mkl" in path:
                libs.add(os.path.realpath(path))
    info = {"blas_libs": sorted(libs)}
    if any("openblas" in p for p in libs):
        try:
            ob = ctypes.CDLL("libopenblas.so.0")
            ob.openblas_get_corename.restype = ctypes.c_char_p
            ob.openblas_get_config.restype = ctypes.c_char_p
            info["blas"] = ob.openblas_get_config().decode() + ", core " + ob.openblas_get_corename().decode()
        except OSError:
            info["blas"] = "OpenBLAS"
    elif libs:
        info["blas"] = "reference BLAS (slow): " + ", ".join(sorted(libs))
    return info


def emit(rec):
    rec = {"impl": "pytorch", **rec}
    print(json.dumps(rec), flush=True)


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    if data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    rank = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(shape)


def load_mnist(train):
    root = os.path.join(os.environ.get("HEBB_DATASETS", "/work/shared/datasets"), "mnist")
    prefix = "train" if train else "t10k"
    images = read_idx(os.path.join(root, f"{prefix}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(root, f"{prefix}-labels-idx1-ubyte.gz"))
    x = torch.from_numpy(images.reshape(len(images), -1).astype(np.float32) / np.float32(255))
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


def w1(args):
    """Seed MLP: 784-16-16-10, sigmoid everywhere, sum-of-squares cost, SGD lr 3.0, batch 100."""
    torch.manual_seed(0)
    x_train, y_train = load_mnist(True)
    x_test, y_test = load_mnist(False)
    nn = torch.nn
    model = nn.Sequential(nn.Linear(784, 16), nn.Sigmoid(), nn.Linear(16, 16), nn.Sigmoid(),
                          nn.Linear(16, 10), nn.Sigmoid())  # PyTorch's default Linear init
    opt = torch.optim.SGD(model.parameters(), lr=3.0)
    n, batch = len(x_train), 100
    times = []
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        for start in range(0, n, batch):
            idx = perm[start:start + batch]
            x = x_train.index_select(0, idx)
            target = torch.nn.functional.one_hot(y_train.index_select(0, idx), 10).to(torch.float32)
            out = model(x)
            loss = (out - target).pow(2).sum(1).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
        log(f"pytorch w1 epoch {epoch}: {times[-1]:.3f} s, last loss {loss.item():.4f}")
    with torch.no_grad():
        acc = (model(x_test).argmax(1) == y_test).float().mean().item()
    steady = times[1:] or times
    sec = statistics.median(steady)
    emit({"workload": "w1", "threads": args.threads, "epoch_seconds": round(sec, 4),
          "sec_per_100_steps": round(sec / 6, 5), "first_epoch_seconds": round(times[0], 4),
          "epoch_seconds_all": [round(t, 4) for t in times], "epochs": args.epochs,
          "test_accuracy": round(acc, 4), "max_rss_mb": max_rss_mb()})


def best_seconds(fn, min_time):
    """Warm up, then best of 3 repetitions, each calling fn until min_time has passed."""
    fn()
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < min_time / 5:
        fn()
    best = float("inf")
    for _ in range(3):
        calls, t0 = 0, time.perf_counter()
        while True:
            fn()
            calls += 1
            el = time.perf_counter() - t0
            if el >= min_time:
                break
        best = min(best, el / calls)
    return best


def check_rows(a, b, c):
    """Largest error of a few rows of C against float64, relative to the rows' magnitude."""
    rows = sorted({0, a.shape[0] // 2, a.shape[0] - 1})
    ref = a[rows].double() @ b.double()
    return float((c[rows].double() - ref).abs().max() / (ref.abs().max() + 1e-30))


def w5(args):
    for shape in args.shapes.split(","):
        m, k, n = (int(s) for s in shape.split("x"))
        g = torch.Generator().manual_seed(1)
        a = torch.randn(m, k, generator=g)
        b = torch.randn(k, n, generator=g)
        c = torch.empty(m, n)
        s = best_seconds(lambda: torch.mm(a, b, out=c), args.min_time)
        err = check_rows(a, b, c)
        gflops = 2.0 * m * n * k / s / 1e9
        log(f"pytorch w5 {m}x{k}x{n} threads {args.threads}: {gflops:.1f} GFLOPS")
        emit({"workload": "w5", "threads": args.threads, "m": m, "k": k, "n": n,
              "gflops": round(gflops, 2), "seconds_per_call": s, "rel_err": err, "max_rss_mb": max_rss_mb()})


def main():
    p = argparse.ArgumentParser()
    p.add_argument("workload", choices=["w1", "w5"])
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--shapes", default="128x128x128,256x256x256,512x512x512,1024x1024x1024,2048x2048x2048,768x128x512,64x784x16")
    p.add_argument("--min-time", type=float, default=0.5)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    info = blas_info() if args.workload == "w5" else {}
    log(f"pytorch {torch.__version__}, threads {torch.get_num_threads()}, {info.get('blas', '')}")
    if args.workload == "w1":
        w1(args)
    else:
        w5(args)
        emit({"workload": "w5-info", "threads": args.threads, "version": torch.__version__, **info,
              "max_rss_mb": max_rss_mb()})


if __name__ == "__main__":
    main()
