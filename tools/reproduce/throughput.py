#!/usr/bin/env python3
"""The reproduction's cost row: one shuffled training epoch of a span head on a real span store, in PyTorch reading
the same HDF5 file with h5py (a ``Dataset`` + ``DataLoader``, 0 workers), against ``bertvision train`` on it, each as
a whole process, measured back to back in the same run.

    .venv/bin/python tools/reproduce/throughput.py STORE [--arch learned-pooling|adapter-64] [--batch 8]
        [--bin dist/cli/main.js] [--json OUT]

The PyTorch head is the seed's architecture written in torch (the same one bench/python/train_baselines.py times):
learned-pooling = softmax layer mix × γ → Dense(2) per position; adapter-64 = Dense(E→64) per layer + GELU,
concatenated over layers → Dense(2) per position. Adam (lr 1e-3), cross-entropy on start and end.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def torch_epoch(store: Path, arch: str, batch: int) -> dict:
    import h5py
    import torch

    class Windows(torch.utils.data.Dataset):
        def __init__(self, path: Path):
            self.path = path
            with h5py.File(path, "r") as f:
                self.length = f["hidden_state_activations"].shape[0]
            self.file = None

        def __len__(self) -> int:
            return self.length

        def __getitem__(self, i: int):
            if self.file is None:
                self.file = h5py.File(self.path, "r")
            x = torch.from_numpy(self.file["hidden_state_activations"][i].astype("float32"))
            return x, int(self.file["start_positions"][i]), int(self.file["end_positions"][i])

    data = Windows(store)
    s, e, layers = h5py.File(store, "r")["hidden_state_activations"].shape[1:]

    class Head(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            if arch == "learned-pooling":
                self.w = torch.nn.Parameter(torch.randn(layers) * 0.05)
                self.t = torch.nn.Parameter(torch.ones(1))
                self.adapter = None
                width = e
            else:
                self.adapter = torch.nn.Linear(e, 64)
                width = 64 * layers
            self.head = torch.nn.Linear(width, 2)

        def forward(self, x):  # (B, S, E, L)
            if self.adapter is None:
                h = torch.matmul(x, torch.softmax(self.w, 0)) * self.t
            else:
                b = x.shape[0]
                h = torch.nn.functional.gelu(self.adapter(x.transpose(2, 3)), approximate="tanh")
                h = h.transpose(2, 3).reshape(b, s, -1)
            return self.head(h)

    torch.manual_seed(0)
    model = Head()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    ce = torch.nn.CrossEntropyLoss()
    loader = torch.utils.data.DataLoader(data, batch_size=batch, shuffle=True, num_workers=0)
    started = time.perf_counter()
    for x, start, end in loader:
        optimizer.zero_grad(set_to_none=True)
        logits = model(x)
        loss = ce(logits[..., 0], start) + ce(logits[..., 1], end)
        loss.backward()
        optimizer.step()
    seconds = time.perf_counter() - started
    return {"examples": len(data), "loop_seconds": seconds, "examples_per_s": len(data) / seconds,
            "threads": torch.get_num_threads()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path)
    parser.add_argument("--arch", choices=("learned-pooling", "adapter-64"), default="learned-pooling")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--bin", type=Path, default=REPO / "dist" / "cli" / "main.js")
    parser.add_argument("--json", type=Path, help="write the result here")
    parser.add_argument("--torch-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.torch_only:
        print(json.dumps(torch_epoch(args.store, args.arch, args.batch)))
        return 0
    rows = {}
    started = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, str(args.store), "--arch", args.arch, "--batch", str(args.batch),
                          "--torch-only"], check=True, capture_output=True, text=True).stdout
    rows["pytorch+h5py"] = {**json.loads(out.strip().splitlines()[-1]), "process_seconds": time.perf_counter() - started}
    with tempfile.TemporaryDirectory() as work:
        started = time.perf_counter()
        out = subprocess.run(["node", str(args.bin), "train", str(args.store), "--arch", args.arch, "--out",
                              os.path.join(work, "run"), "--epochs", "1", "--batch-size", str(args.batch), "--json"],
                             check=True, capture_output=True, text=True).stdout
        seconds = time.perf_counter() - started
        result = json.loads(out)
    examples = rows["pytorch+h5py"]["examples"]
    rows["bertvision"] = {"examples": examples, "backend": result["backend"], "process_seconds": seconds,
                          "examples_per_s": examples / seconds}
    rows["pytorch+h5py"]["examples_per_s_process"] = examples / rows["pytorch+h5py"]["process_seconds"]
    summary = {"store": str(args.store), "architecture": args.arch, "batch": args.batch, "rows": rows,
               "ratio_process": rows["pytorch+h5py"]["process_seconds"] / seconds}
    text = json.dumps(summary, indent=2)
    if args.json:
        args.json.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
