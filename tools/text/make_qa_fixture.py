"""Expected answers of a QA model on a few dozen SQuAD 2.0 eval questions, for bertvision's ``createQaPipeline``.

The model: all-MiniLM-L6-v2 with a question-answering head (``AutoModelForQuestionAnswering``; no fine-tuned MiniLM
ships), the head initialised with torch seed 0 and its weights scaled by 50 so that its logits spread like a trained
head's; ``--model-dir`` receives it (CI exports it with tools/onnx/export.py). transformers 5 no longer has the
``question-answering`` pipeline, so the answers come the way run_qa.py evaluates a QA model: tools/extract's windows
(run_qa's), PyTorch float32 logits, and transformers' ``postprocess_qa_predictions`` (tools/squad/reference_postprocess.py).
Windows of 192 tokens, stride 64. Questions: the first 24 of the eval part of data/squad-dev-split.json and the 8 eval questions with the most windows.
Run: HF_HUB_OFFLINE=1 .venv/bin/python tools/text/make_qa_fixture.py --model-dir .tmp/minilm-qa [--check]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

from fixture_common import DEV, FIXTURES, ROOT, model_dir, utf16_index, write_or_check

sys.path.insert(0, str(ROOT / "tools" / "extract"))
sys.path.insert(0, str(ROOT / "tools" / "squad"))
from bertvision_extract.encoder import load_encoder, run_batch  # noqa: E402
from bertvision_extract.squad import load_examples, load_split_titles  # noqa: E402
from bertvision_extract.windows import WindowSettings, build_windows  # noqa: E402
from reference_postprocess import postprocess  # noqa: E402

HEAD_SEED, HEAD_SCALE = 0, 50.0
MAX_SEQ_LENGTH, DOC_STRIDE = 192, 64  # shorter than run_qa's 384 so that long contexts take several windows


def make_model(target: Path) -> None:
    """all-MiniLM-L6-v2 + a seeded QA head, saved to ``target`` (rebuilt identically every time)."""
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    torch.manual_seed(HEAD_SEED)
    model = AutoModelForQuestionAnswering.from_pretrained(str(model_dir()), dtype=torch.float32)
    with torch.no_grad():
        torch.manual_seed(HEAD_SEED)
        model.qa_outputs.weight.normal_(0.0, 0.02).mul_(HEAD_SCALE)
        model.qa_outputs.bias.zero_()
    model.save_pretrained(str(target))
    AutoTokenizer.from_pretrained(str(model_dir())).save_pretrained(str(target))
    (target / "tokenizer.json").write_bytes((model_dir() / "tokenizer.json").read_bytes())


def pick(examples, windows) -> list[int]:
    counts = np.bincount(windows.example_index, minlength=len(examples))
    longest = [int(i) for i in np.argsort(-counts, kind="stable")[:8]]
    return sorted(set(range(24)) | set(longest))


def locate(context: str, features: list[dict], best: dict) -> tuple[int, int]:
    """Code-point offsets of the n-best entry ``best`` (postprocess_qa_predictions drops them): the context span whose
    start and end logits and text are the entry's."""
    for f in features:
        for s, so in enumerate(f["offsets"]):
            if so is None or float(f["start_logits"][s]) != best["start_logit"]:
                continue
            for t, to in enumerate(f["offsets"]):
                if to is not None and float(f["end_logits"][t]) == best["end_logit"] and context[so[0]:to[1]] == best["text"]:
                    return so[0], to[1]
    raise SystemExit(f"cannot locate the answer {best['text']!r}")


def make(model_path: Path) -> dict:
    make_model(model_path)
    encoder = load_encoder(str(model_path), torch.device("cpu"), model_id="all-MiniLM-L6-v2-qa-seed0")
    titles = load_split_titles(ROOT / "data" / "squad-dev-split.json", "eval")
    examples = load_examples(DEV, titles)
    settings = WindowSettings(MAX_SEQ_LENGTH, DOC_STRIDE)
    chosen = [examples[i] for i in pick(examples, build_windows(encoder.tokenizer, examples, settings))]
    w = build_windows(encoder.tokenizer, chosen, settings)
    features = []
    for start in range(0, len(w), 8):
        out = run_batch(encoder, w.input_ids[start:start + 8], w.attention_mask[start:start + 8], w.token_type_ids[start:start + 8])
        for i in range(out.start_logits.shape[0]):
            row = start + i
            offsets = [None if a < 0 else (int(a), int(b)) for a, b in w.offset_mapping[row].tolist()]
            features.append({"example_index": int(w.example_index[row]), "offsets": offsets,
                             "start_logits": out.start_logits[i], "end_logits": out.end_logits[i]})
    items = [{"id": ex.qid, "context": ex.context} for ex in chosen]
    predictions, nbest, null_odds = postprocess(items, features)
    expected = []
    for e, ex in enumerate(chosen):
        entries = nbest[ex.qid]
        best = next(c for c in entries if c["text"] != "")
        null = next((c for c in entries if c["text"] == ""), None)
        span = locate(ex.context, [f for f in features if f["example_index"] == e], best)
        to16 = utf16_index(ex.context)
        expected.append({
            "id": ex.qid, "answer": predictions[ex.qid], "best": best["text"],
            "start": to16[span[0]], "end": to16[span[1]], "score": float(best["probability"]),
            "no_answer_probability": float(null["probability"]) if null else 0.0,
            "null_odds": float(null_odds[ex.qid]), "windows": int((w.example_index == e).sum()),
        })
    return {"model": "all-MiniLM-L6-v2 + QA head (torch seed 0, x50)", "split": "data/squad-dev-split.json eval",
            "max_seq_length": settings.max_seq_length, "doc_stride": settings.doc_stride, "questions": expected}


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--check"]
    if len(args) != 2 or args[0] != "--model-dir":
        print("usage: make_qa_fixture.py --model-dir DIR [--check]", file=sys.stderr)
        sys.exit(2)
    target = Path(args[1])
    sys.argv = [sys.argv[0]] + (["--check"] if "--check" in sys.argv else [])
    # scores and logits from torch's CPU kernels: their last digits depend on the CPU (AVX2 / AVX-512 paths)
    write_or_check(FIXTURES / "qa-pipeline.json", lambda: make(target), __doc__ or "", float_rel=1e-4)
