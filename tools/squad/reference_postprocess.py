"""Python reference of transformers' postprocess_qa_predictions (shared/reference/squad-v2-scoring.md §4), written
from that prose with numpy float32 arithmetic, plus the seed's legacy argmax decoder (bertvision-spec §5.1, with the
text rule documented in src/squad/decode-legacy.ts). Used by make_decode_fixtures.py to produce expected outputs."""
import numpy as np


def postprocess(examples, features, n_best_size=20, max_answer_length=30, version_2_with_negative=True,
                null_score_diff_threshold=0.0):
    """examples: [{id, context}]; features: [{example_index, offsets (list of (s, e) or None), start_logits,
    end_logits (np.float32 arrays)}]. Returns (predictions, nbest, null_odds) dicts keyed by example id."""
    per_example = [[] for _ in examples]
    for i, f in enumerate(features):
        per_example[f["example_index"]].append(i)
    predictions, nbest, null_odds = {}, {}, {}
    for e, example in enumerate(examples):
        null_pred = None
        prelim = []
        for fi in per_example[e]:
            start, end, offsets = features[fi]["start_logits"], features[fi]["end_logits"], features[fi]["offsets"]
            null_score = start[0] + end[0]
            if null_pred is None or null_pred["score"] > null_score:
                null_pred = {"offsets": (0, 0), "score": null_score, "start_logit": start[0], "end_logit": end[0]}
            starts = np.argsort(start, kind="stable")[-1:-n_best_size - 1:-1].tolist()
            ends = np.argsort(end, kind="stable")[-1:-n_best_size - 1:-1].tolist()
            for s in starts:
                for t in ends:
                    if s >= len(offsets) or t >= len(offsets) or offsets[s] is None or offsets[t] is None:
                        continue
                    if t < s or t - s + 1 > max_answer_length:
                        continue
                    prelim.append({"offsets": (offsets[s][0], offsets[t][1]), "score": start[s] + end[t],
                                   "start_logit": start[s], "end_logit": end[t]})
        if version_2_with_negative:
            prelim.append(null_pred)
            null_score = null_pred["score"]
        kept = sorted(prelim, key=lambda c: c["score"], reverse=True)[:n_best_size]
        if version_2_with_negative and not any(c["offsets"] == (0, 0) for c in kept):
            kept.append(null_pred)
        context = example["context"]
        for c in kept:  # the dict operations of transformers, so nbest keys come out in its order
            offsets = c.pop("offsets")
            c["text"] = context[offsets[0]:offsets[1]]
        if len(kept) == 0 or (len(kept) == 1 and kept[0]["text"] == ""):
            kept.insert(0, {"text": "empty", "start_logit": 0.0, "end_logit": 0.0, "score": 0.0})
        scores = np.array([c.pop("score") for c in kept])
        exp = np.exp(scores - np.max(scores))
        probs = exp / exp.sum()
        for p, c in zip(probs, kept):
            c["probability"] = p
        nbest[example["id"]] = [{k: (float(v) if isinstance(v, np.floating) else v) for k, v in c.items()} for c in kept]
        if not version_2_with_negative:
            predictions[example["id"]] = kept[0]["text"]
            continue
        i = 0
        while kept[i]["text"] == "":
            i += 1
        best = kept[i]
        diff = null_score - best["start_logit"] - best["end_logit"]
        null_odds[example["id"]] = float(diff)
        predictions[example["id"]] = "" if diff > null_score_diff_threshold else best["text"]
    return predictions, nbest, null_odds


def _softmax(x):
    x = np.asarray(x, dtype=np.float64)
    ex = np.exp(x - x.max())
    return ex / ex.sum()


def legacy(examples, features, already_prob=False):
    """Independent argmax per window; confidence max(P_start)*max(P_end); most confident window per example."""
    out = {}
    for e, example in enumerate(examples):
        best = None
        for fi, f in enumerate(features):
            if f["example_index"] != e:
                continue
            start, end = np.asarray(f["start_logits"], np.float64), np.asarray(f["end_logits"], np.float64)
            s, t = int(np.argmax(start)), int(np.argmax(end))
            conf = start[s] * end[t] if already_prob else _softmax(start).max() * _softmax(end).max()
            if best is None or conf > best["confidence"]:
                best = {"feature_index": fi, "start_token": s, "end_token": t, "confidence": float(conf)}
        offsets = features[best["feature_index"]]["offsets"]
        s, t = best["start_token"], best["end_token"]
        inside = [k for k in range(s, min(t, len(offsets) - 1) + 1) if offsets[k] is not None]
        if t < s or (s == 0 and t == 0) or not inside:
            best["text"] = ""
        else:
            best["text"] = example["context"][offsets[inside[0]][0]:offsets[inside[-1]][1]]
        out[example["id"]] = best
    return out
