"""Writes the float16 stores the read benchmark (bench/io-read.ts) measures: the same random-normal activations
as HDF5 (h5py, chunked one example per chunk, uncompressed) and as safetensors, at full size and at 1/10 size (at least 16 examples: two batches)
(for the peak-RSS ratio), plus a float32 torch-layout `embeds` store. Usage: python bench/io_make_stores.py <dir> <N> <S> <H> <L>
"""
import sys
from pathlib import Path

import h5py
import numpy as np
from safetensors.numpy import save_file

out, n, s, h, l = Path(sys.argv[1]), *map(int, sys.argv[2:6])
rng = np.random.default_rng(0)
for name, count in (("big", n), ("small", max(16, n // 10))):
    act = np.empty((count, s, h, l), dtype=np.float16)
    for i in range(count):
        act[i] = rng.standard_normal((s, h, l), dtype=np.float32)
    with h5py.File(out / f"{name}.h5", "w") as f:
        f.create_dataset("hidden_state_activations", data=act, chunks=(1, s, h, l))
    save_file({"hidden_state_activations": act}, str(out / f"{name}.safetensors"))
# the torch layout [N, L, S, E] float32 (dataset `embeds`), for the cost of delivering it layers-last
torch_n = max(1, n // 8)
with h5py.File(out / "torch.h5", "w") as f:
    ds = f.create_dataset("embeds", shape=(torch_n, l, s, h), dtype=np.float32, chunks=(1, l, s, h))
    for i in range(torch_n):
        ds[i] = rng.standard_normal((l, s, h), dtype=np.float32)
print("ok")
