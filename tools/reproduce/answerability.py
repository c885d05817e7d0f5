"""The backbone's own answerability decision from CLS stores (run_qa's null score vs best span, per question), with
its threshold chosen on a train-part store, never on the eval part."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np

from scoring import sigmoid


def question_differences(store: Path) -> dict[str, float]:
    """min null_score − max best_span_score over each question's windows (run_qa's null-score difference)."""
    with h5py.File(store, "r") as f:
        ids = json.loads(f.attrs["bertvision_metadata"])["example_ids"]
        null = f["null_score"][:]
        best = f["best_span_score"][:]
        example = f["example_index"][:]
    nulls: dict[str, float] = {}
    bests: dict[str, float] = {}
    for w, e in enumerate(example):
        qid = ids[int(e)]
        nulls[qid] = min(nulls.get(qid, np.inf), float(null[w]))
        bests[qid] = max(bests.get(qid, -np.inf), float(best[w]))
    return {q: nulls[q] - bests[q] for q in nulls}


def choose_threshold(differences: dict[str, float], gold: dict[str, bool]) -> float:
    """The threshold on the difference with the best answerability accuracy (midpoints between sorted values)."""
    pairs = sorted((differences[q], gold[q]) for q in differences if q in gold)
    values = [v for v, _ in pairs]
    candidates = [values[0] - 1] + [(a + b) / 2 for a, b in zip(values, values[1:])] + [values[-1] + 1]
    no_answers = np.array([g for _, g in pairs])
    diffs = np.array(values)
    best_t, best_acc = 0.0, -1.0
    for t in candidates:
        acc = float(np.mean((diffs > t) == no_answers))
        if acc > best_acc:
            best_t, best_acc = t, acc
    return best_t


def probabilities(differences: dict[str, float], threshold: float) -> dict[str, float]:
    """sigmoid(difference − threshold): crosses 0.5 exactly where the chosen threshold flips the decision (unrounded,
    so a difference just above the threshold stays above 0.5, as the TypeScript demo decides it)."""
    return {q: sigmoid(d - threshold) for q, d in differences.items()}
