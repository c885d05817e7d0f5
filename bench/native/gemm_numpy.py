"""Baseline GFLOP/s of numpy (OpenBLAS) float32 matmul for the shapes that
bench/native/gemm_bench.cc measures, so the two can be compared.

Run with:  .venv/bin/python bench/native/gemm_numpy.py [threads ...]
           GEMM_NUMPY_CPU=1 .venv/bin/python bench/native/gemm_numpy.py 1   (the fastest run's thread CPU time, like
           `gemm_bench 7 cpu`: with one OpenBLAS thread the work runs on the calling thread, so other jobs on a shared
           machine drop out of the rate)
Each thread count runs in a fresh subprocess, because OpenBLAS reads
OPENBLAS_NUM_THREADS only when it is loaded. Default: 1 and the library's own
choice ("auto").
"""
import os
import statistics
import subprocess
import sys
import time

# (name, batch, M, N, K, transA, transB, broadcastB) -- same list as gemm_bench.cc
SHAPES = [
    ("1 forward", 1, 38600, 386, 1024, False, False, False),
    ("2 kernel grad", 1, 1024, 386, 38600, False, False, False),
    ("3 kernel grad tA", 1, 1024, 386, 38600, True, False, False),
    ("4 input grad tB", 1, 38600, 1024, 386, False, True, False),
    ("5a medium N=2", 1, 3088, 2, 1024, False, False, False),
    ("5b medium N=64", 1, 3088, 64, 1024, False, False, False),
    ("5c batch25 bcastB", 25, 1544, 386, 1024, False, False, True),
    ("6 minilm forward", 1, 14336, 256, 384, False, False, False),
    ("7 minilm kgrad tA", 1, 384, 256, 14336, True, False, False),
]
RUNS = 7


def measure():
    import numpy as np

    rng = np.random.default_rng(0)
    for name, batch, m, n, k, ta, tb, bcast in SHAPES:
        a_shape = (k, m) if ta else (m, k)
        b_shape = (n, k) if tb else (k, n)
        a = rng.standard_normal((batch,) + a_shape, dtype=np.float32)
        b = rng.standard_normal(((1,) if bcast else (batch,)) + b_shape, dtype=np.float32)
        opa = a.transpose(0, 2, 1) if ta else a
        opb = b.transpose(0, 2, 1) if tb else b
        if batch == 1:
            opa, opb = opa[0], opb[0]
        out = np.matmul(opa, opb)  # warm-up, also allocates the output
        cpu = os.environ.get("GEMM_NUMPY_CPU") == "1"
        clock = time.thread_time if cpu else time.perf_counter
        times = []
        for _ in range(RUNS):
            t0 = clock()
            np.matmul(opa, opb, out=out)
            times.append(clock() - t0)
        gflops = 2.0 * batch * m * n * k / (min(times) if cpu else statistics.median(times)) / 1e9
        print(f"  {name:<20} {gflops:8.1f} GFLOP/s")
        sys.stdout.flush()


def main():
    if os.environ.get("GEMM_NUMPY_CHILD"):
        measure()
        return
    for threads in sys.argv[1:] or ["1", "auto"]:
        env = dict(os.environ, GEMM_NUMPY_CHILD="1")
        if threads == "auto":
            env.pop("OPENBLAS_NUM_THREADS", None)
        else:
            env["OPENBLAS_NUM_THREADS"] = threads
        print(f"numpy float32 matmul, OPENBLAS_NUM_THREADS={threads}")
        sys.stdout.flush()
        subprocess.run([sys.executable, __file__], env=env, check=True)


if __name__ == "__main__":
    main()
