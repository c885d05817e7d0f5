"""The PyTorch side of the end-to-end benchmark (bench/e2e.bench.ts), timed as a whole process: import torch and
h5py, build the seed head `--arch` in torch (bench/python/e2e_heads.py), train one shuffled epoch reading the HDF5
store with an h5py `Dataset` + `DataLoader(num_workers=W)`, Adam (lr 1e-3, eps 1e-7, Keras' defaults as bertvision),
softmax cross-entropy (span: start + end over positions; binary: 2 classes from `is_impossible`), save the
state_dict. Prints one JSON line: parameters, examples, loop_seconds, examples_per_s, threads, workers.

Usage: python bench/python/e2e_torch.py STORE --arch NAME --out FILE [--batch 8] [--workers 0] [--seed 0]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import h5py
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from e2e_heads import build, parameter_count  # noqa: E402


class Store(torch.utils.data.Dataset):
    """One example per item, read from the HDF5 file (opened lazily, once per worker process)."""

    def __init__(self, path: Path, task: str) -> None:
        self.path, self.task, self.file = path, task, None
        with h5py.File(path, "r") as f:
            self.shape = f["hidden_state_activations"].shape

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, i: int):
        if self.file is None:
            self.file = h5py.File(self.path, "r")
        x = torch.from_numpy(self.file["hidden_state_activations"][i].astype("float32"))
        if self.task == "binary":
            return x, int(self.file["is_impossible"][i])
        return x, int(self.file["start_positions"][i]), int(self.file["end_positions"][i])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path)
    parser.add_argument("--arch", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--batch", type=int, default=None, help="default: 64 binary, 8 span (the CLI's)")
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    with h5py.File(args.store, "r") as f:
        shape = tuple(f["hidden_state_activations"].shape[1:])
    model, task = build(args.arch, shape)
    data = Store(args.store, task)
    batch = args.batch or (64 if task == "binary" else 8)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    ce = torch.nn.CrossEntropyLoss()
    loader = torch.utils.data.DataLoader(data, batch_size=batch, shuffle=True, num_workers=args.workers,
                                         persistent_workers=False)
    model.train()
    started = time.perf_counter()
    for item in loader:
        optimizer.zero_grad(set_to_none=True)
        logits = model(item[0])
        if task == "binary":
            loss = ce(logits, item[1])
        else:
            loss = ce(logits[..., 0], item[1]) + ce(logits[..., 1], item[2])
        loss.backward()
        optimizer.step()
    seconds = time.perf_counter() - started
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), args.out)
    print(json.dumps({"arch": args.arch, "task": task, "shape": list(shape), "parameters": parameter_count(model),
                      "examples": len(data), "batch": batch, "workers": args.workers, "loop_seconds": seconds,
                      "examples_per_s": len(data) / seconds, "threads": torch.get_num_threads(),
                      "loss": float(loss.detach())}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
