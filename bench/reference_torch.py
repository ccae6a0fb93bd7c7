#!/usr/bin/env python3
"""PyTorch reference for bench/throughput.ts: the same two models, batch, optimiser and
masking, timed the same way (warm-up steps, then a fixed number of timed steps).

Serve mode (used by the benchmark, so both sides are measured in one run, interleaved):
reads one JSON request per line on stdin,
  {"model": "mlp"|"cnn", "sparsity": 0.0-1.0, "steps": int, "warmup": int, "batch": int,
   "route": "dense" (default, W * M) | "sparse" (MLP only: torch.sparse.mm over the mask's
   non-zeros, the values a dense parameter vector that Adam steps, as a user would write it)}
and answers one JSON line {"samples_per_sec", "seconds", "samples_per_cpu_sec",
"fastest_step_samples_per_sec"} per request.
One-shot mode: python3 bench/reference_torch.py mlp 0.9 50

Run it with OpenBLAS (Debian: libopenblas0-pthread) and OPENBLAS_CORETYPE=SkylakeX on
Sapphire Rapids, which OpenBLAS 0.3.21 misdetects; the benchmark sets both.
"""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

# PyTorch's own default thread setup unless told otherwise: on this 2-core machine its
# OpenMP pool plus OpenBLAS' threads oversubscribe the cores and collapse throughput.
# bench/sparse.ts sets SPARSENAS_TORCH_THREADS to our thread count, with OPENBLAS_NUM_THREADS=1
# and OMP_WAIT_POLICY=PASSIVE (see TorchReference.start for the measurements).
if os.environ.get("SPARSENAS_TORCH_THREADS"):
    torch.set_num_threads(int(os.environ["SPARSENAS_TORCH_THREADS"]))
    torch.set_num_interop_threads(1)
torch.manual_seed(0)


def masked(shape, sparsity, gen):
    w = torch.empty(shape).uniform_(-0.05, 0.05, generator=gen).requires_grad_(True)
    m = (torch.rand(shape, generator=gen) >= sparsity).float() if sparsity > 0 else None
    return w, m


def build_sparse_mlp(sparsity, batch):
    """The MLP with every weight matrix as torch.sparse (COO over the mask's non-zeros)."""
    gen = torch.Generator().manual_seed(1)
    dims = [784, 300, 100, 10]
    layers = []
    for i, o in zip(dims[:-1], dims[1:]):
        m = torch.rand((o, i), generator=gen) >= sparsity if sparsity > 0 else torch.ones((o, i), dtype=torch.bool)
        idx = m.nonzero().t().contiguous()
        vals = torch.empty(idx.shape[1]).uniform_(-0.05, 0.05, generator=gen).requires_grad_(True)
        layers.append((idx, vals, (o, i), torch.zeros(o, requires_grad=True)))
    x = torch.rand(batch, 784, generator=gen)
    labels = torch.randint(0, 10, (batch,), generator=gen)
    opt = torch.optim.Adam([p for l in layers for p in (l[1], l[3])], lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        h = x
        for n, (idx, vals, shape, b) in enumerate(layers):
            w = torch.sparse_coo_tensor(idx, vals, shape)
            h = torch.sparse.mm(w, h.t()).t() + b
            if n < len(layers) - 1:
                h = F.relu(h)
        loss = F.cross_entropy(h, labels)
        loss.backward()
        opt.step()
        return loss

    return step


def build(model, sparsity, batch, route="dense"):
    if route == "sparse":
        if model != "mlp":
            raise ValueError("the torch.sparse route covers the MLP only (torch.sparse has no convolution)")
        return build_sparse_mlp(sparsity, batch)
    gen = torch.Generator().manual_seed(1)
    if model == "mlp":
        dims = [784, 300, 100, 10]
        layers = [masked((o, i), sparsity, gen) + (torch.zeros(o, requires_grad=True),)
                  for i, o in zip(dims[:-1], dims[1:])]
        x = torch.rand(batch, 784, generator=gen)

        def forward():
            h = x
            for idx, (w, m, b) in enumerate(layers):
                h = F.linear(h, w * m if m is not None else w, b)
                if idx < len(layers) - 1:
                    h = F.relu(h)
            return h
    elif model == "cnn":
        layers = [
            masked((32, 1, 3, 3), sparsity, gen) + (torch.zeros(32, requires_grad=True),),
            masked((64, 32, 3, 3), sparsity, gen) + (torch.zeros(64, requires_grad=True),),
            masked((10, 1600), sparsity, gen) + (torch.zeros(10, requires_grad=True),),
        ]
        x = torch.rand(batch, 1, 28, 28, generator=gen)

        def forward():
            (w1, m1, b1), (w2, m2, b2), (w3, m3, b3) = layers
            eff = lambda w, m: w * m if m is not None else w
            h = F.max_pool2d(F.relu(F.conv2d(x, eff(w1, m1), b1)), 2)
            h = F.max_pool2d(F.relu(F.conv2d(h, eff(w2, m2), b2)), 2)
            return F.linear(h.flatten(1), eff(w3, m3), b3)
    else:
        raise ValueError(f"unknown model {model!r}: expected mlp or cnn")
    labels = torch.randint(0, 10, (batch,), generator=gen)
    params = [p for layer in layers for p in (layer[0], layer[2])]
    opt = torch.optim.Adam(params, lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(forward(), labels)
        loss.backward()
        opt.step()
        with torch.no_grad():  # re-mask, as the sparse trainer does after every step
            for w, m, _ in layers:
                if m is not None:
                    w.mul_(m)
        return loss

    return step


def measure(model, sparsity, steps, warmup, batch, route="dense"):
    step = build(model, sparsity, batch, route)
    for _ in range(warmup):
        step()
    start, cpu_start = time.perf_counter(), time.process_time()
    fastest = float("inf")
    for _ in range(steps):
        t0 = time.perf_counter()
        loss = step()  # CPU tensors: the step has finished when it returns
        fastest = min(fastest, time.perf_counter() - t0)
    loss.item()
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start  # all threads of the process
    return {"samples_per_sec": steps * batch / seconds, "seconds": seconds,
            "samples_per_cpu_sec": steps * batch / cpu_seconds,
            "fastest_step_samples_per_sec": batch / fastest}


def main():
    if len(sys.argv) > 1:
        model, sparsity, steps = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
        print(json.dumps(measure(model, sparsity, steps, 3, 128)))
        return
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        res = measure(req["model"], req["sparsity"], req["steps"], req["warmup"], req["batch"], req.get("route", "dense"))
        print(json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
