"""What the opt-in bf16 matrix products cost and gain on the reproduction's real stores, side by side with fp32.

For each span adapter head of the reproduction (adapter-64, and adapter-386 with A = 256) and each precision
(``--matmul fp32`` and ``--matmul bf16``), this trains the head exactly as the reproduction did (tools/reproduce/
stages.py: same stores, seed, epochs and patience), predicts the eval store with its best model and scores the
predictions with the official SQuAD 2.0 metric (na_probs = sigmoid of run_qa's null odds, as reproduce.py does).
It records train and predict wall seconds, training examples per second, and EM/F1 (with HasAns/NoAns), writes them
to ``docs/bf16-cost.json`` and the table to the ``<!-- bench:bf16 -->`` section of ``docs/benchmarks.md``.

The stores are read in place from the reproduction's work directory (default ``.reproduction/``; nothing is copied).
Needs the built CLI (``npm run build``) and the native kernels (``npm run build:native``) on a CPU with AVX-512 BF16.

    nice -n 10 .venv/bin/python tools/reproduce/bf16_cost.py [--work DIR] [--archs adapter-64,adapter-386:256]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from plan import PUBLISH, REPO  # noqa: E402
from scoring import null_odds_to_probabilities, official_metrics  # noqa: E402
from stages import BIN, ENV  # noqa: E402

METRICS = ("exact", "f1", "HasAns_exact", "HasAns_f1", "NoAns_exact", "NoAns_f1", "total")


def windows_in(store: Path) -> int:
    import h5py

    with h5py.File(store, "r") as f:
        return int(f["hidden_state_activations"].shape[0])


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str]) -> tuple[float, float, str]:
    """Runs a command: its wall seconds, its CPU seconds (user + system, all threads: less sensitive than wall time
    to other jobs on a shared machine), and its stdout."""
    cpu = children_cpu_seconds()
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env=ENV, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr[-3000:]}")
    return seconds, children_cpu_seconds() - cpu, done.stdout


def run_one(architecture: str, precision: str, args: argparse.Namespace, out: Path) -> dict:
    work = args.work
    train = work / "stores" / "span-head-train-e1-q1200.h5"
    dev = work / "stores" / "span-head-dev-e1.h5"
    evaluation = work / "stores" / "span-eval-e1.h5"
    squad_dev = work / "squad-head-dev.json"
    squad_eval = PUBLISH / "squad-dev-eval-part.json"
    name, _, width = architecture.partition(":")
    folder = out / f"{name}{'-a' + width if width else ''}-{precision}"
    command = BIN + ["train", str(train), "--arch", name, "--out", str(folder / "head"), "--dev", str(dev),
                     "--epochs", str(args.epochs), "--patience", str(args.patience), "--seed", str(args.seed),
                     "--squad", str(squad_dev), "--matmul", precision, "--overwrite", "--json"]
    if width:
        command += ["--adapter-dim", width]
    print(f"train {architecture} {precision} ...", flush=True)
    train_seconds, train_cpu, stdout = timed(command)
    result = json.loads(stdout)
    if result.get("matmul") != precision:
        raise SystemExit(f"train reported matmul {result.get('matmul')!r}, asked for {precision!r}")
    epochs = len(result["state"]["history"])
    examples = windows_in(train)
    print(f"predict {architecture} {precision} ...", flush=True)
    predict_seconds, predict_cpu, _ = timed(BIN + ["predict", str(evaluation), "--model", str(folder / "head" / "best-model"),
                                      "--squad", str(squad_eval), "--out", str(folder / "eval"), "--matmul",
                                      precision, "--overwrite", "--json"])
    na_probs = null_odds_to_probabilities(folder / "eval" / "null_odds.json", folder / "na_probs.json")
    metrics = official_metrics(squad_eval, folder / "eval" / "predictions.json", na_probs)
    row = {"architecture": architecture, "precision": precision, "seed": args.seed, "epochs": epochs,
           "folder": str(folder), "final_train_loss": result["state"]["history"][-1]["loss"],
           "best_epoch": (result["state"].get("best") or {}).get("epoch"),
           "train_examples": examples, "train_seconds": round(train_seconds, 1),
           "train_cpu_seconds": round(train_cpu, 1),
           "train_examples_per_second": round(examples * epochs / train_seconds, 2),
           "predict_seconds": round(predict_seconds, 1), "predict_cpu_seconds": round(predict_cpu, 1),
           **{k: metrics[k] for k in METRICS}}
    print(json.dumps(row), flush=True)
    return row


def markdown(rows: list[dict], machine: str, diffs: dict) -> str:
    header = ["head", "matmul", "epochs", "train s", "train CPU s", "train ex/s", "predict s", "predict CPU s", "EM",
              "F1", "HasAns EM", "HasAns F1", "NoAns EM"]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    for r in rows:
        cells = [r["architecture"], r["precision"], str(r["epochs"]), f"{r['train_seconds']:.1f}",
                 f"{r['train_cpu_seconds']:.1f}", f"{r['train_examples_per_second']:.1f}", f"{r['predict_seconds']:.1f}",
                 f"{r['predict_cpu_seconds']:.1f}", f"{r['exact']:.2f}", f"{r['f1']:.2f}", f"{r['HasAns_exact']:.2f}",
                 f"{r['HasAns_f1']:.2f}", f"{r['NoAns_exact']:.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    caption = (
        "### bf16 matrix products on the reproduction's stores\n\n"
        "`tools/reproduce/bf16_cost.py`: each span adapter head of the reproduction (MiniLM stores, S = 256, E = 384, "
        "L = 7; fine-tune budget 1 epoch) trained as the reproduction did (seed "
        f"{rows[0]['seed']}, up to 3 epochs, patience 2, batch 8), once with `--matmul fp32` (the default) and once "
        "with `--matmul bf16`, then predicted on the eval store (2072 questions) and scored with the official SQuAD "
        "2.0 metric. Train seconds (wall) include start-up and the dev evaluation after every epoch; ex/s = training "
        "windows × epochs / train seconds; CPU s = user + system seconds of the process, all threads (steadier than "
        f"wall time when other jobs share the machine). {machine}. Raw numbers: `docs/bf16-cost.json`.\n"
    )
    notes = [
        f"- {arch}: bf16 − fp32 EM {d['exact']:+.2f}, F1 {d['f1']:+.2f}; {d['answers_changed']} of "
        f"{rows[0]['total']} answers changed; null odds moved by {d['null_odds_mean_abs_difference']:.4f} on average "
        f"(at most {d['null_odds_max_abs_difference']:.4f}); final train loss {d['final_train_loss']['fp32']:.5f} (fp32), "
        f"{d['final_train_loss']['bf16']:.5f} (bf16); train wall time fp32 ÷ bf16 = {d['train_speedup']:.2f}×, CPU time "
        f"{d['train_cpu_ratio']:.2f}×; predict wall {d['predict_speedup']:.2f}×."
        for arch, d in diffs.items()
    ]
    return caption + "\n" + "\n".join(lines) + ("\n\n" + "\n".join(notes) if notes else "")


def write_section(path: Path, section_id: str, content: str) -> None:
    """Same format as bench/lib/markdown-section.ts: the content between `<!-- bench:ID -->` markers."""
    start, end = f"<!-- bench:{section_id} -->", f"<!-- /bench:{section_id} -->"
    block = f"{start}\n{content.strip()}\n{end}"
    old = path.read_text(encoding="utf-8")
    i, j = old.find(start), old.find(end)
    new = old[:i] + block + old[j + len(end):] if i >= 0 and j > i else old.rstrip() + "\n\n" + block + "\n"
    path.write_text(new, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=REPO / ".reproduction", help="the reproduction's work directory")
    parser.add_argument("--archs", default="adapter-64,adapter-386:256")
    parser.add_argument("--precisions", default="fp32,bf16")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--patience", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None, help="runs go here (default: <work>/bf16-cost)")
    parser.add_argument("--json", type=Path, default=REPO / "docs" / "bf16-cost.json")
    parser.add_argument("--markdown", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument("--note", default="", help="a sentence about the machine, for the caption")
    args = parser.parse_args()
    out = args.out or args.work / "bf16-cost"
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for architecture in args.archs.split(","):
        for precision in args.precisions.split(","):
            rows.append(run_one(architecture, precision, args, out))
    machine = args.note or f"{platform.machine()}, {os.cpu_count()} cores"
    report = {"machine": machine, "command": "tools/reproduce/bf16_cost.py " + " ".join(sys.argv[1:]), "rows": rows}
    for architecture in args.archs.split(","):
        by = {r["precision"]: r for r in rows if r["architecture"] == architecture}
        if "fp32" in by and "bf16" in by:
            folders = {p: Path(by[p]["folder"]) for p in ("fp32", "bf16")}
            odds = {p: json.loads((f / "eval" / "null_odds.json").read_text(encoding="utf-8")) for p, f in folders.items()}
            answers = {p: json.loads((f / "eval" / "predictions.json").read_text(encoding="utf-8"))
                       for p, f in folders.items()}
            gaps = [abs(odds["bf16"][q] - odds["fp32"][q]) for q in odds["fp32"]]
            report.setdefault("bf16_minus_fp32", {})[architecture] = {
                "null_odds_mean_abs_difference": round(sum(gaps) / len(gaps), 6),
                "null_odds_max_abs_difference": round(max(gaps), 6),
                "answers_changed": sum(answers["bf16"][q] != answers["fp32"][q] for q in answers["fp32"]),
                "final_train_loss": {p: by[p]["final_train_loss"] for p in ("fp32", "bf16")},
                "exact": round(by["bf16"]["exact"] - by["fp32"]["exact"], 4),
                "f1": round(by["bf16"]["f1"] - by["fp32"]["f1"], 4),
                "train_speedup": round(by["fp32"]["train_seconds"] / by["bf16"]["train_seconds"], 3),
                "train_cpu_ratio": round(by["fp32"]["train_cpu_seconds"] / by["bf16"]["train_cpu_seconds"], 3),
                "predict_speedup": round(by["fp32"]["predict_seconds"] / by["bf16"]["predict_seconds"], 3),
            }
    args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    write_section(args.markdown, "bf16", markdown(rows, machine, report.get("bf16_minus_fp32", {})))
    print(f"wrote {args.json} and the bf16 section of {args.markdown}")


if __name__ == "__main__":
    main()
