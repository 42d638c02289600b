#!/usr/bin/env python3
"""Writes tests/reference/pytorch_import/: small PyTorch models saved the way users save theirs, for Hebb's importer.

Run from the repository root:  /usr/bin/python3 scripts/torch_import_reference.py

Each model is built in plain torch (float32, fixed seed, small sizes), its state dict is written as safetensors
by hand (no safetensors package: an 8-byte little-endian header length, the JSON header, the raw little-endian
F32 bytes), next to the small JSON config `hebb convert --from-pytorch` takes. expected.json holds, per model,
an input and the logits torch computes for it; tests/Hebb.Tests/Models/PyTorchImportTests.cs loads each file
with Hebb and compares (no Python needed there).

  mlp           nn.Sequential(Linear, ReLU, Linear, ReLU, Linear): names 0.weight, 2.weight, 4.weight
  lenet5        a LeNet-5 class with conv1, conv2, fc1, fc2, fc3 (12x12 images, to stay small)
  char_lstm     Embedding -> nn.LSTM(2 layers, batch_first) -> Linear, as embed / lstm / fc
  char_gru      the same with nn.GRU
  nanogpt       nanoGPT's GPT (bias=True): transformer.wte ... lm_head.weight (tied, saved twice as nanoGPT's
                state_dict does) and the attn.bias causal-mask buffers
  nanogpt_nobias  nanoGPT with bias=False
  gpt2-tiny/    a Hugging Face GPT-2 folder: config.json + model.safetensors with HF names (h.0.attn.c_attn.weight,
                Conv1D weights stored [in, out]), tanh GELU (gelu_new), attn.bias / attn.masked_bias buffers
"""

import json
import math
import os
import struct

import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "reference", "pytorch_import")


def save_safetensors(path, tensors, metadata=None):
    """tensors: name -> float32 tensor (or int64 for nothing: everything here is F32)."""
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    offset = 0
    blobs = []
    for name, t in tensors.items():
        t = t.detach().contiguous().to(torch.float32)
        data = struct.pack("<%df" % t.numel(), *t.reshape(-1).tolist())
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def enc(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


# ---------------------------------------------------------------- models

class LeNet5(torch.nn.Module):
    def __init__(self, channels, size, classes):
        super().__init__()
        side = (size // 2 - 4) // 2
        self.conv1 = torch.nn.Conv2d(channels, 6, 5, padding=2)
        self.conv2 = torch.nn.Conv2d(6, 16, 5)
        self.fc1 = torch.nn.Linear(16 * side * side, 120)
        self.fc2 = torch.nn.Linear(120, 84)
        self.fc3 = torch.nn.Linear(84, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class CharModel(torch.nn.Module):
    def __init__(self, cell, vocab, embed, hidden, layers):
        super().__init__()
        self.embed = torch.nn.Embedding(vocab, embed)
        rnn = torch.nn.LSTM if cell == "lstm" else torch.nn.GRU
        setattr(self, cell, rnn(embed, hidden, num_layers=layers, batch_first=True))
        self.cell = cell
        self.fc = torch.nn.Linear(hidden, vocab)

    def forward(self, ids):
        out, _ = getattr(self, self.cell)(self.embed(ids))
        return self.fc(out)


class NanoAttention(torch.nn.Module):
    def __init__(self, e, h, block, bias):
        super().__init__()
        self.n_head = h
        self.c_attn = torch.nn.Linear(e, 3 * e, bias=bias)
        self.c_proj = torch.nn.Linear(e, e, bias=bias)
        # nanoGPT registers this buffer when flash attention is unavailable: it is in the state dict.
        self.register_buffer("bias", torch.tril(torch.ones(block, block)).view(1, 1, block, block))

    def forward(self, x):
        b, t, e = x.shape
        q, k, v = self.c_attn(x).split(e, dim=2)
        q, k, v = (z.view(b, t, self.n_head, e // self.n_head).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :t, :t] == 0, float("-inf"))
        y = F.softmax(att, dim=-1) @ v
        return self.c_proj(y.transpose(1, 2).contiguous().view(b, t, e))


class NanoMlp(torch.nn.Module):
    def __init__(self, e, bias, approximate):
        super().__init__()
        self.c_fc = torch.nn.Linear(e, 4 * e, bias=bias)
        self.c_proj = torch.nn.Linear(4 * e, e, bias=bias)
        self.approximate = approximate

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate=self.approximate))


class LayerNorm(torch.nn.Module):
    """nanoGPT's LayerNorm with an optional bias."""

    def __init__(self, e, bias, eps=1e-5):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(e))
        self.bias = torch.nn.Parameter(torch.zeros(e)) if bias else None
        self.eps = eps

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, self.eps)


class NanoBlock(torch.nn.Module):
    def __init__(self, e, h, block, bias, approximate="none"):
        super().__init__()
        self.ln_1 = LayerNorm(e, bias)
        self.attn = NanoAttention(e, h, block, bias)
        self.ln_2 = LayerNorm(e, bias)
        self.mlp = NanoMlp(e, bias, approximate)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class NanoGpt(torch.nn.Module):
    def __init__(self, vocab, block, layers, e, h, bias, approximate="none"):
        super().__init__()
        self.transformer = torch.nn.ModuleDict(dict(
            wte=torch.nn.Embedding(vocab, e), wpe=torch.nn.Embedding(block, e),
            h=torch.nn.ModuleList([NanoBlock(e, h, block, bias, approximate) for _ in range(layers)]),
            ln_f=LayerNorm(e, bias)))
        self.lm_head = torch.nn.Linear(e, vocab, bias=False)
        self.transformer.wte.weight = self.lm_head.weight  # tied, as nanoGPT

    def forward(self, ids):
        t = ids.shape[1]
        x = self.transformer.wte(ids) + self.transformer.wpe(torch.arange(t))
        for block in self.transformer.h:
            x = block(x)
        return self.lm_head(self.transformer.ln_f(x))


def randomise(model, std=0.2):
    """Weights large enough that the logits differ clearly between tokens (nanoGPT's N(0, 0.02) is too timid)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("weight") and p.dim() == 1:  # LayerNorm gains
                p.copy_(1 + 0.2 * (torch.rand_like(p) - 0.5))
            else:
                p.normal_(0, std)


# ---------------------------------------------------------------- cases

def mlp(expected):
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Linear(20, 16), torch.nn.ReLU(), torch.nn.Linear(16, 12), torch.nn.ReLU(),
                                torch.nn.Linear(12, 10))
    x = torch.rand(3, 20)
    save_safetensors(os.path.join(OUT, "mlp.safetensors"), model.state_dict())
    write_config("mlp.json", {"model": "mlp", "activation": "relu"})
    expected["mlp"] = {"input": enc(x), "logits": enc(model(x))}


def lenet5(expected):
    torch.manual_seed(2)
    model = LeNet5(1, 12, 10)
    x = torch.rand(2, 1, 12, 12)
    save_safetensors(os.path.join(OUT, "lenet5.safetensors"), model.state_dict())
    write_config("lenet5.json", {"model": "lenet5", "image_size": 12})
    expected["lenet5"] = {"input": enc(x), "logits": enc(model(x))}


def char(expected, cell, seed):
    torch.manual_seed(seed)
    vocab = "\n !',.:;?abcdefghijklmnopqrstuvwxyz"
    model = CharModel(cell, len(vocab), 6, 8, 2)
    ids = torch.randint(0, len(vocab), (2, 7))
    save_safetensors(os.path.join(OUT, f"char_{cell}.safetensors"), model.state_dict())
    write_config(f"char_{cell}.json", {"model": "char-rnn", "cell": cell, "vocab": vocab})
    expected[f"char_{cell}"] = {"input": enc(ids.to(torch.int32)), "logits": enc(model(ids))}


def nanogpt(expected, name, bias, seed):
    torch.manual_seed(seed)
    model = NanoGpt(vocab=13, block=8, layers=2, e=16, h=2, bias=bias)
    randomise(model)
    ids = torch.randint(0, 13, (2, 6))
    state = model.state_dict()  # holds both transformer.wte.weight and lm_head.weight, and every attn.bias buffer
    save_safetensors(os.path.join(OUT, f"{name}.safetensors"), state)
    write_config(f"{name}.json", {"model": "gpt", "n_head": 2})
    expected[name] = {"input": enc(ids.to(torch.int32)), "logits": enc(model(ids))}


def gpt2(expected):
    """A Hugging Face GPT-2 folder, its forward written as nanoGPT's from_pretrained expects (tanh GELU, eps 1e-5)."""
    torch.manual_seed(5)
    cfg = {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": 101, "n_positions": 16,
           "n_ctx": 16, "n_embd": 32, "n_layer": 2, "n_head": 2, "layer_norm_epsilon": 1e-5,
           "activation_function": "gelu_new", "n_inner": None}
    model = NanoGpt(vocab=101, block=16, layers=2, e=32, h=2, bias=True, approximate="tanh")
    randomise(model, std=0.1)
    ids = torch.randint(0, 101, (2, 9))
    # HF names: no "transformer." prefix in GPT2Model's own files (model.safetensors of gpt2 has "h.0...", "wte.weight");
    # Conv1D weights are stored [in, out], the transpose of nn.Linear's; lm_head is tied and not stored.
    conv1d = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")
    state = {}
    for k, v in model.state_dict().items():
        if k == "lm_head.weight":
            continue
        name = k[len("transformer."):]
        if name.endswith(conv1d):
            v = v.t()
        state[name] = v
    for i in range(2):  # the buffers HF files carry: the causal mask and the masked value
        state[f"h.{i}.attn.bias"] = torch.tril(torch.ones(16, 16)).view(1, 1, 16, 16)
        state[f"h.{i}.attn.masked_bias"] = torch.tensor(-1e4)
    folder = os.path.join(OUT, "gpt2-tiny")
    os.makedirs(folder, exist_ok=True)
    save_safetensors(os.path.join(folder, "model.safetensors"), state, {"format": "pt"})
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    expected["gpt2_tiny"] = {"input": enc(ids.to(torch.int32)), "logits": enc(model(ids))}


def write_config(name, config):
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    expected = {"torch_version": torch.__version__}
    with torch.no_grad():
        mlp(expected)
        lenet5(expected)
        char(expected, "lstm", 3)
        char(expected, "gru", 4)
        nanogpt(expected, "nanogpt", True, 6)
        nanogpt(expected, "nanogpt_nobias", False, 7)
        gpt2(expected)
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
