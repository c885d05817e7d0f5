#!/usr/bin/env python3
"""Render docs/reproduction.md's generated sections from docs/reproduction/results.json and the trained heads.

    .venv/bin/python tools/reproduce/report.py

Rewrites what lies between ``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->`` in docs/reproduction.md
(tables: span, answerability, layer mix, stage times) and copies the heads' plots into docs/reproduction/plots/.
The prose around the markers is written by hand. Reads .reproduction/ (the heads) for the layer mixes and plots.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from plan import REPO, Plan  # noqa: E402

DOC = REPO / "docs" / "reproduction.md"

# The seed's numbers (BERT-large on SQuAD 2.0 dev; docs/seed.md): span EM/F1 in %, answerability accuracy/F1 in %.
SEED_SPAN = {0.3: {"bert": (65.4, 70.2), "head": (69.9, 74.0), "ensemble": (69.1, 73.4)},
             1.0: {"bert": (72.8, 77.7), "head": (74.9, 79.0), "ensemble": (75.6, 79.8)}}
SEED_ANSWERABILITY = {0.3: {"bert": (70.1, 63.4)}, 1.0: {"bert": (76.1, 72.0), "tenney-small": (78.2, 76.3)}}


def fmt(mean: float, sd: float | None = None, scale: float = 1.0) -> str:
    text = f"{mean * scale:.1f}"
    return text if sd is None or sd == 0 else f"{text} ± {sd * scale:.1f}"


def span_table(results: dict) -> str:
    lines = ["| fine-tuning | system | EM | F1 | HasAns F1 | NoAns F1 | runs | seed (BERT-large) EM / F1 |",
             "|---|---|---|---|---|---|---|---|"]
    rows = [r for r in results["rows"] if r["system"] in ("bert", "head", "ensemble")]
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        groups[(row["fine_tune_epochs"], row["system"], row["architecture"])].append(row)
    rank = {"bert": 0, "head": 1, "ensemble": 2}
    for (budget, system, architecture), members in sorted(groups.items(),
                                                          key=lambda g: (-g[0][0], rank[g[0][1]], g[0][2])):
        stats = {k: (float(np.mean([m[k] for m in members])), float(np.std([m[k] for m in members], ddof=1))
                     if len(members) > 1 else 0.0) for k in ("exact", "f1", "HasAns_f1", "NoAns_f1")}
        seed = SEED_SPAN.get(budget, {}).get(system)
        seed_text = f"{seed[0]:.1f} / {seed[1]:.1f}" if seed and (system == "bert" or architecture.startswith(
            ("adapter-386", "bert + adapter-386"))) else ""
        name = "BERT (its own QA head)" if system == "bert" else architecture
        lines.append(f"| {budget:g} epoch | {name} | {fmt(*stats['exact'])} | {fmt(*stats['f1'])} | "
                     f"{fmt(*stats['HasAns_f1'])} | {fmt(*stats['NoAns_f1'])} | {len(members)} | {seed_text} |")
    return "\n".join(lines)


def answerability_table(results: dict) -> str:
    lines = ["| fine-tuning | system | accuracy | no-answer F1 | runs | majority class | seed (BERT-large) acc / F1 |",
             "|---|---|---|---|---|---|---|"]
    rows = [r for r in results["rows"] if r["system"] in ("bert-answerability", "head-answerability")]
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        groups[(row["fine_tune_epochs"], row["system"], row["architecture"])].append(row)
    majority = {r["fine_tune_epochs"]: r["majority_accuracy"] for r in rows if "majority_accuracy" in r}
    for (budget, system, architecture), members in sorted(groups.items(), key=lambda g: (-g[0][0], g[0][1], g[0][2])):
        acc = [m["accuracy"] for m in members]
        f1 = [m["no_answer_f1"] for m in members]
        sd = (lambda v: float(np.std(v, ddof=1)) if len(v) > 1 else 0.0)
        key = "bert" if system == "bert-answerability" else architecture
        seed = SEED_ANSWERABILITY.get(budget, {}).get(key)
        lines.append(f"| {budget:g} epoch | {'BERT (run_qa null score vs best span)' if key == 'bert' else architecture}"
                     f" | {fmt(float(np.mean(acc)), sd(acc), 100)} | {fmt(float(np.mean(f1)), sd(f1), 100)} | "
                     f"{len(members)} | {fmt(majority.get(budget, float('nan')), None, 100)} | "
                     f"{f'{seed[0]:.1f} / {seed[1]:.1f}' if seed else ''} |")
    return "\n".join(lines)


def mix_weights(model_dir: Path) -> np.ndarray | None:
    """softmax of the BertConcat mixing logits saved in a tfjs model directory (model.json + weights.bin)."""
    manifest = json.loads((model_dir / "model.json").read_text())["weightsManifest"]
    blob = b"".join((model_dir / path).read_bytes() for group in manifest for path in group["paths"])
    offset = 0
    for group in manifest:
        for weight in group["weights"]:
            count = int(np.prod(weight["shape"])) if weight["shape"] else 1
            size = count * 4
            if re.search(r"bert_concat[^/]*/weights$", weight["name"]) and weight["dtype"] == "float32":
                logits = np.array(struct.unpack_from(f"<{count}f", blob, offset), dtype=np.float64)
                e = np.exp(logits - logits.max())
                return e / e.sum()
            offset += size
    return None


def layer_mix_table(plan: Plan) -> str:
    lines = ["| fine-tuning | head | mix weights (embeddings, layer 1 … layer 6) | centre of gravity |", "|---|---|---|---|"]
    for budget in sorted(plan.budgets, reverse=True):
        for architecture in ("tenney-small", "learned-pooling"):
            mixes = [mix_weights(plan.head_dir(architecture, seed, budget) / "best-model") for seed in plan.seeds
                     if (plan.head_dir(architecture, seed, budget) / "best-model" / "model.json").is_file()]
            mixes = [m for m in mixes if m is not None]
            if not mixes:
                continue
            mean = np.mean(mixes, axis=0)
            # a CLS store of a checkpoint with a pooler has a 'pooled' channel first (a span-QA checkpoint has none)
            with_pooled = len(mean) == 8
            layers = mean[1:] / mean[1:].sum() if with_pooled else mean
            gravity = float(np.dot(np.arange(len(layers)), layers))
            pooled = f" (pooled output {mean[0]:.2f}; layers renormalised)" if with_pooled else ""
            lines.append(f"| {budget:g} epoch | {architecture} ({len(mixes)} seeds){pooled} | "
                         f"{', '.join(f'{w:.2f}' for w in layers)} | {gravity:.2f} |")
    return "\n".join(lines)


def stage_table(results: dict) -> str:
    totals: dict[str, list[float]] = defaultdict(list)
    for stage in results["stages"]:
        kind = " ".join(stage["stage"].split()[:2]) if stage["stage"].startswith(("extract", "train")) else \
            stage["stage"].split()[0]
        totals[kind].append(stage["seconds"])
    lines = ["| stage | runs | total minutes |", "|---|---|---|"]
    checkpoints = sorted(Plan().finetune_dir.glob("checkpoint-step-*/bertvision_finetune.json"))
    if checkpoints:  # fine-tuning runs outside the stage records (it resumes by itself); its own log has the time
        record = json.loads(checkpoints[-1].read_text(encoding="utf-8"))
        lines.append(f"| fine-tune ({record['step']} steps of 16 windows, {record['epoch']:.1f} epoch, bf16) | 1 | "
                     f"{record['seconds'] / 60:.1f} |")
    for kind, seconds in sorted(totals.items(), key=lambda kv: -sum(kv[1])):
        lines.append(f"| {kind} | {len(seconds)} | {sum(seconds) / 60:.1f} |")
    return "\n".join(lines)


def copy_plots(plan: Plan) -> str:
    target = plan.published("plots")
    target.mkdir(parents=True, exist_ok=True)
    items = []
    for budget in sorted(plan.budgets, reverse=True):
        for architecture, plot in (("tenney-small", "layer-weights.svg"), ("learned-pooling", "layer-weights.svg"),
                                   ("adapter-64", "learning-curves.svg")):
            source = plan.head_dir(architecture, plan.seeds[0], budget) / plot
            if source.is_file():
                name = f"e{budget:g}-{architecture}-s{plan.seeds[0]}-{plot}"
                shutil.copyfile(source, target / name)
                items.append(f"- {budget:g} epoch, {architecture} seed {plan.seeds[0]}: "
                             f"[{plot}](reproduction/plots/{name})")
    return "\n".join(items)


def replace_section(text: str, name: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- generated:{name} -->\n)(?:.*?\n)?(<!-- /generated:{name} -->)", re.S)
    if not pattern.search(text):
        raise SystemExit(f"{DOC}: no <!-- generated:{name} --> section")
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)


def main() -> int:
    plan = Plan()
    results = json.loads(plan.published("results.json").read_text(encoding="utf-8"))
    text = DOC.read_text(encoding="utf-8")
    for name, body in (("span", span_table(results)), ("answerability", answerability_table(results)),
                       ("layer-mix", layer_mix_table(plan)), ("stages", stage_table(results)),
                       ("plots", copy_plots(plan))):
        text = replace_section(text, name, body)
    temp = DOC.with_name(f".{DOC.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    temp.replace(DOC)
    print(f"{DOC.relative_to(REPO)}: tables regenerated from {plan.published('results.json').relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
