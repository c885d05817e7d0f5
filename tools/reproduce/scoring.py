"""Rows of docs/reproduction/results.json: official SQuAD 2.0 metrics of a predictions file (through the built
``bertvision evaluate``, which prints evaluate-v2.0.py's output byte for byte) and answerability metrics."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

from plan import REPO
from stages import BIN, ENV


def official_metrics(squad_part: Path, predictions: Path, na_probs: Path | None) -> dict:
    command = BIN + ["evaluate", str(squad_part), str(predictions)] + (["-n", str(na_probs)] if na_probs else [])
    out = subprocess.run(command, cwd=REPO, env=ENV, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def null_odds_to_probabilities(null_odds: Path, target: Path) -> Path:
    """run_qa's null-score difference per question → sigmoid(difference): a probability of "no answer" that crosses
    0.5 where run_qa's default threshold (0) flips the answer."""
    odds = json.loads(null_odds.read_text(encoding="utf-8"))
    target.write_text(json.dumps({q: round(sigmoid(v), 6) for q, v in odds.items()}, indent=0) + "\n", encoding="utf-8")
    return target


def gold_no_answer(squad_part: Path) -> dict[str, bool]:
    data = json.loads(squad_part.read_text(encoding="utf-8"))
    return {q["id"]: not q["answers"] for a in data["data"] for p in a["paragraphs"] for q in p["qas"]}


def answerability_metrics(probabilities: dict[str, float], gold: dict[str, bool], threshold: float = 0.5) -> dict:
    """The seed's question-level answerability metrics: accuracy, and F1 of the no-answer class."""
    tp = fp = fn = tn = 0
    for qid, no_answer in gold.items():
        predicted = probabilities[qid] > threshold
        tp += predicted and no_answer
        fp += predicted and not no_answer
        fn += not predicted and no_answer
        tn += not predicted and not no_answer
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"accuracy": (tp + tn) / len(gold), "no_answer_f1": f1, "no_answer_precision": precision,
            "no_answer_recall": recall, "questions": len(gold), "threshold": threshold}


def majority_accuracy(gold: dict[str, bool]) -> float:
    share = sum(gold.values()) / len(gold)
    return max(share, 1 - share)
