"""Expected run_qa.py windows of the SQuAD 2.0 dev set, from tools/extract's ``build_windows`` (transformers' fast
tokenizer of all-MiniLM-L6-v2).

Two settings: run_qa's defaults (384 tokens, stride 128) on every dev question, and 128 tokens, stride 48, questions
cut at 20 tokens on the first 400 questions. Per question: its window count and one hash over its windows (each
window trimmed to its attention mask: length, ids, token types, offsets with -1 for non-context tokens, start, end,
is_impossible); full windows for a few questions.
Run: HF_HUB_OFFLINE=1 .venv/bin/python tools/text/make_windows_fixture.py [--check]
"""

from __future__ import annotations

import sys

from fixture_common import DEV, FIXTURES, ROOT, digest, model_dir, write_or_check

sys.path.insert(0, str(ROOT / "tools" / "extract"))
from bertvision_extract.encoder import load_fast_tokenizer  # noqa: E402
from bertvision_extract.squad import load_examples  # noqa: E402
from bertvision_extract.windows import WindowSettings, build_windows  # noqa: E402

SETTINGS = {
    "default": (WindowSettings(384, 128, None), None),
    "short": (WindowSettings(128, 48, 20), 400),
}
FULL_EXAMPLES = 6


def window_parts(w, i: int) -> list:
    n = int(w.attention_mask[i].sum())
    return [[n], w.input_ids[i][:n].tolist(), w.token_type_ids[i][:n].tolist(), w.offset_mapping[i][:n].tolist(),
            [int(w.start_positions[i]), int(w.end_positions[i]), int(w.is_impossible[i])]]


def make() -> dict:
    tokenizer = load_fast_tokenizer(str(model_dir()))
    examples = load_examples(DEV)
    out: dict = {"order": "dev-v2.0.json question order", "settings": {}}
    for name, (settings, limit) in SETTINGS.items():
        chosen = examples if limit is None else examples[:limit]
        w = build_windows(tokenizer, chosen, settings)
        by_example: list[list[int]] = [[] for _ in chosen]
        for i, e in enumerate(w.example_index.tolist()):
            by_example[e].append(i)
        hashes = [digest(*[p for i in rows for p in window_parts(w, i)]) for rows in by_example]
        multi = [e for e, rows in enumerate(by_example) if len(rows) > 1]
        full_ids = sorted(set(multi[:: max(1, len(multi) // FULL_EXAMPLES)][:FULL_EXAMPLES]) | {0})
        full = [{"example": e, "windows": [window_parts(w, i) for i in by_example[e]]} for e in full_ids]
        out["settings"][name] = {
            "max_seq_length": settings.max_seq_length, "doc_stride": settings.doc_stride,
            "max_query_length": settings.max_query_length, "examples": len(chosen), "windows": len(w),
            "counts": "".join(chr(48 + len(rows)) for rows in by_example), "hashes": hashes, "full": full,
        }
    return out


if __name__ == "__main__":
    write_or_check(FIXTURES / "windows-dev.json", make, __doc__ or "")
