"""Expected values for the predict/ensemble CLI tests, computed in Python from the real fine-tuned MiniLM span store.

Reads data/minilm/span-eval-6q-finetuned.safetensors (the fine-tuned model's own start/end logits, offsets, example
index and ids) and the SQuAD dev set, then, with the Python references in tools/squad/ (transformers'
postprocess_qa_predictions and the official SQuAD 2.0 algorithm, written independently of the TypeScript code):
  - bert: decode the stored logits; official metrics over the store's questions with the null odds as na_probs
    (threshold +inf, so they only drive best_exact/best_f1);
  - bert_log_softmax: decode the per-window log-softmax of the stored logits (what a probability ensemble whose
    weights select the BERT member alone decodes);
  - *_forced: the same with null_score_diff_threshold 1e9 (always the best non-null span).
Writes test/fixtures/eval/ensemble-expected.json.
Run: .venv/bin/python tools/eval/make_ensemble_fixture.py [--check]
"""
import json
import math
import pathlib
import sys

import numpy as np
from safetensors import safe_open

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "squad"))
from fixture_io import write_or_check  # noqa: E402
from official_algorithm import evaluate  # noqa: E402
from reference_postprocess import postprocess  # noqa: E402

STORE = ROOT / "data" / "minilm" / "span-eval-6q-finetuned.safetensors"
SQUAD = ROOT / "data" / "squad" / "dev-v2.0.json"
# A null_score_diff_threshold no null odds reach: always the best non-null span (more telling than "" everywhere).
FORCED = 1e9
OUT = ROOT / "test" / "fixtures" / "eval" / "ensemble-expected.json"


def log_softmax(x):
    m = x.max()
    return (x - m - np.log(np.exp(x - m, dtype=np.float64).sum())).astype(np.float32)


def main():
    with safe_open(str(STORE), framework="numpy") as f:
        meta = json.loads(f.metadata()["bertvision"])
        t = {k: f.get_tensor(k) for k in ("start_logits", "end_logits", "offset_mapping", "example_index")}
    ids = meta["example_ids"]
    dataset = json.load(open(SQUAD))["data"]
    contexts = {qa["id"]: p["context"] for a in dataset for p in a["paragraphs"] for qa in p["qas"]}
    examples = [{"id": q, "context": contexts[q]} for q in ids]

    def features(transform):
        out = []
        for w in range(t["start_logits"].shape[0]):
            offsets = [None if s < 0 else (int(s), int(e)) for s, e in t["offset_mapping"][w]]
            out.append({"example_index": int(t["example_index"][w]), "offsets": offsets,
                        "start_logits": transform(t["start_logits"][w]), "end_logits": transform(t["end_logits"][w])})
        return out

    covered = [{"paragraphs": [{"qas": [qa for qa in p["qas"] if qa["id"] in ids]} for p in a["paragraphs"]]} for a in dataset]
    result = {"generated_by": "tools/eval/make_ensemble_fixture.py", "question_ids": ids}
    raw = lambda x: x.astype(np.float32)  # noqa: E731
    for name, transform, threshold in (("bert", raw, 0.0), ("bert_log_softmax", log_softmax, 0.0),
                                       ("bert_forced", raw, FORCED), ("bert_log_softmax_forced", log_softmax, FORCED)):
        predictions, _nbest, null_odds = postprocess(examples, features(transform), null_score_diff_threshold=threshold)
        metrics = evaluate(covered, predictions, {q: float(v) for q, v in null_odds.items()}, thresh=math.inf)
        result[name] = {"predictions": predictions, "null_odds": {q: float(v) for q, v in null_odds.items()}, "metrics": metrics}
    write_or_check(OUT, json.dumps(result, indent=1, sort_keys=False) + "\n")
    return 0

if __name__ == "__main__":
    sys.exit(main())
