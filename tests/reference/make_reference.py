#!/usr/bin/env python3
"""Writes torch_reference.json: PyTorch reference values for Hebb's tests.

Run from the repository root:  /usr/bin/python3 tests/reference/make_reference.py

Every input is made here by a small LCG (no torch RNG) and written into the JSON next to the
results, so the C# tests (tests/Hebb.Tests/Reference/TorchReferenceTests.cs) rebuild exactly the
same tensors without Python. Inputs are multiples of 1/256 in a small range, hence exactly
representable in float32: Hebb's float32 runs and torch's float64 runs see the same numbers, and
only the arithmetic differs. All reference computations run in float64.
"""

import json
import os

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
DT = torch.float64
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_reference.json")


class Lcg:
    """Numerical Recipes LCG; values are rounded to multiples of 1/256 (exact in float32)."""

    def __init__(self, seed):
        self.state = seed & 0xFFFFFFFF

    def next_unit(self):
        self.state = (1664525 * self.state + 1013904223) & 0xFFFFFFFF
        return self.state / 2.0**32

    def uniform(self, low, high, *shape):
        n = 1
        for s in shape:
            n *= s
        values = [round((low + (high - low) * self.next_unit()) * 256) / 256 for _ in range(n)]
        return torch.tensor(values, dtype=DT).reshape(shape)


def enc(t):
    """A tensor as {"shape": [...], "data": [...]} (row-major; ints stay ints)."""
    t = t.detach()
    data = t.reshape(-1).tolist()
    return {"shape": list(t.shape), "data": data}


def leaf(t):
    return t.clone().requires_grad_(True)


# ---------------------------------------------------------------- activations (forward + grad)

def activations(rng):
    # (2, 3, 4): softmax along dim 0 exercises the non-last-axis path, dim -1 the row path.
    x = rng.uniform(-4, 4, 2, 3, 4)
    flat = x.reshape(-1)
    # ReLU's kink, and GELU's erf branches (|x|/sqrt 2 > 2.5 uses the continued fraction, > 6 is ±1).
    flat[0], flat[5], flat[11], flat[17], flat[23] = 0.0, 5.5, -7.25, 9.0, -9.5
    w = rng.uniform(-1, 1, 2, 3, 4)  # probe weights: grad is d sum(f(x) * w) / dx

    ops = []
    for dim in (0, -1):
        for temperature in (1.0, 0.5, 2.0):
            ops.append(({"op": "softmax", "dim": dim, "temperature": temperature},
                        lambda v, d=dim, t=temperature: torch.softmax(v / t, dim=d)))
        ops.append(({"op": "log_softmax", "dim": dim}, lambda v, d=dim: torch.log_softmax(v, dim=d)))
    ops += [
        ({"op": "gelu"}, lambda v: F.gelu(v)),
        ({"op": "gelu_tanh"}, lambda v: F.gelu(v, approximate="tanh")),
        ({"op": "sigmoid"}, torch.sigmoid),
        ({"op": "tanh"}, torch.tanh),
        ({"op": "relu"}, torch.relu),
    ]
    cases = []
    for spec, f in ops:
        xl = leaf(x)
        y = f(xl)
        (y * w).sum().backward()
        cases.append({**spec, "y": enc(y), "grad": enc(xl.grad)})
    return {"x": enc(x), "w": enc(w), "cases": cases}


# ---------------------------------------------------------------- var

def variance(rng):
    x = rng.uniform(-3, 3, 3, 4, 5)
    cases = []
    for dims, keepdim in (([0], False), ([-1], False), ([1], True), ([0, 2], False), ([1, 2], True), (None, False)):
        for correction in (1, 0):
            all_dims = list(range(x.dim())) if dims is None else dims  # torch 1.13 wants dim with correction
            y = torch.var(x, dim=all_dims, correction=correction, keepdim=keepdim)
            cases.append({"dims": dims, "keepdim": keepdim, "correction": correction, "y": enc(y)})
    return {"x": enc(x), "cases": cases}


# ---------------------------------------------------------------- matmul

def matmul(rng):
    cases = []
    for sa, sb in (((2, 1, 3, 4), (3, 4, 2)), ((5, 3, 4), (4, 2)), ((4,), (2, 4, 3)), ((2, 3, 4), (4,)), ((3, 4), (4, 5))):
        a, b = rng.uniform(-2, 2, *sa), rng.uniform(-2, 2, *sb)
        al, bl = leaf(a), leaf(b)
        y = al @ bl
        w = rng.uniform(-1, 1, *y.shape)
        (y * w).sum().backward()
        cases.append({"a": enc(a), "b": enc(b), "w": enc(w), "y": enc(y), "grad_a": enc(al.grad), "grad_b": enc(bl.grad)})
    return cases


# ---------------------------------------------------------------- losses (value + grad w.r.t. the input)

def loss_case(name, x, loss_fn, **extra):
    xl = leaf(x)
    loss = loss_fn(xl)
    loss.backward()
    return {"loss": name, "input": enc(x), **extra, "value": loss.item(), "grad": enc(xl.grad)}


def losses(rng):
    cases = []
    o, y = rng.uniform(-2, 2, 4, 3), rng.uniform(-2, 2, 4, 3)
    cases.append(loss_case("mse", o, lambda v: F.mse_loss(v, y), target=enc(y)))

    # The seed's cost: sum over outputs of (o - y)², mean over the batch; y one-hot from labels.
    o = rng.uniform(0, 1, 5, 4)
    labels = torch.tensor([2, 0, 3, 3, 1])
    onehot = F.one_hot(labels, 4).to(DT)
    cases.append(loss_case("seed_cost", o, lambda v: ((v - onehot) ** 2).sum(dim=1).mean(), labels=enc(labels)))

    logits = rng.uniform(-3, 3, 4, 5)
    targets = torch.tensor([1, 0, 4, 2])
    cases.append(loss_case("cross_entropy", logits, lambda v: F.cross_entropy(v, targets), targets=enc(targets)))
    big = torch.tensor([[50.0, -50.0, 0.0], [-50.0, 100.0, 49.5], [80.0, 80.0, -80.0]])
    big_targets = torch.tensor([1, 0, 2])
    cases.append(loss_case("cross_entropy", big, lambda v: F.cross_entropy(v, big_targets), targets=enc(big_targets)))

    logits = rng.uniform(-3, 3, 4, 5)
    targets = torch.tensor([3, 3, 0, 1])
    cases.append(loss_case("nll_log_softmax", logits, lambda v: F.nll_loss(torch.log_softmax(v, dim=1), targets), targets=enc(targets)))

    logits = torch.cat([rng.uniform(-4, 4, 6), torch.tensor([50.0, -50.0, 50.0, -50.0, 20.0, 0.0])]).reshape(3, 4)
    probs = torch.cat([rng.uniform(0, 1, 6), torch.tensor([1.0, 0.0, 0.0, 1.0, 0.25, 0.5])]).reshape(3, 4)
    cases.append(loss_case("bce_with_logits", logits, lambda v: F.binary_cross_entropy_with_logits(v, probs), target=enc(probs)))
    return cases


# ---------------------------------------------------------------- Linear

def linear(rng):
    weight, bias = rng.uniform(-1, 1, 3, 4), rng.uniform(-1, 1, 3)
    x, w = rng.uniform(-2, 2, 2, 4), rng.uniform(-1, 1, 2, 3)
    wl, bl, xl = leaf(weight), leaf(bias), leaf(x)
    y = F.linear(xl, wl, bl)
    (y * w).sum().backward()
    return {"weight": enc(weight), "bias": enc(bias), "x": enc(x), "w": enc(w),
            "y": enc(y), "grad_weight": enc(wl.grad), "grad_bias": enc(bl.grad), "grad_x": enc(xl.grad)}


# ---------------------------------------------------------------- optimisers

def optimisers(rng):
    """p1 (3x4), p2 (4); loss = mean((x @ p1 + p2 - t)²) with fixed x (5x3), t (5x4); 5 steps."""
    p1, p2 = rng.uniform(-1, 1, 3, 4), rng.uniform(-1, 1, 4)
    x, t = rng.uniform(-2, 2, 5, 3), rng.uniform(-2, 2, 5, 4)
    configs = [
        ("sgd", {"lr": 0.1}),
        ("sgd", {"lr": 0.1, "momentum": 0.9}),
        ("sgd", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}),
        ("adam", {"lr": 0.01}),
        ("adam", {"lr": 0.01, "weight_decay": 0.01}),
        ("adamw", {"lr": 0.01, "weight_decay": 0.1}),
    ]
    make = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}
    runs = []
    for name, kwargs in configs:
        a, b = leaf(p1), leaf(p2)
        opt = make[name]([a, b], **kwargs)
        steps = []
        for _ in range(5):
            opt.zero_grad()
            loss = ((x @ a + b - t) ** 2).mean()
            loss.backward()
            opt.step()
            steps.append({"loss": loss.item(), "p1": enc(a), "p2": enc(b)})
        # Record every hyper-parameter the C# side must pass (torch's defaults made explicit).
        group = opt.param_groups[0]
        hyper = {k: group[k] for k in ("lr", "momentum", "weight_decay") if k in group}
        if "betas" in group:
            hyper.update(beta1=group["betas"][0], beta2=group["betas"][1], eps=group["eps"])
        runs.append({"optimizer": name, "hyper": hyper, "steps": steps})
    return {"p1": enc(p1), "p2": enc(p2), "x": enc(x), "t": enc(t), "runs": runs}


# ---------------------------------------------------------------- tiny MLP training

def mlp(rng):
    """4-3-2 sigmoid net, seed cost on one-hot targets, 3 steps of plain SGD with lr 0.5."""
    net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Sigmoid(), torch.nn.Linear(3, 2), torch.nn.Sigmoid())
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(rng.uniform(-1, 1, *p.shape))
    initial = {k: enc(v) for k, v in net.state_dict().items()}
    x = rng.uniform(0, 1, 6, 4)
    labels = torch.tensor([0, 1, 1, 0, 1, 0])
    y = F.one_hot(labels, 2).to(DT)
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    step_losses = []
    for _ in range(3):
        opt.zero_grad()
        loss = ((net(x) - y) ** 2).sum(dim=1).mean()
        loss.backward()
        opt.step()
        step_losses.append(loss.item())
    final = {k: enc(v) for k, v in net.state_dict().items()}
    return {"lr": 0.5, "x": enc(x), "labels": enc(labels), "initial": initial, "losses": step_losses, "final": final}


# ---------------------------------------------------------------- output

# ---------------------------------------------------------------- convolution and pooling (own LCG seed, appended last)

def conv2d(rng):
    cases = []
    for n, cin, h, w_, cout, kh, kw, stride, pad, dil, groups, bias in (
            (2, 3, 6, 5, 4, 3, 3, 1, 0, 1, 1, True),
            (1, 2, 7, 7, 3, 3, 2, 2, 1, 1, 1, True),
            (1, 1, 6, 6, 2, 3, 3, 1, 2, 2, 1, False),
            (2, 4, 5, 5, 6, 2, 2, 1, 0, 1, 2, True),
            (1, 1, 28, 28, 6, 5, 5, 1, 2, 1, 1, True)):
        x = rng.uniform(-1, 1, n, cin, h, w_)
        weight = rng.uniform(-0.5, 0.5, cout, cin // groups, kh, kw)
        b = rng.uniform(-0.5, 0.5, cout) if bias else None
        xl, wl = leaf(x), leaf(weight)
        bl = leaf(b) if bias else None
        y = F.conv2d(xl, wl, bl, stride=stride, padding=pad, dilation=dil, groups=groups)
        probe = rng.uniform(-1, 1, *y.shape)
        (y * probe).sum().backward()
        case = {"x": enc(x), "weight": enc(weight), "stride": stride, "padding": pad, "dilation": dil, "groups": groups,
                "w": enc(probe), "y": enc(y), "grad_x": enc(xl.grad), "grad_weight": enc(wl.grad)}
        if bias:
            case["bias"] = enc(b)
            case["grad_bias"] = enc(bl.grad)
        cases.append(case)
    return cases


def pool2d(rng):
    cases = []
    for kind, k, stride, pad in (("max", 2, 2, 0), ("max", 3, 2, 1), ("avg", 2, 2, 0), ("avg", 3, 1, 1)):
        x = rng.uniform(-4, 4, 2, 3, 6, 7)
        xl = leaf(x)
        y = F.max_pool2d(xl, k, stride, pad) if kind == "max" else F.avg_pool2d(xl, k, stride, pad)
        probe = rng.uniform(-1, 1, *y.shape)
        (y * probe).sum().backward()
        cases.append({"kind": kind, "kernel": k, "stride": stride, "padding": pad, "x": enc(x), "w": enc(probe),
                      "y": enc(y), "grad_x": enc(xl.grad)})
    return cases


# ---------------------------------------------------------------- attention and transformers (own LCG seed, appended last)

def layer_norm(rng):
    cases = []
    for shape, norm, affine in (((2, 3, 5), (5,), True), ((4, 6), (6,), False), ((2, 2, 3), (2, 3), True)):
        x = rng.uniform(-3, 3, *shape)
        xl = leaf(x)
        w = leaf(rng.uniform(0.5, 1.5, *norm)) if affine else None
        b = leaf(rng.uniform(-0.5, 0.5, *norm)) if affine else None
        y = F.layer_norm(xl, norm, w, b, eps=1e-5)
        probe = rng.uniform(-1, 1, *y.shape)
        (y * probe).sum().backward()
        case = {"x": enc(x), "normalized_shape": list(norm), "w": enc(probe), "y": enc(y), "grad_x": enc(xl.grad)}
        if affine:
            case.update({"weight": enc(w), "bias": enc(b), "grad_weight": enc(w.grad), "grad_bias": enc(b.grad)})
        cases.append(case)
    return cases


def reference_attention(q, k, v, mask):
    """softmax(q kT / sqrt(d) with masked scores at -inf) v, written out (torch 1.13 has no F.scaled_dot_product_attention)."""
    scores = q @ k.transpose(-2, -1) / q.shape[-1] ** 0.5
    if mask is not None:
        scores = scores.masked_fill(mask, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


def attention(rng):
    cases = []
    # (q shape, k shape, v shape, mask kind): causal self-attention, and cross-attention with a broadcast mask.
    for qs, ks, vs, kind in (((2, 2, 4, 3), (2, 2, 4, 3), (2, 2, 4, 2), "causal"),
                             ((2, 3, 3), (2, 5, 3), (2, 5, 4), "mask")):
        q, k, v = rng.uniform(-2, 2, *qs), rng.uniform(-2, 2, *ks), rng.uniform(-2, 2, *vs)
        tq, tk = qs[-2], ks[-2]
        if kind == "causal":
            mask = torch.ones(tq, tk, dtype=torch.bool).triu(1)
        else:
            mask = torch.zeros(tq, tk, dtype=torch.bool)
            mask[0, 1] = mask[1, 3] = mask[2, 0] = mask[2, 4] = True
        ql, kl, vl = leaf(q), leaf(k), leaf(v)
        y = reference_attention(ql, kl, vl, mask)
        probe = rng.uniform(-1, 1, *y.shape)
        (y * probe).sum().backward()
        case = {"q": enc(q), "k": enc(k), "v": enc(v), "kind": kind, "w": enc(probe), "y": enc(y),
                "grad_q": enc(ql.grad), "grad_k": enc(kl.grad), "grad_v": enc(vl.grad)}
        if kind == "mask":
            case["mask"] = enc(mask.to(torch.int32))
        cases.append(case)
    return cases


def multihead_attention(rng):
    """torch.nn.MultiheadAttention (embed 8, 2 heads) with in_proj/out_proj set from the LCG: causal self-attention
    and cross-attention, outputs and per-head weights."""
    e, h = 8, 2
    mha = torch.nn.MultiheadAttention(e, h, batch_first=True)
    with torch.no_grad():
        mha.in_proj_weight.copy_(rng.uniform(-0.5, 0.5, 3 * e, e))
        mha.in_proj_bias.copy_(rng.uniform(-0.2, 0.2, 3 * e))
        mha.out_proj.weight.copy_(rng.uniform(-0.5, 0.5, e, e))
        mha.out_proj.bias.copy_(rng.uniform(-0.2, 0.2, e))
    x = rng.uniform(-1, 1, 2, 4, e)
    memory = rng.uniform(-1, 1, 2, 3, e)
    causal = torch.ones(4, 4, dtype=torch.bool).triu(1)
    y_self, w_self = mha(x, x, x, attn_mask=causal, need_weights=True, average_attn_weights=False)
    y_cross, w_cross = mha(x, memory, memory, need_weights=True, average_attn_weights=False)
    state = {"c_attn.weight": enc(mha.in_proj_weight), "c_attn.bias": enc(mha.in_proj_bias),
             "c_proj.weight": enc(mha.out_proj.weight), "c_proj.bias": enc(mha.out_proj.bias)}
    return {"embed_dim": e, "heads": h, "state": state, "x": enc(x), "memory": enc(memory),
            "y_self": enc(y_self), "weights_self": enc(w_self), "y_cross": enc(y_cross), "weights_cross": enc(w_cross)}


class NanoBlock(torch.nn.Module):
    """nanoGPT's Block (pre-norm; causal self-attention with fused c_attn; GELU MLP), attention written out."""

    def __init__(self, e, h):
        super().__init__()
        self.h = h
        self.ln_1 = torch.nn.LayerNorm(e)
        self.attn = torch.nn.Module()
        self.attn.c_attn = torch.nn.Linear(e, 3 * e)
        self.attn.c_proj = torch.nn.Linear(e, e)
        self.ln_2 = torch.nn.LayerNorm(e)
        self.mlp = torch.nn.Module()
        self.mlp.c_fc = torch.nn.Linear(e, 4 * e)
        self.mlp.c_proj = torch.nn.Linear(4 * e, e)

    def forward(self, x):
        b, t, e = x.shape
        q, k, v = self.attn.c_attn(self.ln_1(x)).split(e, dim=2)
        heads = lambda z: z.view(b, t, self.h, e // self.h).transpose(1, 2)
        mask = torch.ones(t, t, dtype=torch.bool).triu(1)
        y = reference_attention(heads(q), heads(k), heads(v), mask).transpose(1, 2).reshape(b, t, e)
        x = x + self.attn.c_proj(y)
        return x + self.mlp.c_proj(F.gelu(self.mlp.c_fc(self.ln_2(x))))


class NanoGpt(torch.nn.Module):
    def __init__(self, vocab, block_size, layers, e, h):
        super().__init__()
        self.transformer = torch.nn.ModuleDict(dict(
            wte=torch.nn.Embedding(vocab, e), wpe=torch.nn.Embedding(block_size, e),
            h=torch.nn.ModuleList([NanoBlock(e, h) for _ in range(layers)]), ln_f=torch.nn.LayerNorm(e)))

    def forward(self, ids):
        t = ids.shape[1]
        x = self.transformer.wte(ids) + self.transformer.wpe(torch.arange(t))
        for block in self.transformer.h:
            x = block(x)
        return self.transformer.ln_f(x) @ self.transformer.wte.weight.T  # unembedding tied to wte


def fill_from(rng, module):
    """Every parameter from the LCG (LayerNorm gains around 1), in state-dict order."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if "ln_" in name and name.endswith("weight"):
                p.copy_(rng.uniform(0.75, 1.25, *p.shape))
            else:
                p.copy_(rng.uniform(-0.3, 0.3, *p.shape))
    return {k: enc(v) for k, v in module.state_dict().items()}


def gpt_block(rng):
    block = NanoBlock(8, 2)
    state = fill_from(rng, block)
    x = rng.uniform(-1, 1, 2, 5, 8)
    return {"embed_dim": 8, "heads": 2, "state": state, "x": enc(x), "y": enc(block(x))}


def gpt(rng):
    """A tiny GPT (vocab 7, block 6, 2 layers, embed 8, 2 heads, tied): logits, cross-entropy of next tokens,
    and the gradients of every parameter."""
    model = NanoGpt(7, 6, 2, 8, 2)
    state = fill_from(rng, model)
    ids = torch.tensor([[1, 4, 2, 6, 0], [3, 3, 5, 1, 2]])
    targets = torch.tensor([4, 2, 6, 0, 5, 3, 5, 1, 2, 6])
    logits = model(ids)
    loss = F.cross_entropy(logits.reshape(-1, 7), targets)
    loss.backward()
    grads = {k: enc(p.grad) for k, p in model.named_parameters()}
    return {"config": {"vocab_size": 7, "block_size": 6, "n_layer": 2, "n_embd": 8, "n_head": 2}, "state": state,
            "ids": enc(ids.to(torch.int32)), "targets": enc(targets.to(torch.int32)), "logits": enc(logits),
            "loss": loss.item(), "grads": grads}


def recurrent(rng):
    """torch.nn.RNN / LSTM / GRU (2 layers, batch_first, no dropout) on small random weights and a
    non-zero initial state: outputs, h_n (and c_n), and the gradients of sum(out·w) + sum(h_n·wh)
    (+ sum(c_n·wc)) with respect to the input, the initial state and every parameter."""
    cases = []
    batch, steps, inputs, hidden, layers = 2, 4, 3, 5, 2
    for kind in ("rnn", "lstm", "gru"):
        make = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind]
        net = make(inputs, hidden, num_layers=layers, batch_first=True)
        params = {}
        with torch.no_grad():
            for name, p in net.named_parameters():
                p.copy_(rng.uniform(-0.5, 0.5, *p.shape))
                params[name] = enc(p)
        x = rng.uniform(-1, 1, batch, steps, inputs)
        h0 = rng.uniform(-0.5, 0.5, layers, batch, hidden)
        c0 = rng.uniform(-0.5, 0.5, layers, batch, hidden)
        w = rng.uniform(-1, 1, batch, steps, hidden)
        wh = rng.uniform(-1, 1, layers, batch, hidden)
        wc = rng.uniform(-1, 1, layers, batch, hidden)
        xl, h0l, c0l = leaf(x), leaf(h0), leaf(c0)
        if kind == "lstm":
            y, (hn, cn) = net(xl, (h0l, c0l))
            loss = (y * w).sum() + (hn * wh).sum() + (cn * wc).sum()
        else:
            y, hn = net(xl, h0l)
            loss = (y * w).sum() + (hn * wh).sum()
        loss.backward()
        case = {"kind": kind, "layers": layers, "hidden": hidden, "params": params, "x": enc(x), "h0": enc(h0),
                "w": enc(w), "wh": enc(wh), "y": enc(y), "hn": enc(hn), "grad_x": enc(xl.grad), "grad_h0": enc(h0l.grad),
                "grad_params": {name: enc(p.grad) for name, p in net.named_parameters()}}
        if kind == "lstm":
            case.update({"c0": enc(c0), "wc": enc(wc), "cn": enc(cn), "grad_c0": enc(c0l.grad)})
        cases.append(case)
    return cases


def dump(value, indent=0):
    """JSON with one key per line, but every list of numbers (tensor data, shapes) on one line."""
    pad, inner = " " * indent, " " * (indent + 1)
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(k)}: {dump(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        return "[\n" + ",\n".join(inner + dump(v, indent + 1) for v in value) + "\n" + pad + "]"
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


def main():
    rng = Lcg(20240601)
    reference = {
        "generator": "tests/reference/make_reference.py",
        "torch_version": torch.__version__,
        "dtype": "float64",
        "activations": activations(rng),
        "var": variance(rng),
        "matmul": matmul(rng),
        "losses": losses(rng),
        "linear": linear(rng),
        "optimizers": optimisers(rng),
        "mlp": mlp(rng),
        "conv2d": conv2d(Lcg(20261125)),
        "pool2d": pool2d(Lcg(20261126)),
        "layer_norm": layer_norm(Lcg(20261201)),
        "attention": attention(Lcg(20261202)),
        "multihead_attention": multihead_attention(Lcg(20261203)),
        "gpt_block": gpt_block(Lcg(20261204)),
        "gpt": gpt(Lcg(20261205)),
        "recurrent": recurrent(Lcg(20261127)),
    }
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write(dump(reference) + "\n")
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes, torch {torch.__version__})")


if __name__ == "__main__":
    main()
