"""Same-run baseline for bench/evaluate.bench.ts: time reference_postprocess.postprocess (transformers'
postprocess_qa_predictions re-implemented from the spec, numpy float32) on windows the benchmark wrote.

Usage: .venv/bin/python tools/squad/bench_decode.py DIR   (DIR holds start.f32, end.f32, offsets.i32, meta.json)
Prints JSON: {"seconds": median of meta["repeats"] runs, "predictions": {...}}.
"""
import json
import pathlib
import sys
import time

import numpy as np

from reference_postprocess import postprocess


def main(directory):
    d = pathlib.Path(directory)
    meta = json.loads((d / "meta.json").read_text())
    n, s = meta["windows"], meta["tokens"]
    start = np.fromfile(d / "start.f32", dtype=np.float32).reshape(n, s)
    end = np.fromfile(d / "end.f32", dtype=np.float32).reshape(n, s)
    offsets = np.fromfile(d / "offsets.i32", dtype=np.int32).reshape(n, s, 2)
    examples = [{"id": f"q{i}", "context": meta["context"]} for i in range(meta["examples"])]
    features = [{"example_index": meta["example_index"][i],
                 "offsets": [None if o[0] < 0 else (int(o[0]), int(o[1])) for o in offsets[i]],
                 "start_logits": start[i], "end_logits": end[i]} for i in range(n)]
    times = []
    for _ in range(meta["repeats"]):
        t0 = time.perf_counter()
        predictions, _, _ = postprocess(examples, features)
        times.append(time.perf_counter() - t0)
    print(json.dumps({"seconds": sorted(times)[len(times) // 2], "predictions": predictions}))


if __name__ == "__main__":
    main(sys.argv[1])
