"""Writes the stores the end-to-end benchmark (bench/e2e.bench.ts) trains on: float16 activations in h5py layout
(dataset `hidden_state_activations` [N, S, E, L], one example per chunk, uncompressed, seeded standard-normal
values) with random valid labels (`start_positions`/`end_positions` int64 for span, `is_impossible` int64 for binary).

Usage: python bench/python/e2e_make_stores.py DIR [--only NAME[,NAME]] [--n-span-minilm N] [--n-span-large N]
       [--n-binary N]
Stores: span-minilm.h5 [N, 384, 384, 7], span-large.h5 [N, 386, 1024, 25], binary-minilm.h5 [N, 1, 384, 7],
binary-large.h5 [N, 1, 1024, 26]. A store that exists with the requested shape is kept. Prints one JSON line.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import h5py
import numpy as np

SHAPES = {
    "span-minilm": (384, 384, 7),
    "span-large": (386, 1024, 25),
    "binary-minilm": (1, 384, 7),
    "binary-large": (1, 1024, 26),
}


def write(path: Path, n: int, shape: tuple[int, int, int], task: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    tmp = path.with_suffix(".h5.partial")
    with h5py.File(tmp, "w") as f:
        ds = f.create_dataset("hidden_state_activations", shape=(n, *shape), dtype=np.float16, chunks=(1, *shape))
        step = max(1, (64 << 20) // (int(np.prod(shape)) * 4))  # about 64 MB of float32 per write
        for i in range(0, n, step):
            k = min(step, n - i)
            ds[i : i + k] = rng.standard_normal((k, *shape), dtype=np.float32).astype(np.float16)
        if task == "span":
            start = rng.integers(0, shape[0], size=n)
            end = np.minimum(start + rng.integers(0, 16, size=n), shape[0] - 1)
            f.create_dataset("start_positions", data=start.astype(np.int64))
            f.create_dataset("end_positions", data=end.astype(np.int64))
        else:
            f.create_dataset("is_impossible", data=rng.integers(0, 2, size=n).astype(np.int64))
    tmp.replace(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dir", type=Path)
    parser.add_argument("--only", default=",".join(SHAPES))
    parser.add_argument("--n-span-minilm", type=int, default=384)
    parser.add_argument("--n-span-large", type=int, default=48)
    parser.add_argument("--n-binary", type=int, default=4096)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    counts = {"span-minilm": args.n_span_minilm, "span-large": args.n_span_large,
              "binary-minilm": args.n_binary, "binary-large": args.n_binary}
    made = {}
    for i, name in enumerate(SHAPES):
        if name not in args.only.split(","):
            continue
        path = args.dir / f"{name}-{counts[name]}.h5"
        if path.exists():
            with h5py.File(path, "r") as f:
                ok = f["hidden_state_activations"].shape == (counts[name], *SHAPES[name])
            if ok:
                made[name] = {"path": str(path), "created": False}
                continue
        write(path, counts[name], SHAPES[name], name.split("-")[0], seed=i)
        made[name] = {"path": str(path), "created": True}
    print(json.dumps(made))


if __name__ == "__main__":
    main()
