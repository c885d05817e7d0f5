"""Write a fixture, or with --check on the command line verify the committed one is byte-identical (or, for JSON
fixtures holding results of NumPy's SIMD transcendental functions, identical up to ``float_rel`` in every float)."""
import json
import math
import sys


def _same(a, b, rel):
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and math.isclose(a, b, rel_tol=rel, abs_tol=0.0)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k], rel) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(_same(x, y, rel) for x, y in zip(a, b))
    return a == b


def write_or_check(path, text, float_rel=None):
    """``float_rel``: relative tolerance for floats in a JSON fixture. NumPy's ``exp`` dispatches to different SIMD
    kernels by CPU (AVX2, AVX-512), which differ in the last bit, so such fixtures are not byte-stable across
    machines; everything else (keys, strings, integers, structure) must still be identical."""
    if "--check" in sys.argv:
        committed = path.read_text() if path.exists() else None
        same = committed == text or (float_rel is not None and committed is not None
                                     and _same(json.loads(committed), json.loads(text), float_rel))
        if not same:
            sys.exit(f"{path} differs from what {sys.argv[0]} generates: regenerate and commit it")
        print(f"{path.name}: reproducible")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    print(f"wrote {path} ({path.stat().st_size} bytes)")
