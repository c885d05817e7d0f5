"""The per-window answerability scores of CLS-only stores give run_qa's null-score difference per question."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from bertvision_extract.answerability import window_answerability

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "squad"))
from reference_postprocess import postprocess  # noqa: E402  (the Python reference of transformers' postprocessing)


def test_question_level_difference_equals_run_qa_null_odds() -> None:
    rng = np.random.default_rng(7)
    seq, windows_per_question = 40, 3
    context = "x" * 400
    for _ in range(50):
        start = rng.normal(size=(windows_per_question, seq)).astype(np.float32) * 3
        end = rng.normal(size=(windows_per_question, seq)).astype(np.float32) * 3
        offsets = np.full((windows_per_question, seq, 2), -1, dtype=np.int32)
        for w in range(windows_per_question):
            first = int(rng.integers(3, 12))  # question tokens before the context
            for i in range(first, seq - 1):
                offsets[w, i] = (5 * (i - first) + 50 * w, 5 * (i - first) + 50 * w + 4)
        null, best = window_answerability(start, end, offsets)
        features = [{"example_index": 0, "start_logits": start[w], "end_logits": end[w],
                     "offsets": [None if o[0] < 0 else (int(o[0]), int(o[1])) for o in offsets[w]]}
                    for w in range(windows_per_question)]
        _, _, null_odds = postprocess([{"id": "q", "context": context}], features)
        assert np.isclose(float(null.min() - best.max()), null_odds["q"], atol=1e-5)
