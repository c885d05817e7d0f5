"""The official SQuAD 2.0 evaluation algorithm in Python, re-implemented from the prose of
shared/reference/squad-v2-scoring.md §2 (not copied from evaluate-v2.0.py). Used as the golden-value source for
normalisation/F1 fixtures and as the same-run baseline of bench/evaluate.bench.ts.

As a script: time the whole dev set and print JSON timings (seconds, median of --repeats runs):
  .venv/bin/python tools/squad/official_algorithm.py data.json pred.json [na_prob.json] [--repeats N]
"""
import collections
import json
import re
import string
import sys
import time

ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
PUNCT = set(string.punctuation)


def normalize_answer(s):
    s = s.lower()
    s = "".join(ch for ch in s if ch not in PUNCT)
    s = ARTICLES.sub(" ", s)
    return " ".join(s.split())


def tokens(s):
    return normalize_answer(s).split() if s else []


def exact(gold, pred):
    return int(normalize_answer(gold) == normalize_answer(pred))


def f1(gold, pred):
    g, p = tokens(gold), tokens(pred)
    if not g or not p:
        return int(g == p)
    same = sum((collections.Counter(g) & collections.Counter(p)).values())
    if same == 0:
        return 0
    precision = 1.0 * same / len(p)
    recall = 1.0 * same / len(g)
    return (2 * precision * recall) / (precision + recall)


def evaluate(dataset, preds, na_probs=None, thresh=1.0):
    has_ans = {}
    exact_raw, f1_raw = {}, {}
    for article in dataset:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                qid = qa["id"]
                has_ans[qid] = bool(qa["answers"])
                golds = [a["text"] for a in qa["answers"] if normalize_answer(a["text"])] or [""]
                pred = preds[qid]
                exact_raw[qid] = max(exact(g, pred) for g in golds)
                f1_raw[qid] = max(f1(g, pred) for g in golds)
    given = na_probs is not None
    na = na_probs if given else {k: 0.0 for k in preds}

    def thresholded(raw):
        return {q: (float(not has_ans[q]) if na[q] > thresh else s) for q, s in raw.items()}

    ex, fs = thresholded(exact_raw), thresholded(f1_raw)
    out = {"exact": 100.0 * sum(ex.values()) / len(ex), "f1": 100.0 * sum(fs.values()) / len(fs), "total": len(ex)}
    for prefix, ids in (("HasAns", [q for q, v in has_ans.items() if v]), ("NoAns", [q for q, v in has_ans.items() if not v])):
        if ids:
            out[prefix + "_exact"] = 100.0 * sum(ex[q] for q in ids) / len(ids)
            out[prefix + "_f1"] = 100.0 * sum(fs[q] for q in ids) / len(ids)
            out[prefix + "_total"] = len(ids)
    if given:
        order = sorted(na, key=lambda k: na[k])
        for name, raw in (("exact", exact_raw), ("f1", f1_raw)):
            cur = best = sum(1 for v in has_ans.values() if not v)
            best_t = 0.0
            for q in order:
                if q not in raw:
                    continue
                cur += raw[q] if has_ans[q] else (-1 if preds[q] else 0)
                if cur > best:
                    best, best_t = cur, na[q]
            out["best_" + name] = 100.0 * best / len(raw)
            out["best_" + name + "_thresh"] = best_t
    return out


def main(argv):
    repeats = int(argv[argv.index("--repeats") + 1]) if "--repeats" in argv else 5
    files = [a for a in argv if a.endswith(".json")]
    compute, total = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        dataset = json.load(open(files[0]))["data"]
        preds = json.load(open(files[1]))
        na = json.load(open(files[2])) if len(files) > 2 else None
        t1 = time.perf_counter()
        out = evaluate(dataset, preds, na)
        t2 = time.perf_counter()
        json.dumps(out, indent=2)
        t3 = time.perf_counter()
        compute.append(t2 - t1)
        total.append(t3 - t0)
    print(json.dumps({"compute_s": sorted(compute)[len(compute) // 2], "end_to_end_s": sorted(total)[len(total) // 2],
                      "output": out, "python": sys.version.split()[0]}))


if __name__ == "__main__":
    main(sys.argv[1:])
