#!/usr/bin/env python3
"""Expected values for checking a store from TypeScript, computed WITHOUT the extraction code path.

For chosen windows of a store it re-tokenises the question + context with the tokenizer called directly and runs
``AutoModel(...)(...)`` (and ``AutoModelForQuestionAnswering`` when the model has a QA head) to get
``last_hidden_state``, ``pooler_output`` and the QA logits. Gold answers come from the SQuAD JSON. Output, beside
``--prefix``: ``<prefix>.expected.json`` plus little-endian float32 ``<prefix>.last_hidden.f32`` (and
``<prefix>.pooled.f32``). Used for test/fixtures/real/ and by the extraction section of .ci/run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from transformers import AutoConfig, AutoModel, AutoModelForQuestionAnswering, AutoTokenizer  # noqa: E402

from bertvision_extract.atomic import write_json_atomic  # noqa: E402
from bertvision_extract.containers import open_reader  # noqa: E402


def _squad_questions(squad_file: Path) -> dict[str, dict[str, Any]]:
    root = json.loads(squad_file.read_text(encoding="utf-8"))
    return {qa["id"]: {"question": qa["question"], "context": p["context"], "answers": qa["answers"],
                       "is_impossible": bool(qa.get("is_impossible", False))}
            for article in root["data"] for p in article["paragraphs"] for qa in p["qas"]}


def _write_f32(array: np.ndarray, target: Path) -> dict[str, Any]:
    target.write_bytes(np.ascontiguousarray(array, dtype="<f4").tobytes())
    return {"file": target.name, "shape": list(array.shape)}


def make_expected(store: Path, model_dir: str, squad_file: Path, prefix: Path, windows: list[int] | None) -> None:
    """Write the expected-value files for ``windows`` (default: first and last) of ``store``."""
    reader = open_reader(store)
    meta = reader.metadata
    n = reader.specs["hidden_state_activations"][0][0]
    example_index = reader.read("example_index", 0, n)
    reader.close()
    chosen = sorted(set(windows if windows is not None else [0, n - 1]))
    questions = _squad_questions(squad_file)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    qa_head = any(a.endswith("ForQuestionAnswering") for a in AutoConfig.from_pretrained(model_dir).architectures or [])
    model = (AutoModelForQuestionAnswering if qa_head else AutoModel).from_pretrained(model_dir).eval()
    encoder = AutoModel.from_pretrained(model_dir).eval()  # a plain BertModel: its last_hidden_state is the reference
    hidden, pooled, starts, ends = [], [], [], []
    for w in chosen:
        qid = meta["example_ids"][int(example_index[w])]
        k = int((example_index[:w] == example_index[w]).sum())  # w is the k-th window of its question
        q = questions[qid]
        enc = tokenizer(q["question"].lstrip(), q["context"], truncation="only_second", max_length=meta["max_seq_length"],
                        stride=meta["doc_stride"], return_overflowing_tokens=True, padding="max_length",
                        return_tensors="pt")
        enc.pop("overflow_to_sample_mapping")
        one = {name: t[k : k + 1] for name, t in enc.items()}
        with torch.no_grad():
            out = encoder(**one)
            keep = 1 if meta["positions"] == "cls" else meta["max_seq_length"]
            hidden.append(out.last_hidden_state[0, :keep].numpy())
            if out.pooler_output is not None:
                pooled.append(out.pooler_output[0].numpy())
            if qa_head:
                logits = model(**one)
                starts.append(logits.start_logits[0, :keep].tolist())
                ends.append(logits.end_logits[0, :keep].tolist())
    prefix.parent.mkdir(parents=True, exist_ok=True)
    expected: dict[str, Any] = {
        "generated_by": "tools/extract/make_expected.py (tokenizer + AutoModel called directly)",
        "store": os.path.relpath(store, prefix.parent), "windows": chosen,
        "last_hidden": _write_f32(np.stack(hidden), prefix.with_name(prefix.name + ".last_hidden.f32")),
        "questions": {qid: {"context": questions[qid]["context"], "answers": questions[qid]["answers"],
                            "is_impossible": questions[qid]["is_impossible"]} for qid in meta["example_ids"]},
    }
    if pooled and "pooled" in meta["channels"]:
        expected["pooled"] = _write_f32(np.stack(pooled), prefix.with_name(prefix.name + ".pooled.f32"))
    if qa_head:
        expected["start_logits"], expected["end_logits"] = starts, ends
    if meta["positions"] == "cls":  # contexts are not needed without offsets; keep the fixture small
        for entry in expected["questions"].values():
            del entry["context"]
    write_json_atomic(expected, prefix.with_name(prefix.name + ".expected.json"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--model", required=True, help="the model directory the store was extracted with")
    parser.add_argument("--squad", type=Path, required=True, help="the SQuAD JSON the store was extracted from")
    parser.add_argument("--prefix", type=Path, required=True, help="output path prefix, e.g. test/fixtures/real/x")
    parser.add_argument("--windows", type=int, nargs="*", help="window indices (default: first and last)")
    args = parser.parse_args()
    make_expected(args.store, args.model, args.squad, args.prefix, args.windows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
