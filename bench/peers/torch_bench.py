#!/usr/bin/python3
"""PyTorch peer of the Hebb benchmarks (bench/Hebb.Bench starts it; it can also run alone).

    /usr/bin/python3 bench/peers/torch_bench.py w1|w2|w3|w4|w5|w6|w7|w8 [--threads N] [--epochs E] [--steps S]
                     [--shapes MxKxN,...] [--min-time S]

One JSON line per measurement on stdout, progress on stderr. Same workloads, same data files
(IDX.gz under $HEBB_DATASETS/mnist, $HEBB_DATASETS/tinyshakespeare/input.txt), same timing rules
as the Hebb harness.
Debian's python3-torch; its BLAS is whatever libblas.so.3 points to (bench/setup.sh installs
OpenBLAS so that it is not the reference BLAS).
"""
import argparse
import ctypes
import gzip
import json
import math
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


def w2(args):
    """LeNet-5, cross-entropy, Adam 1e-3, batch 64 (last batch smaller, as DataLoader's default).
    With --steps S > 0, each epoch is one pass over the first S*64 training images only."""
    torch.manual_seed(0)
    x_train, y_train = load_mnist(True)
    x_test, y_test = load_mnist(False)
    x_train, x_test = x_train.view(-1, 1, 28, 28), x_test.view(-1, 1, 28, 28)
    batch = 64
    if args.steps > 0:
        x_train, y_train = x_train[:args.steps * batch], y_train[:args.steps * batch]
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    n = len(x_train)
    steps = (n + batch - 1) // batch
    times, acc = [], float("nan")
    for epoch in range(1, args.epochs + 1):
        model.train()
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        for start in range(0, n, batch):
            idx = perm[start:start + batch]
            loss = loss_fn(model(x_train.index_select(0, idx)), y_train.index_select(0, idx))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
        if epoch == 1:  # not timed; batches of 1000 as Hebb's Trainer.Evaluate
            model.eval()
            with torch.no_grad():
                correct = sum((model(x_test[i:i + 1000]).argmax(1) == y_test[i:i + 1000]).sum().item()
                              for i in range(0, len(x_test), 1000))
            acc = correct / len(x_test)
        log(f"pytorch w2 epoch {epoch}: {times[-1]:.3f} s ({steps} steps), last loss {loss.item():.4f}"
            + (f", test accuracy {acc:.2%}" if epoch == 1 else ""))
    emit(w2_record(args, times, steps, n, acc))


def w2_record(args, times, steps, n, acc):
    sec = statistics.median(times[1:] or times)
    rec = {"workload": "w2", "threads": args.threads}
    if args.steps == 0:  # a shortened epoch is no epoch: then only the per-step figure
        rec["epoch_seconds"] = round(sec, 4)
    rec.update({"sec_per_100_steps": round(sec / steps * 100, 5), "first_epoch_seconds": round(times[0], 4),
                "epoch_seconds_all": [round(t, 4) for t in times], "epochs": args.epochs,
                "steps_per_epoch": steps, "train_images": n, "test_accuracy": round(acc, 4),
                "max_rss_mb": max_rss_mb()})
    return rec


# ---- W3 / W4: character-level language models on tinyshakespeare ----

def load_text():
    """As Hebb's CharDataset: vocabulary = sorted distinct characters, first 90% train, last 10% validation."""
    path = os.path.join(os.environ.get("HEBB_DATASETS", "/work/shared/datasets"), "tinyshakespeare", "input.txt")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if text.startswith("\ufeff"):
        text = text[1:]
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    ids = torch.tensor([index[c] for c in text], dtype=torch.int64)
    split = int(len(ids) * 0.9)
    return len(chars), ids[:split], ids[split:]


def random_batch(ids, batch, block):
    """batch random windows, each start uniform over [0, len - block), as Hebb's CharDataset.RandomBatch."""
    starts = torch.randint(len(ids) - block, (batch,))
    idx = starts[:, None] + torch.arange(block)
    return ids[idx], ids[idx + 1]


def eval_batch(ids, index, count, batch, block):
    """Hebb's CharDataset.EvaluationBatch: count*batch windows at evenly spaced starts over the split."""
    windows, last = count * batch, len(ids) - block - 1
    starts = torch.tensor([(index * batch + b) * last // (windows - 1) if windows > 1 else 0 for b in range(batch)])
    idx = starts[:, None] + torch.arange(block)
    return ids[idx], ids[idx + 1]


def text_step(model, opt, train, batch, block, vocab):
    """One W3/W4 training step on a random batch: cross-entropy, backward, clip the global norm to 1, step."""
    x, y = random_batch(train, batch, block)
    logits = model(x)
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    return loss


def val_loss(model, val, batch, block, count=20):
    """Mean cross-entropy over Hebb's 20 fixed validation batches, in eval mode, without gradients."""
    model.eval()
    with torch.no_grad():
        total = 0.0
        for i in range(count):
            x, y = eval_batch(val, i, count, batch, block)
            logits = model(x)
            total += torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1)).item()
    model.train()
    return total / count


def warmup_steps(steps):
    return min(10, steps // 2)  # as the Hebb harness: not timed


def lm_record(workload, args, warm, timed, last_loss, val):
    per_step = timed / (args.steps - warm)
    rec = {"workload": workload, "threads": args.threads}
    if workload == "w3":
        rec["sec_per_100_steps"] = round(per_step * 100, 5)
    else:
        rec["ms_per_iter"] = round(per_step * 1e3, 4)
    rec.update({"steps": args.steps, "warmup_steps": warm, "last_loss": round(last_loss, 4),
                "val_loss": round(val, 4), "max_rss_mb": max_rss_mb()})
    return rec


class CharLstm(torch.nn.Module):
    def __init__(self, vocab, embed=64, hidden=256):
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab, embed)
        self.rnn = torch.nn.LSTM(embed, hidden, batch_first=True)
        self.head = torch.nn.Linear(hidden, vocab)

    def forward(self, x):
        out, _ = self.rnn(self.embedding(x))
        return self.head(out)


def w3(args):
    """Char-LSTM: Embedding(65,64) -> LSTM 256 -> Linear(256,65), block 64, batch 32, Adam 2e-3, clip 1.0."""
    torch.manual_seed(0)
    vocab, train, val = load_text()
    batch, block = 32, 64
    model = CharLstm(vocab)  # PyTorch's default init
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    warm = warmup_steps(args.steps)
    t0 = time.perf_counter()
    for step in range(args.steps):
        if step == warm:
            t0 = time.perf_counter()
        loss = text_step(model, opt, train, batch, block, vocab)
        last = loss.item()  # the Hebb recipe reads every step's loss too
    timed = time.perf_counter() - t0
    v = val_loss(model, val, batch, block)
    log(f"pytorch w3: {args.steps} steps, {timed / (args.steps - warm) * 100:.3f} s/100 steps, last loss {last:.4f}, val loss {v:.4f}")
    emit(lm_record("w3", args, warm, timed, last, v))


class LayerNorm(torch.nn.Module):
    """nanoGPT's LayerNorm with an optional bias (torch 1.13's nn.LayerNorm cannot drop it)."""
    def __init__(self, n, bias):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(n))
        self.bias = torch.nn.Parameter(torch.zeros(n)) if bias else None

    def forward(self, x):
        return torch.nn.functional.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


class CausalSelfAttention(torch.nn.Module):
    def __init__(self, n_embd, n_head, block, bias):
        super().__init__()
        self.c_attn = torch.nn.Linear(n_embd, 3 * n_embd, bias=bias)
        self.c_proj = torch.nn.Linear(n_embd, n_embd, bias=bias)
        self.n_head = n_head
        self.flash = hasattr(torch.nn.functional, "scaled_dot_product_attention")  # torch >= 2.0; not in 1.13
        self.register_buffer("mask", torch.tril(torch.ones(block, block)).view(1, 1, block, block))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        if self.flash:
            y = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
            att = att.masked_fill(self.mask[:, :, :T, :T] == 0, float("-inf"))
            att = torch.nn.functional.softmax(att, dim=-1)
            y = att @ v
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))


class Block(torch.nn.Module):
    def __init__(self, n_embd, n_head, block, bias):
        super().__init__()
        self.ln_1 = LayerNorm(n_embd, bias)
        self.attn = CausalSelfAttention(n_embd, n_head, block, bias)
        self.ln_2 = LayerNorm(n_embd, bias)
        self.mlp = torch.nn.Sequential()
        self.mlp.add_module("c_fc", torch.nn.Linear(n_embd, 4 * n_embd, bias=bias))
        self.mlp.add_module("gelu", torch.nn.GELU())
        self.mlp.add_module("c_proj", torch.nn.Linear(4 * n_embd, n_embd, bias=bias))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class Gpt(torch.nn.Module):
    """nanoGPT's GPT (dropout 0): wte + wpe, pre-norm blocks, ln_f, lm_head tied to wte, nanoGPT's init."""
    def __init__(self, vocab, n_layer=4, n_head=4, n_embd=128, block=64, bias=False):
        super().__init__()
        self.wte = torch.nn.Embedding(vocab, n_embd)
        self.wpe = torch.nn.Embedding(block, n_embd)
        self.h = torch.nn.ModuleList([Block(n_embd, n_head, block, bias) for _ in range(n_layer)])
        self.ln_f = LayerNorm(n_embd, bias)
        self.lm_head = torch.nn.Linear(n_embd, vocab, bias=False)
        self.wte.weight = self.lm_head.weight  # tied, as nanoGPT
        for m in self.modules():
            if isinstance(m, torch.nn.Linear):
                torch.nn.init.normal_(m.weight, 0.0, 0.02)
                if m.bias is not None:
                    torch.nn.init.zeros_(m.bias)
            elif isinstance(m, torch.nn.Embedding):
                torch.nn.init.normal_(m.weight, 0.0, 0.02)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                torch.nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * n_layer))

    def forward(self, idx):
        t = idx.size(1)
        x = self.wte(idx) + self.wpe(torch.arange(t))
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x))


def cosine_lr(it, max_lr=1e-3, min_lr=1e-4, warmup=100, total=2000):
    """Hebb's CosineWithWarmupSchedule (nanoGPT's get_lr, with warm-up lr*(it+1)/warmup)."""
    if it < warmup:
        return max_lr * (it + 1) / warmup
    if it >= total:
        return min_lr
    return min_lr + 0.5 * (1 + math.cos(math.pi * (it - warmup) / (total - warmup))) * (max_lr - min_lr)


def w4(args):
    """nanoGPT's CPU shakespeare_char run: 4x4x128, block 64, batch 12, AdamW 1e-3 (0.9, 0.99), wd 0.1 on
    2-D parameters, cosine to 1e-4 over 2000 iterations after 100 warm-up, clip 1.0."""
    torch.manual_seed(0)
    vocab, train, val = load_text()
    batch, block = 12, 64
    model = Gpt(vocab, block=block)
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": 0.1},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=1e-3, betas=(0.9, 0.99))
    warm = warmup_steps(args.steps)
    t0 = time.perf_counter()
    for it in range(args.steps):
        if it == warm:
            t0 = time.perf_counter()
        for g in opt.param_groups:
            g["lr"] = cosine_lr(it)
        loss = text_step(model, opt, train, batch, block, vocab)
        last = loss.item()  # nanoGPT's CPU run logs every iteration
    timed = time.perf_counter() - t0
    v = val_loss(model, val, batch, block)
    log(f"pytorch w4: {args.steps} iterations, {timed / (args.steps - warm) * 1e3:.2f} ms/iter, last loss {last:.4f}, val loss {v:.4f}")
    rec = lm_record("w4", args, warm, timed, last, v)
    rec["parameters"] = sum(p.numel() for p in params)
    emit(rec)


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


# LeNet-5's two convolutions at batch 64, as bench/Hebb.Bench's W6Case.All:
# (layer, batch, in channels, size, out channels, kernel, padding, input needs grad)
W6_CASES = [("conv2", 64, 6, 14, 16, 5, 0, True), ("conv1", 64, 1, 28, 6, 5, 2, False)]


def w6(args):
    """Conv2d forward (no_grad) and forward+backward of sum(); gradients zero-filled in place each time."""
    for layer, nb, cin, size, cout, k, pad, input_grad in W6_CASES:
        torch.manual_seed(1)
        conv = torch.nn.Conv2d(cin, cout, k, padding=pad)
        x = torch.randn(nb, cin, size, size)
        out_size = size + 2 * pad - k + 1
        fwd_flops = 2.0 * nb * cout * out_size * out_size * cin * k * k

        def fwd():
            with torch.no_grad():
                conv(x)

        def fwd_bwd():
            conv.zero_grad(set_to_none=False)  # zero-filled in place, as Hebb's Module.ZeroGrad
            if x.grad is not None:
                x.grad.zero_()
            conv(x).sum().backward()

        for pass_name, fn in (("fwd", fwd), ("fwd+bwd", fwd_bwd)):
            if pass_name == "fwd+bwd":
                x.requires_grad_(input_grad)
            s = best_seconds(fn, args.min_time)
            mult = 1 if pass_name == "fwd" else (3 if input_grad else 2)
            log(f"pytorch w6 {layer} {pass_name} threads {args.threads}: {s * 1e3:.3f} ms/iter")
            emit({"workload": "w6", "threads": args.threads, "layer": layer, "pass": pass_name,
                  "input_shape": [nb, cin, size, size], "weight_shape": [cout, cin, k, k], "padding": pad,
                  "input_grad": pass_name != "fwd" and input_grad,
                  "ms_per_iter": round(s * 1e3, 4), "gflops": round(fwd_flops * mult / s / 1e9, 2),
                  "max_rss_mb": max_rss_mb()})


# ---- w7: GPT-2-small-sized greedy generation with a key-value cache ----

W7_PROMPT_LENGTH, W7_NEW_TOKENS, W7_TIMED_RUNS = 16, 64, 5


def read_safetensors(path):
    """A safetensors file without the safetensors package: 8-byte little-endian header length, JSON, raw bytes.
    The tensors are views of one buffer (no copy); only F32 is expected (Hebb writes F32)."""
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
        size = os.fstat(f.fileno()).st_size - 8 - n
        buf = bytearray(size)
        f.readinto(memoryview(buf))
    data = np.frombuffer(buf, dtype=np.uint8)
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        if e["dtype"] != "F32":
            raise ValueError(f"{path}: {name} is {e['dtype']}, expected F32")
        b, end = e["data_offsets"]
        out[name] = torch.from_numpy(data[b:end].view(np.float32)).view(e["shape"])
    return out


class Gpt2:
    """GPT-2's forward in plain torch (nanoGPT's GPT with biases, tanh GELU, tied head), on Hugging Face's tensors
    as stored (Conv1D weights [in, out]: x @ W + b, as transformers' Conv1D computes it), with its own key-value
    cache: one preallocated (1, heads, block, head_dim) key and value buffer per layer."""

    def __init__(self, sd, cfg):
        self.sd, self.n_layer, self.n_head, self.n_embd = sd, cfg["n_layer"], cfg["n_head"], cfg["n_embd"]
        self.block, self.eps = cfg["n_positions"], cfg["layer_norm_epsilon"]

    def new_cache(self):
        hd = self.n_embd // self.n_head
        return [(torch.empty(1, self.n_head, self.block, hd), torch.empty(1, self.n_head, self.block, hd))
                for _ in range(self.n_layer)], [0]

    def ln(self, x, p):
        return torch.nn.functional.layer_norm(x, (self.n_embd,), self.sd[p + ".weight"], self.sd[p + ".bias"], self.eps)

    def conv1d(self, x, p):
        return torch.addmm(self.sd[p + ".bias"], x, self.sd[p + ".weight"])

    def forward(self, idx, cache):
        """Logits of the last position for the new tokens idx (a list), after the cache's positions."""
        kv, length = cache
        pos, t, C, H = length[0], len(idx), self.n_embd, self.n_head
        hd = C // H
        x = self.sd["wte.weight"][idx] + self.sd["wpe.weight"][pos:pos + t]  # (t, C)
        for i in range(self.n_layer):
            p = f"h.{i}."
            q, k, v = self.conv1d(self.ln(x, p + "ln_1"), p + "attn.c_attn").split(C, dim=1)
            kc, vc = kv[i]
            kc[0, :, pos:pos + t] = k.view(t, H, hd).transpose(0, 1)
            vc[0, :, pos:pos + t] = v.view(t, H, hd).transpose(0, 1)
            q = q.view(t, H, hd).transpose(0, 1)  # (H, t, hd)
            keys, values = kc[0, :, :pos + t], vc[0, :, :pos + t]
            att = (q @ keys.transpose(-2, -1)) * (1.0 / math.sqrt(hd))  # (H, t, pos + t)
            if t > 1:
                mask = torch.ones(t, pos + t, dtype=torch.bool).tril(diagonal=pos)
                att = att.masked_fill(~mask, float("-inf"))
            y = torch.softmax(att, dim=-1) @ values  # (H, t, hd)
            x = x + self.conv1d(y.transpose(0, 1).reshape(t, C), p + "attn.c_proj")
            h = torch.nn.functional.gelu(self.conv1d(self.ln(x, p + "ln_2"), p + "mlp.c_fc"), approximate="tanh")
            x = x + self.conv1d(h, p + "mlp.c_proj")
        length[0] = pos + t
        last = self.ln(x[-1:], "ln_f")
        return (last @ self.sd["wte.weight"].t())[0]  # tied head

    def generate(self, prompt, n):
        cache = self.new_cache()
        out, feed = [], list(prompt)
        for _ in range(n):
            logits = self.forward(feed, cache)
            nxt = int(torch.argmax(logits))
            out.append(nxt)
            feed = [nxt]
        return out


def w7(args):
    d = os.environ["HEBB_BENCH_W7_DIR"]
    t0 = time.perf_counter()
    with open(os.path.join(d, "config.json")) as f:
        cfg = json.load(f)
    model = Gpt2(read_safetensors(os.path.join(d, "model.safetensors")), cfg)
    load = time.perf_counter() - t0
    vocab = cfg["vocab_size"]
    prompt = [(i * 7919 + 11) % vocab for i in range(W7_PROMPT_LENGTH)]
    with torch.inference_mode():
        tokens = model.generate(prompt, W7_NEW_TOKENS)  # warm-up
        times = []
        for _ in range(W7_TIMED_RUNS):
            t0 = time.perf_counter()
            again = model.generate(prompt, W7_NEW_TOKENS)
            times.append(time.perf_counter() - t0)
            if again != tokens:
                raise RuntimeError("w7: greedy generation is not repeatable")
    med = statistics.median(times)
    log(f"pytorch w7 threads {args.threads}: load {load:.2f} s, {W7_NEW_TOKENS / med:.1f} tokens/s "
        f"(median of {W7_TIMED_RUNS}: {', '.join(f'{t:.3f}' for t in times)} s)")
    n_params = sum(v.numel() for v in model.sd.values())
    emit({"workload": "w7", "threads": args.threads, "parameters": n_params, "prompt_tokens": W7_PROMPT_LENGTH,
          "new_tokens": W7_NEW_TOKENS, "load_seconds": round(load, 3), "generate_seconds": round(med, 4),
          "tokens_per_second": round(W7_NEW_TOKENS / med, 2), "generate_seconds_all": [round(t, 4) for t in times],
          "tokens": tokens, "version": torch.__version__, "max_rss_mb": max_rss_mb()})


# ---- w8: inference of LeNet-5 and the small GPT at batch 1 and 64 (Hebb's harness adds ONNX Runtime) ----

def w8(args):
    torch.manual_seed(0)
    nn = torch.nn
    lenet = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    gpt = Gpt(65)  # hebb train text --model gpt's default: 4 layers, 4 heads, n_embd 128, block 64, no biases
    for name, model in (("lenet5", lenet), ("gpt-small", gpt)):
        model.eval()
        for batch in (1, 64):
            if name == "lenet5":
                x = torch.randn(batch, 1, 28, 28)
            else:
                x = (torch.arange(batch * 64) * 31 + 7).remainder(65).view(batch, 64)
            with torch.inference_mode():
                s = best_seconds(lambda: model(x), args.min_time)
            log(f"pytorch w8 {name} batch {batch} threads {args.threads}: {s * 1e3:.3f} ms")
            emit({"workload": "w8", "threads": args.threads, "model": name, "batch": batch,
                  "ms_per_forward": round(s * 1e3, 4), "samples_per_second": round(batch / s, 1),
                  "version": torch.__version__, "max_rss_mb": max_rss_mb()})


def main():
    p = argparse.ArgumentParser()
    p.add_argument("workload", choices=["w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"])
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--epochs", type=int, default=None, help="default: w1 5, w2 1")
    p.add_argument("--steps", type=int, default=0,
                   help="w2: steps per epoch (first S*64 images), 0: whole epochs; w3/w4: training steps (0: 1000 / 2000)")
    p.add_argument("--shapes", default="128x128x128,256x256x256,512x512x512,1024x1024x1024,2048x2048x2048,768x128x512,64x784x16")
    p.add_argument("--min-time", type=float, default=0.5)
    args = p.parse_args()
    if args.epochs is None:
        args.epochs = 1 if args.workload == "w2" else 5
    if args.workload in ("w3", "w4") and args.steps <= 0:
        args.steps = 1000 if args.workload == "w3" else 2000
    torch.set_num_threads(args.threads)
    info = blas_info() if args.workload in ("w5", "w6") else {}
    if args.workload == "w6":
        # Without oneDNN (mkldnn), torch's CPU conv2d is im2col + BLAS GEMM.
        info["mkldnn"] = torch.backends.mkldnn.is_available()
    log(f"pytorch {torch.__version__}, threads {torch.get_num_threads()}, {info.get('blas', '')}")
    if args.workload == "w1":
        w1(args)
    elif args.workload == "w2":
        w2(args)
    elif args.workload == "w3":
        w3(args)
    elif args.workload == "w4":
        w4(args)
    elif args.workload == "w8":
        w8(args)
    elif args.workload == "w7":
        w7(args)
    elif args.workload == "w6":
        w6(args)
        emit({"workload": "w6-info", "threads": args.threads, "version": torch.__version__, **info,
              "max_rss_mb": max_rss_mb()})
    else:
        w5(args)
        emit({"workload": "w5-info", "threads": args.threads, "version": torch.__version__, **info,
              "max_rss_mb": max_rss_mb()})


if __name__ == "__main__":
    main()
