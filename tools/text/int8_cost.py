"""What int8 quantisation costs a fine-tuned QA model: export it to ONNX twice (float32, and dynamic int8 by
tools/onnx/export.py --int8), answer the eval part of data/squad-dev-split.json with each through onnxruntime (the
model's own QA head, run_qa windows of 256 tokens with stride 128 from tools/extract, transformers'
postprocess_qa_predictions from tools/squad/reference_postprocess.py), score both with the official SQuAD 2.0 metric
(tools/squad/official_algorithm.py, checked against evaluate-v2.0.py's outputs) and record sizes and speeds.

Writes docs/int8-cost.json and the table between the int8-cost markers of docs/text-pipeline.md. The exports go to
--work (default .tmp/int8-cost, git-ignored) and are reused when their sidecar names the same checkpoint. Run:
  HF_HUB_OFFLINE=1 nice -n 15 .venv/bin/python tools/text/int8_cost.py [--model DIR] [--question-limit N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "extract"))
sys.path.insert(0, str(ROOT / "tools" / "squad"))
from bertvision_extract.squad import load_examples, load_split_titles  # noqa: E402
from bertvision_extract.windows import WindowSettings, build_windows  # noqa: E402
from official_algorithm import evaluate  # noqa: E402
from reference_postprocess import postprocess  # noqa: E402

DEV = ROOT / "data" / "squad" / "dev-v2.0.json"
SPLIT = ROOT / "data" / "squad-dev-split.json"
DOC = ROOT / "docs" / "text-pipeline.md"
BEGIN, END = "<!-- int8-cost:begin -->", "<!-- int8-cost:end -->"
BATCH = 16


def export(model: Path, work: Path) -> tuple[Path, Path]:
    """fp32 and int8 ONNX files of ``model`` in ``work`` (exported unless the sidecar already names ``model``)."""
    fp32, int8 = work / "model.onnx", work / "model.int8.onnx"
    sidecar = work / "model.json"
    stamp = work / "source.txt"
    fresh = all(p.exists() for p in (fp32, int8, sidecar, stamp)) and stamp.read_text() == str(model)
    if not fresh:
        work.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(ROOT / "tools" / "onnx" / "export.py"), "--model", str(model), "-o",
                        str(fp32), "--int8"], check=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
        stamp.write_text(str(model))
    if not json.loads(sidecar.read_text())["has_qa_head"]:
        raise SystemExit(f"error: {model} has no question-answering head (start/end logits): nothing to score")
    return fp32, int8


def answer(path: Path, windows, examples, threads: int) -> tuple[dict[str, str], float]:
    """Predictions of the ONNX model at ``path`` for every example, and the seconds its session ran."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    names = {i.name for i in session.get_inputs()}
    features, seconds = [], 0.0
    for start in range(0, len(windows), BATCH):
        rows = slice(start, start + BATCH)
        feeds = {"input_ids": windows.input_ids[rows], "attention_mask": windows.attention_mask[rows]}
        if "token_type_ids" in names:
            feeds["token_type_ids"] = windows.token_type_ids[rows]
        feeds = {k: np.asarray(v, dtype=np.int64) for k, v in feeds.items()}
        began = time.perf_counter()
        start_logits, end_logits = session.run(["start_logits", "end_logits"], feeds)
        seconds += time.perf_counter() - began
        for i in range(start_logits.shape[0]):
            row = start + i
            offsets = [None if a < 0 else (int(a), int(b)) for a, b in windows.offset_mapping[row].tolist()]
            features.append({"example_index": int(windows.example_index[row]), "offsets": offsets,
                             "start_logits": start_logits[i].astype(np.float32),
                             "end_logits": end_logits[i].astype(np.float32)})
    predictions, _, _ = postprocess([{"id": ex.qid, "context": ex.context} for ex in examples], features)
    return predictions, seconds


def eval_articles(examples) -> list[dict]:
    """The dev set's articles cut down to ``examples`` (the official metric scores every question it is given)."""
    ids = {ex.qid for ex in examples}
    data = json.loads(DEV.read_text(encoding="utf-8"))["data"]
    out = []
    for article in data:
        paragraphs = [{**p, "qas": [q for q in p["qas"] if q["id"] in ids]} for p in article["paragraphs"]]
        paragraphs = [p for p in paragraphs if p["qas"]]
        if paragraphs:
            out.append({**article, "paragraphs": paragraphs})
    return out


def table(result: dict) -> str:
    rows = ["| model | file | EM | F1 | HasAns F1 | NoAns F1 | windows/s |", "|---|---|---|---|---|---|---|"]
    for name in ("fp32", "int8"):
        r = result[name]
        rows.append(f"| {name} | {r['size_mb']:.1f} MB | {r['exact']:.2f} | {r['f1']:.2f} | "
                    f"{r.get('HasAns_f1', 0):.2f} | {r.get('NoAns_f1', 0):.2f} | {r['windows_per_second']:.1f} |")
    d = result["int8_minus_fp32"]
    rows.append(f"| int8 − fp32 | {d['size_mb']:+.1f} MB | {d['exact']:+.2f} | {d['f1']:+.2f} | | | |")
    return "\n".join(rows)


def write_doc(result: dict) -> None:
    text = DOC.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise SystemExit(f"error: {DOC} lacks the {BEGIN} ... {END} markers")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    note = (f"{result['questions']} questions ({result['windows']} windows of {result['max_seq_length']} tokens, "
            f"stride {result['doc_stride']}) of the eval part of data/squad-dev-split.json, `{result['model']}`; "
            f"onnxruntime {result['onnxruntime']}, {result['threads']} thread(s) on {result['machine']}.")
    DOC.write_text(f"{head}{BEGIN}\n{table(result)}\n\n{note}\n{END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=ROOT / ".reproduction" / "finetune" / "checkpoint-step-000720",
                        help="fine-tuned HF QA model directory (default: the reproduction's final checkpoint)")
    parser.add_argument("--work", type=Path, default=ROOT / ".tmp" / "int8-cost", help="where the ONNX files go")
    parser.add_argument("--question-limit", type=int, help="score only the first N eval questions (default: all)")
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads (default 1)")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "int8-cost.json")
    parser.add_argument("--no-doc", action="store_true", help="do not rewrite the table in docs/text-pipeline.md")
    args = parser.parse_args(argv)
    if not (args.model / "config.json").is_file():
        print(f"error: no HF model at {args.model} (config.json missing)", file=sys.stderr)
        return 1
    import onnxruntime
    from transformers import AutoTokenizer

    fp32, int8 = export(args.model.resolve(), args.work)
    settings = WindowSettings(256, 128)
    examples = load_examples(DEV, load_split_titles(SPLIT, "eval"))[: args.question_limit]
    windows = build_windows(AutoTokenizer.from_pretrained(str(args.model)), examples, settings)
    articles = eval_articles(examples)
    result: dict = {"model": args.model.name, "model_path": str(args.model), "questions": len(examples),
                    "windows": len(windows), "max_seq_length": settings.max_seq_length,
                    "doc_stride": settings.doc_stride,
                    "scorer": "tools/squad/official_algorithm.py (official SQuAD 2.0 metric, no na_probs)",
                    "decoder": "transformers postprocess_qa_predictions (tools/squad/reference_postprocess.py)",
                    "onnxruntime": onnxruntime.__version__, "threads": args.threads,
                    "machine": f"{platform.machine()}, {os.cpu_count()} cores shared with a training job"}
    answers = {}
    for name, path in (("fp32", fp32), ("int8", int8)):
        predictions, seconds = answer(path, windows, examples, args.threads)
        answers[name] = predictions
        metrics = evaluate(articles, predictions)
        result[name] = {**{k: round(v, 4) if isinstance(v, float) else v for k, v in metrics.items()},
                        "size_mb": round(path.stat().st_size / 1e6, 2), "seconds": round(seconds, 2),
                        "windows_per_second": round(len(windows) / seconds, 2)}
        print(f"{name}: EM {metrics['exact']:.2f} F1 {metrics['f1']:.2f} ({seconds:.0f} s)", file=sys.stderr)
    result["int8_minus_fp32"] = {k: round(result["int8"][k] - result["fp32"][k], 4) for k in ("exact", "f1", "size_mb")}
    result["same_answer_fraction"] = round(
        sum(answers["fp32"][q] == answers["int8"][q] for q in answers["fp32"]) / len(answers["fp32"]), 4)
    args.output.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    if not args.no_doc:
        write_doc(result)
    print(table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
