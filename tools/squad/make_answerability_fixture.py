"""Golden values for the seed's binary answerability metric (bertvision-spec §5.2), sklearn-free.

Windows (1-3 per question) of 300 real dev qids with seeded 2-class logits; gold is_impossible from dev-v2.0.json,
with 10 gold qids removed and 5 window-only qids added to exercise the inner join. Expected: per-window argmax
(numpy, first max wins), per-question max, accuracy and F1 of class 1 (= sklearn accuracy_score / f1_score with
zero_division=0), computed in plain Python. Writes test/fixtures/squad/answerability-golden.json.
Run: cd tools/squad && ../../.venv/bin/python make_answerability_fixture.py [--check]
"""
import json
import pathlib

import numpy as np

from fixture_io import write_or_check

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEV = ROOT / "data" / "squad" / "dev-v2.0.json"
OUT = ROOT / "test" / "fixtures" / "squad" / "answerability-golden.json"


def main():
    data = json.loads(DEV.read_text())["data"]
    gold = {qa["id"]: bool(qa.get("is_impossible", False)) for a in data for p in a["paragraphs"] for qa in p["qas"]}
    rng = np.random.default_rng(7)
    qids = [q for q in gold][::40][:300]
    window_qids, logits = [], []
    for qid in qids + [f"not-in-gold-{i}" for i in range(5)]:
        for _ in range(int(rng.integers(1, 4))):
            bias = 1.2 if gold.get(qid, False) else -1.2
            window_qids.append(qid)
            logits.append([float(v) for v in rng.normal([0.0, bias], 1.5).astype(np.float32)])
    logits[3] = [0.5, 0.5]  # a tie: argmax picks class 0
    gold_subset = {q: gold[q] for q in qids[10:]}
    per_question = {}
    for qid, row in zip(window_qids, logits):
        per_question[qid] = max(per_question.get(qid, 0), int(np.argmax(row)))
    joined = [(per_question[q], int(gold_subset[q])) for q in per_question if q in gold_subset]
    tp = sum(1 for p, g in joined if p == 1 and g == 1)
    fp = sum(1 for p, g in joined if p == 1 and g == 0)
    fn = sum(1 for p, g in joined if p == 0 and g == 1)
    tn = sum(1 for p, g in joined if p == 0 and g == 0)
    expected = {"accuracy": (tp + tn) / len(joined), "f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0,
                "precision": tp / (tp + fp) if tp + fp else 0.0, "recall": tp / (tp + fn) if tp + fn else 0.0,
                "truePositives": tp, "falsePositives": fp, "falseNegatives": fn, "trueNegatives": tn,
                "questions": len(joined)}
    write_or_check(OUT, json.dumps({"generator": "tools/squad/make_answerability_fixture.py", "window_qids": window_qids,
                                    "logits": logits, "gold_impossible": gold_subset, "expected": expected},
                                   separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
