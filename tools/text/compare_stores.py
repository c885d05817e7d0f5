"""Check that a store made by ``bertvision extract`` (JS, ONNX) and one made by tools/extract (Python, PyTorch) from
the same model and questions agree: identical tensor names, shapes, dtypes, labels, offsets and metadata (except
``created_by``); activations and logits within a tolerance.

Tolerance: float32 stores within ``--atol`` + ``--rtol``·|x| (ONNX Runtime vs PyTorch arithmetic); float16 stores
within one float16 ulp at max(|a|, |b|) plus ``--atol`` (two float32 results that differ by a hair can round to
neighbouring float16 values, never further apart). Prints the largest differences; exit 1 on any disagreement.
Run: .venv/bin/python tools/text/compare_stores.py JS_STORE PY_STORE [--atol 1e-4] [--rtol 1e-4]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "extract"))
from bertvision_extract.containers import open_reader  # noqa: E402

EXACT = ("start_positions", "end_positions", "is_impossible", "example_index", "offset_mapping")


def float16_ulp(values: np.ndarray) -> np.ndarray:
    return np.spacing(np.abs(values).astype(np.float16)).astype(np.float32)


def compare(js_path: Path, py_path: Path, atol: float, rtol: float, rows_per_read: int = 16) -> list[str]:
    js, py = open_reader(js_path), open_reader(py_path)
    problems: list[str] = []
    meta_js = {k: v for k, v in js.metadata.items() if k != "created_by"}
    meta_py = {k: v for k, v in py.metadata.items() if k != "created_by"}
    if meta_js != meta_py:
        keys = sorted(k for k in set(meta_js) | set(meta_py) if meta_js.get(k) != meta_py.get(k))
        problems.append(f"metadata differs on {keys}: js {[meta_js.get(k) for k in keys]} py {[meta_py.get(k) for k in keys]}")
    if set(js.specs) != set(py.specs) or any(js.specs[n] != py.specs[n] for n in py.specs if n in js.specs):
        problems.append(f"tensors differ: js {js.specs} py {py.specs}")
        return problems
    for name, (shape, dtype) in py.specs.items():
        worst, worst_ulps = 0.0, 0.0
        for start in range(0, shape[0], rows_per_read):
            a, b = js.read(name, start, rows_per_read), py.read(name, start, rows_per_read)
            if name in EXACT:
                if not np.array_equal(a, b):
                    rows = np.unique(np.nonzero(a != b)[0]) + start
                    problems.append(f"{name} differs in rows {rows[:10].tolist()}")
                    break
                continue
            a32, b32 = a.astype(np.float32), b.astype(np.float32)
            diff = np.abs(a32 - b32)
            if dtype == np.float16:
                bound = float16_ulp(np.maximum(np.abs(a32), np.abs(b32))) + atol
            else:
                bound = atol + rtol * np.abs(b32)
            worst = max(worst, float(diff.max(initial=0)))
            worst_ulps = max(worst_ulps, float((diff / bound).max(initial=0)))
            if not (diff <= bound).all():
                at = np.unravel_index(int(np.argmax(diff - bound)), diff.shape)
                problems.append(f"{name} row {start + at[0]} index {at[1:]}: js {a32[at]} py {b32[at]} (bound {bound[at]})")
                break
        if name not in EXACT:
            print(f"{name}: {dtype} {shape}, max |js - py| = {worst:.3g} ({worst_ulps:.2f} of the bound)")
    js.close()
    py.close()
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("js", type=Path)
    parser.add_argument("py", type=Path)
    parser.add_argument("--atol", type=float, default=1e-4)
    parser.add_argument("--rtol", type=float, default=1e-4)
    args = parser.parse_args()
    problems = compare(args.js, args.py, args.atol, args.rtol)
    for line in problems:
        print(f"MISMATCH {line}", file=sys.stderr)
    print("stores agree" if not problems else f"{len(problems)} disagreements")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
