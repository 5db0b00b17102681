#!/usr/bin/python3
"""reference.py — the PyTorch side of `make bench`: mmlab's default study, written the way the
PyTorch toolkits write it, on the very same data.

Benchmark-only: needs Debian's python3-torch, python3-numpy and libopenblas0-pthread
(`scripts/setup.sh --bench` installs them; nothing else in mmlab needs PyTorch). Run it with
/usr/bin/python3. The Go driver (bench/main.go, `go run ./bench`) calls it; every subcommand
prints one JSON object on stdout and its progress on stderr:

  reference.py study --data DIR (--seeds 5 | --seed S) [--epochs 150]
      Seeds 0…4, or only seed S. DIR/seed<s>/ holds seed s's dataset as datasets.SaveNPY wrote
      it (m0.npy, m1.npy, labels.npy, split.npy, tags.npy). For each seed, one model at a time:
      uni-modal m0, m1, joint (naive late fusion), UME (mean of the uni-modal logits) and UMT
      (student with λ = 10 MSE distillation to the uni-modal encoders' features); validation
      accuracy after every epoch; then test and per-subset accuracy and the linear probes (see
      mmlab's ProbeOptions). Prints every run's metrics, the wall time and the max RSS.
  reference.py steps --data DIR/seed0 [--epochs 30] [--infer-reps 20]
      Times every optimizer step (batch gather, forward, backward, Adam, reading the loss) of
      the uni, joint and UMT networks, then inference (logits and features) of the trained joint
      network on the whole test split.
  reference.py peak [--n 2048] [--reps 8]
      The machine's sgemm peak: best GFLOP/s of an n×n float32 matrix product in numpy and in
      torch (both OpenBLAS).

Thread settings (the best 2-core configuration measured on an idle machine of this project):
OPENBLAS_NUM_THREADS=2 (set here unless the caller set it) and torch.set_num_threads(1).

What is the same as mmlab's default study (mmlab.DefaultModelOptions/DefaultTrainOptions/
DefaultProbeOptions): encoders d→64→64 with a ReLU after each layer, concat+linear head (one
nn.Linear on the concatenated features), nn.Linear's default U(±1/√fan_in) initialisation (what
mmlab's "uniform" init copies), Adam lr 1e-3 without weight decay, batch 256 with the incomplete
last batch of every epoch dropped, 150 epochs, a fresh random batch order every epoch,
validation accuracy (fused and per-modality split heads) after every epoch, no early stopping;
UMT's teacher features computed once on the training split; the probe is 300 full-batch Adam
steps (lr 0.05) of a zero-initialised softmax regression on standardised training features with
an L2 penalty 1e-4·‖W‖². What differs: the random streams (initialisation and batch order; the
data are identical), and Adam's ε (PyTorch 1e-8, GoMLX 1e-7).
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")  # before numpy/torch load OpenBLAS

import argparse
import json
import resource
import sys
import time

import numpy as np
import torch
from torch import nn

torch.set_num_threads(1)

HIDDEN = (64, 64)
CONV = (16, 32)  # mmlab.DefaultModelOptions().Conv
BATCH = 256
LR = 1e-3
UMT_LAMBDA = 10.0
PROBE_STEPS, PROBE_LR, PROBE_L2 = 300, 0.05, 1e-4
TAG_PAIR_ONLY = 2  # datasets.TagPairOnly


def tag_hard(m):  # datasets.TagHard(m)
    return 1 << (8 + m)


def log(*args):
    print("reference:", *args, file=sys.stderr, flush=True)


# --- data ------------------------------------------------------------------------------------

class Split:
    def __init__(self, xs, y, tags):
        self.xs = [torch.from_numpy(np.ascontiguousarray(x)) for x in xs]
        self.y = torch.from_numpy(y.astype(np.int64))
        self.tags = tags

    def __len__(self):
        return len(self.y)


def load(dirname, modalities=None):
    """Reads a dataset written by datasets.SaveNPY; returns (train, val, test, num_classes).
    modalities: the modality names in the dataset's order (a comma-separated string; SaveNPY
    keeps names, not order: avsynth's "image", "audio" would otherwise be read as audio, image)."""
    labels = np.load(os.path.join(dirname, "labels.npy")).reshape(-1)
    split = np.load(os.path.join(dirname, "split.npy")).reshape(-1)
    tags_path = os.path.join(dirname, "tags.npy")
    tags = np.load(tags_path).reshape(-1).astype(np.int64) if os.path.exists(tags_path) else None
    names = sorted((f[:-4] for f in os.listdir(dirname) if f.endswith(".npy") and not f.startswith(".")
                    and f[:-4] not in ("labels", "split", "tags")), key=lambda n: (len(n), n))
    if modalities:
        order = modalities.split(",")
        if sorted(order) != sorted(names):
            raise SystemExit(f"reference.py: --modalities {modalities}: {dirname} holds {', '.join(names)}")
        names = order
    feats = [np.load(os.path.join(dirname, n + ".npy")).astype(np.float32) for n in names]
    out = []
    for code in (0, 1, 2):
        idx = np.nonzero(split == code)[0]
        # Vectors as [n, d]; images and spectrograms keep their per-sample shape [n, C, H, W].
        out.append(Split([f[idx].reshape(len(idx), -1) if f.ndim <= 2 else f[idx] for f in feats], labels[idx],
                         None if tags is None else tags[idx]))
    return out[0], out[1], out[2], int(labels.max()) + 1


def subsets(tags, m):
    """Index arrays of the diagnostic subsets (datasets.Split.Subset)."""
    n = len(tags)
    out = {"all": np.arange(n)}
    if tags is None:
        return out
    all_hard = 0
    for i in range(m):
        all_hard |= tag_hard(i)
    not_po = (tags & TAG_PAIR_ONLY) == 0
    out["both_hard"] = np.nonzero(not_po & ((tags & all_hard) == all_hard))[0]
    out["pair_only"] = np.nonzero(~not_po)[0]
    for i in range(m):
        out[f"m{i}_hard_only"] = np.nonzero(not_po & ((tags & all_hard) == tag_hard(i)))[0]
    return {k: v for k, v in out.items() if len(v) > 0}


# --- models ----------------------------------------------------------------------------------

def encoder(shape):
    """mmlab's encoder (ModelOptions.Encoder) of inputs with per-sample shape `shape`: the MLP
    d→64→64 for vectors; for images [C, H, W] (model.encoder=auto picks cnn) first the CNN
    blocks of mmlab.ModelOptions.CNNFeatures — per block a 3×3 convolution with "same" zero
    padding (16, then 32 channels), 2×2 max-pooling and a ReLU — flattened in (C, H, W) order,
    then the same dense layers. nn.Conv2d's default initialisation is U(±1/√fan_in) for kernel
    and bias, fan_in = 9·C_in: mmlab's "uniform"."""
    layers = []
    if len(shape) >= 2:
        c, h, w = (1, *shape) if len(shape) == 2 else shape
        if len(shape) == 2:
            layers.append(nn.Unflatten(1, (1, h, w)))
        for out in CONV:
            layers += [nn.Conv2d(c, out, 3, padding=1), nn.MaxPool2d(2), nn.ReLU()]
            c, h, w = out, h // 2, w // 2
        layers.append(nn.Flatten())
        d = c * h * w
    else:
        d = shape[0]
    prev = d
    for h in HIDDEN:
        layers += [nn.Linear(prev, h), nn.ReLU()]
        prev = h
    return nn.Sequential(*layers)


class Uni(nn.Module):
    """Uni-modal model: encoder + linear head on modality m."""

    def __init__(self, m, shape, k):
        super().__init__()
        self.m, self.enc, self.head = m, encoder(shape), nn.Linear(HIDDEN[-1], k)

    def forward(self, xs):
        f = self.enc(xs[self.m])
        logits = self.head(f)
        return logits, {self.m: f}, [logits]


class LateFusion(nn.Module):
    """One encoder per modality, concat+linear head; split heads o_m = W_m f_m + b/M."""

    def __init__(self, shapes, k):
        super().__init__()
        self.encs = nn.ModuleList(encoder(s) for s in shapes)
        self.head = nn.Linear(HIDDEN[-1] * len(shapes), k)

    def forward(self, xs):
        fs = [e(x) for e, x in zip(self.encs, xs)]
        logits = self.head(torch.cat(fs, dim=1))
        return logits, dict(enumerate(fs)), None

    def split_logits(self, fs):
        h, m = HIDDEN[-1], len(fs)
        return [fs[i] @ self.head.weight[:, i * h:(i + 1) * h].T + self.head.bias / m for i in range(m)]


def accuracy(logits, y, idx=None):
    pred = logits.argmax(dim=1)
    if idx is not None:
        pred, y = pred[idx], y[idx]
    return float((pred == y).float().mean())


# --- training --------------------------------------------------------------------------------

def fit(net, train, val, epochs, seed, teachers=None, step_times=None):
    """Trains net with Adam; returns (train seconds, optimizer steps). teachers: per modality
    [N, 64] features of the training split (UMT). step_times, if a list, receives the wall time of
    every step."""
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    ce = nn.CrossEntropyLoss()
    n = len(train)
    steps_per_epoch = n // BATCH
    start, steps = time.perf_counter(), 0
    for _ in range(epochs):
        net.train()
        order = torch.randperm(n, generator=g)
        for s in range(steps_per_epoch):
            t0 = time.perf_counter()
            rows = order[s * BATCH:(s + 1) * BATCH]
            xs = [x[rows] for x in train.xs]
            logits, feats, _ = net(xs)
            loss = ce(logits, train.y[rows])
            if teachers is not None:
                for m, t in enumerate(teachers):
                    loss = loss + UMT_LAMBDA * torch.mean((feats[m] - t[rows]) ** 2)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            value = loss.item()
            if step_times is not None:
                step_times.append(time.perf_counter() - t0)
            if not np.isfinite(value):
                raise RuntimeError(f"diverged at step {steps}: loss {value}")
            steps += 1
        # Validation after every epoch (fused and split-head accuracy), as mmlab's engine does.
        net.eval()
        with torch.no_grad():
            logits, feats, split = net(val.xs)
            accuracy(logits, val.y)
            if split is None:
                split = net.split_logits([feats[m] for m in sorted(feats)])
            for o in split:
                accuracy(o, val.y)
    return time.perf_counter() - start, steps


def features(net, split):
    net.eval()
    with torch.no_grad():
        logits, feats, _ = net(split.xs)
    return logits, feats


def probe(train_f, train_y, test_f, test_y, k):
    """mmlab's linear probe (ProbeOptions): standardise, zero-init softmax regression, full-batch
    Adam, mean CE + L2·‖W‖²."""
    mean = train_f.mean(dim=0)
    std = train_f.std(dim=0, unbiased=False)
    scale = torch.where(std > 1e-8, 1 / std, torch.zeros_like(std))
    xtr, xte = (train_f - mean) * scale, (test_f - mean) * scale
    lin = nn.Linear(xtr.shape[1], k)
    nn.init.zeros_(lin.weight)
    nn.init.zeros_(lin.bias)
    opt = torch.optim.Adam(lin.parameters(), lr=PROBE_LR)
    ce = nn.CrossEntropyLoss()
    for _ in range(PROBE_STEPS):
        loss = ce(lin(xtr), train_y) + PROBE_L2 * (lin.weight ** 2).sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    with torch.no_grad():
        return accuracy(lin(xte), test_y)


def evaluate(logits_val, logits_test, val, test, m, encoder_feats, train, k):
    """encoder_feats: modality → (train features, test features) of the run's encoders."""
    subs = subsets(test.tags, m)
    probes = [None] * m
    for i, (ftr, fte) in encoder_feats.items():
        probes[i] = probe(ftr, train.y, fte, test.y, k)
    return {"val_acc": accuracy(logits_val, val.y), "test_acc": accuracy(logits_test, test.y),
            "subset_acc": {name: accuracy(logits_test, test.y, torch.from_numpy(idx)) for name, idx in subs.items()},
            "probe_acc": probes}


def study(args):
    start = time.perf_counter()
    runs = []
    for seed in ([args.seed] if args.seed is not None else range(args.seeds)):
        train, val, test, k = load(os.path.join(args.data, f"seed{seed}"), args.modalities)
        m, ds = len(train.xs), [tuple(x.shape[1:]) for x in train.xs]
        cnn = any(len(d) >= 2 for d in ds)
        torch.manual_seed(1000 + seed)
        unis, probe_of = [], {}
        for i in range(m):
            net = Uni(i, ds[i], k)
            secs, steps = fit(net, train, val, args.epochs, seed * 100 + i)
            lv, _ = features(net, val)
            lt, ft = features(net, test)
            _, ftr = features(net, train)
            ev = evaluate(lv, lt, val, test, m, {i: (ftr[i], ft[i])}, train, k)
            probe_of[i] = ev["probe_acc"][i]
            unis.append((net, lv, lt, ftr[i]))
            runs.append(dict(method="uni", modality=i, seed=seed, train_seconds=secs, steps=steps, **ev))
            log(f"seed {seed} uni m{i}: test {ev['test_acc']:.4f} in {secs:.1f} s")
        net = LateFusion(ds, k)
        secs, steps = fit(net, train, val, args.epochs, seed * 100 + 10)
        lv, _ = features(net, val)
        lt, ft = features(net, test)
        _, ftr = features(net, train)
        ev = evaluate(lv, lt, val, test, m, {i: (ftr[i], ft[i]) for i in range(m)}, train, k)
        runs.append(dict(method="joint", modality=None, seed=seed, train_seconds=secs, steps=steps, **ev))
        log(f"seed {seed} joint: test {ev['test_acc']:.4f} in {secs:.1f} s")
        # UME: mean of the uni-modal logits; its encoders are the uni-modal ones (probes reused).
        lv = torch.stack([u[1] for u in unis]).mean(dim=0)
        lt = torch.stack([u[2] for u in unis]).mean(dim=0)
        ev = evaluate(lv, lt, val, test, m, {}, train, k)
        ev["probe_acc"] = [probe_of[i] for i in range(m)]
        runs.append(dict(method="ume", modality=None, seed=seed, train_seconds=0.0, steps=0, **ev))
        # UMT: student late fusion + λ·Σ_m MSE to the frozen teachers' training-split features.
        # With CNN encoders the student's encoders start from its teachers' (mmlab's default
        # umt.init=auto), its head from scratch.
        net = LateFusion(ds, k)
        if cnn:
            for i in range(m):
                net.encs[i].load_state_dict(unis[i][0].enc.state_dict())
        secs, steps = fit(net, train, val, args.epochs, seed * 100 + 20, teachers=[u[3] for u in unis])
        lv, _ = features(net, val)
        lt, ft = features(net, test)
        _, ftr = features(net, train)
        ev = evaluate(lv, lt, val, test, m, {i: (ftr[i], ft[i]) for i in range(m)}, train, k)
        runs.append(dict(method="umt", modality=None, seed=seed, train_seconds=secs, steps=steps, **ev))
        log(f"seed {seed} umt: test {ev['test_acc']:.4f} in {secs:.1f} s")
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "runs": runs, "max_rss_kib": max_rss_kib()}


def max_rss_kib():
    """This process's peak RSS: VmHWM of /proc/self/status, the high-water mark of this
    program's own memory. getrusage's ru_maxrss is not used: on Linux it starts from the RSS of
    the process that spawned this one (the Go driver, with its study's memory)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def steps(args):
    train, val, test, k = load(args.data, args.modalities)
    m, ds = len(train.xs), [tuple(x.shape[1:]) for x in train.xs]
    torch.manual_seed(0)
    out = {}
    teachers = []
    for i in range(m):
        net = Uni(i, ds[i], k)
        times = []
        fit(net, train, val, args.epochs if i == 0 else 1, i, step_times=times)
        if i == 0:
            out["uni"] = times
        teachers.append(features(net, train)[1][i])
    joint = LateFusion(ds, k)
    times = []
    fit(joint, train, val, args.epochs, 10, step_times=times)
    out["joint"] = times
    student = LateFusion(ds, k)
    times = []
    fit(student, train, val, args.epochs, 20, teachers=teachers, step_times=times)
    out["umt"] = times
    # Inference: logits and every encoder's features of the trained joint network, whole test split.
    joint.eval()
    infer = []
    with torch.no_grad():
        for r in range(args.infer_reps + 2):
            t0 = time.perf_counter()
            logits, feats, _ = joint(test.xs)
            logits.numpy(), [f.numpy() for f in feats.values()]
            if r >= 2:  # two warm-up passes
                infer.append(time.perf_counter() - t0)
    return {"step_seconds": out, "infer_seconds": infer, "infer_samples": len(test),
            "steps_per_epoch": len(train) // BATCH}


def peak(args):
    n = args.n
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    out = {"n": n}
    for name, mm, x, y in (("numpy", np.matmul, a, b),
                           ("torch", torch.mm, torch.from_numpy(a), torch.from_numpy(b))):
        mm(x, y)
        best = float("inf")
        for _ in range(args.reps):
            t0 = time.perf_counter()
            mm(x, y)
            best = min(best, time.perf_counter() - t0)
        out[name + "_gflops"] = 2 * n ** 3 / best / 1e9
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("study")
    p.add_argument("--data", required=True)
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--seed", type=int, default=None, help="run only this seed")
    p.add_argument("--epochs", type=int, default=150)
    p.add_argument("--modalities", default=None, help="modality names in the dataset's order, comma-separated")
    p = sub.add_parser("steps")
    p.add_argument("--data", required=True)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--infer-reps", type=int, default=20)
    p.add_argument("--modalities", default=None, help="modality names in the dataset's order, comma-separated")
    p = sub.add_parser("peak")
    p.add_argument("--n", type=int, default=2048)
    p.add_argument("--reps", type=int, default=8)
    args = ap.parse_args()
    result = {"study": study, "steps": steps, "peak": peak}[args.cmd](args)
    result["versions"] = {"torch": torch.__version__, "numpy": np.__version__, "python": sys.version.split()[0],
                          "torch_threads": torch.get_num_threads(),
                          "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS")}
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
