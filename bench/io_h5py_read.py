"""h5py baseline for bench/io-read.ts: reads examples [0, N) of a float16 HDF5 store in batches of B, (a) as
`ds[i:i+B]` (float16 arrays, a new one per batch) and (b) `read_direct` into a reused float16 buffer then
`np.copyto` into a reused float32 batch (the same result the TS reader delivers). Prints JSON seconds per pass.
Usage: python bench/io_h5py_read.py <file.h5> <B> <repeats>
"""
import json
import sys
import time

import h5py
import numpy as np

path, batch, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with h5py.File(path, "r") as f:
    ds = f["hidden_state_activations"]
    n = ds.shape[0]
    buf16 = np.empty((batch, *ds.shape[1:]), dtype=np.float16)
    out32 = np.empty((batch, *ds.shape[1:]), dtype=np.float32)
    result = {"slice": [], "direct_f32": []}
    for _ in range(repeats):
        t = time.perf_counter()
        for i in range(0, n - batch + 1, batch):
            ds[i:i + batch]
        result["slice"].append(time.perf_counter() - t)
        t = time.perf_counter()
        for i in range(0, n - batch + 1, batch):
            ds.read_direct(buf16, np.s_[i:i + batch])
            np.copyto(out32, buf16)
        result["direct_f32"].append(time.perf_counter() - t)
print(json.dumps(result))
