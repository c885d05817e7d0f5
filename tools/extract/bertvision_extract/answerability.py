"""The backbone's own answerability evidence per window, as transformers' run_qa.py postprocessing weighs it.

For each window: ``null_score`` = start[CLS] + end[CLS], and ``best_span_score`` = the best start + end over the
n-best start and end candidates that lie in the context, with end >= start and at most ``max_answer_length`` tokens
(``-inf`` when no candidate qualifies). run_qa answers "" for a question when
min(null_score over its windows) - max(best_span_score over its windows) > null_score_diff_threshold; CLS-only
stores keep these two numbers so that decision can be made (and its threshold chosen) without the full logits.
"""

from __future__ import annotations

import numpy as np

N_BEST_SIZE = 20
MAX_ANSWER_LENGTH = 30


def window_answerability(start_logits: np.ndarray, end_logits: np.ndarray, offsets: np.ndarray,
                         n_best_size: int = N_BEST_SIZE, max_answer_length: int = MAX_ANSWER_LENGTH,
                         ) -> tuple[np.ndarray, np.ndarray]:
    """``(null_score, best_span_score)``, float32 ``[B]`` each, from ``[B, S]`` logits and ``[B, S, 2]`` offsets
    (-1 for tokens outside the context, as the store keeps them)."""
    batch = start_logits.shape[0]
    null = (start_logits[:, 0] + end_logits[:, 0]).astype(np.float32)
    best = np.full(batch, -np.inf, dtype=np.float32)
    in_context = offsets[..., 0] >= 0
    for b in range(batch):
        starts = np.argsort(start_logits[b], kind="stable")[::-1][:n_best_size]
        ends = np.argsort(end_logits[b], kind="stable")[::-1][:n_best_size]
        for s in starts:
            if not in_context[b, s]:
                continue
            for t in ends:
                if in_context[b, t] and s <= t < s + max_answer_length:
                    best[b] = max(best[b], np.float32(start_logits[b, s]) + np.float32(end_logits[b, t]))
    return null, best
