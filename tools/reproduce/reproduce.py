#!/usr/bin/env python3
"""Reproduce the seed's experiment on real data with bertvision's own tools, stage by stage.

    .venv/bin/python tools/reproduce/reproduce.py [--only demo|answerability|span|all] [--budgets 0.3,1.0]

Stages (each skipped when its outputs are complete, so rerunning continues an interrupted run):
fine-tune (tools/finetune, resumable) → per budget: CLS and span stores (tools/extract) of the head-train /
head-dev slices of the train part and of the eval part → BERT's own predictions → heads (``bertvision train``,
early stopping on head-dev) → their predictions on the eval part → ensembles → answerability heads → rows of
docs/reproduction/results.json, scored with the official SQuAD 2.0 metric. ``--only demo`` makes just the shipped
demo data (data/minilm-finetuned/). Large intermediates live in .reproduction/ (git-ignored).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import answerability  # noqa: E402
import stages  # noqa: E402
from plan import REPO, Plan, atomic_write_json, write_head_split, write_part_json  # noqa: E402
from scoring import (answerability_metrics, gold_no_answer, majority_accuracy, null_odds_to_probabilities,  # noqa: E402
                     official_metrics)

def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def rel(path: Path) -> str:
    """Repository-relative path (as results.json records it), or the absolute path outside the repository."""
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


class Reproduction:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.split = write_head_split(plan)
        parts = json.loads(self.split.read_text(encoding="utf-8"))["parts"]
        self.squad = {p: write_part_json(plan.squad, parts[p]["titles"], plan.work / f"squad-{p}.json") for p in parts}
        # the eval part is published so anyone can rescore every row with the official evaluate-v2.0.py
        self.squad["eval"] = write_part_json(plan.squad, parts["eval"]["titles"], plan.published("squad-dev-eval-part.json"))
        self.rows: list[dict] = []
        self.timings: list[dict] = []

    def run_stage(self, name: str, output: Path, run) -> Path:
        self.timings.append(stages.stage(name, output, run, log))
        return output

    def store(self, kind: str, part: str, budget: float, limit: int | None = None) -> Path:
        return self.run_stage(f"extract {kind} {part} e{budget:g}", self.plan.store(kind, part, budget),
                              lambda temp: stages.extract(self.plan, budget, self.split, "train" if part == "demo-train"
                                                          else part, kind == "cls", temp, limit))

    # --- demo data -------------------------------------------------------------------------------------------
    def demo(self) -> None:
        train = self.store("cls", "demo-train", 1.0, self.plan.demo_train_questions)
        evaluation = self.store("cls", "eval", 1.0)
        self.plan.demo.mkdir(parents=True, exist_ok=True)
        for source, name in ((train, f"cls-train-{self.plan.demo_train_questions}q.h5"), (evaluation, "cls-eval.h5")):
            target = self.plan.demo / name
            temp = target.with_name(f".{name}.tmp")
            shutil.copyfile(source, temp)
            temp.replace(target)
        shutil.copyfile(self.squad["eval"], self.plan.demo / ".squad-eval.tmp")
        (self.plan.demo / ".squad-eval.tmp").replace(self.plan.demo / "squad-eval-part.json")
        log(f"demo data in {rel(self.plan.demo)}")

    # --- answerability -----------------------------------------------------------------------------------------
    def answerability(self, budget: float) -> None:
        train, dev, evaluation = (self.store("cls", p, budget) for p in ("head-train", "head-dev", "eval"))
        gold_eval = gold_no_answer(self.squad["eval"])
        out = self.plan.published(f"e{budget:g}")
        out.mkdir(parents=True, exist_ok=True)
        threshold = answerability.choose_threshold(answerability.question_differences(train),
                                                   gold_no_answer(self.squad["head-train"]))
        probs = answerability.probabilities(answerability.question_differences(evaluation), threshold)
        target = out / "bert.no_answer_probs.json"
        atomic_write_json(probs, target)
        self.rows.append({"system": "bert-answerability", "fine_tune_epochs": budget, "architecture": "run_qa null score",
                          "seed": None, "no_answer_probs": rel(target), "threshold_on_difference": threshold,
                          "majority_accuracy": majority_accuracy(gold_eval), **answerability_metrics(probs, gold_eval)})
        for architecture in self.plan.binary_architectures:
            for seed in self.plan.seeds:
                head = self.run_stage(f"train {architecture} s{seed} e{budget:g}",
                                      self.plan.head_dir(architecture, seed, budget),
                                      lambda temp: stages.train_head(architecture, seed, self.plan, train, dev, None, temp))
                pred = self.run_stage(f"predict {architecture} s{seed} e{budget:g}", head.with_name(head.name + "-eval"),
                                      lambda temp: stages.predict(head / "best-model", evaluation, self.squad["eval"], temp))
                target = out / f"{architecture}-s{seed}.no_answer_probs.json"
                shutil.copyfile(pred / "no_answer_probability.json", target)
                probs = json.loads(target.read_text(encoding="utf-8"))
                self.rows.append({"system": "head-answerability", "fine_tune_epochs": budget,
                                  "architecture": architecture, "seed": seed, "no_answer_probs": rel(target),
                                  **answerability_metrics(probs, gold_eval)})

    # --- span ----------------------------------------------------------------------------------------------------
    def score_span(self, system: str, budget: float, architecture: str, seed: int | None, folder: Path, stem: str) -> None:
        out = self.plan.published(f"e{budget:g}")
        out.mkdir(parents=True, exist_ok=True)
        predictions = out / f"{stem}.predictions.json"
        shutil.copyfile(folder / "predictions.json", predictions)
        na_probs = null_odds_to_probabilities(folder / "null_odds.json", out / f"{stem}.na_probs.json")
        metrics = official_metrics(self.squad["eval"], predictions, na_probs)
        self.rows.append({"system": system, "fine_tune_epochs": budget, "architecture": architecture, "seed": seed,
                          "predictions": rel(predictions), "na_probs": rel(na_probs), **metrics})

    def span(self, budget: float) -> None:
        evaluation = self.store("span", "eval", budget)
        bert = self.run_stage(f"bert e{budget:g}", self.plan.work / "bert" / f"e{budget:g}",
                              lambda temp: stages.bert_predictions(evaluation, self.squad["eval"], temp))
        self.score_span("bert", budget, "fine-tuned QA head", None, bert, "bert")
        train, dev = self.store("span", "head-train", budget), self.store("span", "head-dev", budget)
        for architecture in self.plan.span_architectures:
            for seed in self.plan.seeds:
                head = self.run_stage(f"train {architecture} s{seed} e{budget:g}",
                                      self.plan.head_dir(architecture, seed, budget),
                                      lambda temp: stages.train_head(architecture, seed, self.plan, train, dev,
                                                                     self.squad["head-dev"], temp))
                stem = f"{architecture.replace(':', '-a')}-s{seed}"
                pred = self.run_stage(f"predict {stem} e{budget:g}", head.with_name(head.name + "-eval"),
                                      lambda temp: stages.predict(head / "best-model", evaluation, self.squad["eval"], temp))
                self.score_span("head", budget, architecture, seed, pred, stem)
                ens = self.run_stage(f"ensemble {stem} e{budget:g}", head.with_name(head.name + "-ensemble"),
                                     lambda temp: stages.ensemble(evaluation, [head / "best-model"], self.squad["eval"], temp))
                self.score_span("ensemble", budget, f"bert + {architecture}", seed, ens, f"ensemble-{stem}")

    def publish(self) -> None:
        plan = {k: rel(v) if isinstance(v, Path) else v for k, v in dataclasses.asdict(self.plan).items()}
        atomic_write_json({"split": rel(self.plan.split), "part": "eval", "eval_squad": rel(self.squad["eval"]),
                           "plan": plan,
                           "rows": self.rows, "summary": summarise(self.rows), "stages": self.timings},
                          self.plan.published("results.json"))
        log(f"{len(self.rows)} rows in {rel(self.plan.published('results.json'))}")


def summarise(rows: list[dict]) -> list[dict]:
    """Mean ± sd over seeds per (system, budget, architecture)."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["system"], row["fine_tune_epochs"], row["architecture"]), []).append(row)
    summary = []
    for (system, budget, architecture), members in groups.items():
        keys = ("exact", "f1") if "f1" in members[0] else ("accuracy", "no_answer_f1")
        entry = {"system": system, "fine_tune_epochs": budget, "architecture": architecture, "runs": len(members)}
        for key in keys:
            values = [m[key] for m in members]
            entry[key] = statistics.fmean(values)
            entry[f"{key}_sd"] = statistics.stdev(values) if len(values) > 1 else 0.0
        summary.append(entry)
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=("demo", "answerability", "span", "all"), default="all")
    parser.add_argument("--budgets", help="comma-separated fine-tuning budgets in epochs (default: the plan's)")
    parser.add_argument("--no-finetune", action="store_true", help="use the checkpoints that exist; do not train")
    args = parser.parse_args()
    plan = Plan(**({"budgets": tuple(float(b) for b in args.budgets.split(","))} if args.budgets else {}))
    if not (REPO / "dist" / "cli" / "main.js").is_file():
        parser.error("build bertvision first: npm run build")
    if not args.no_finetune:
        started = time.time()
        stages.finetune(plan)
        log(f"fine-tuning complete ({time.time() - started:.0f} s this run)")
    run = Reproduction(plan)
    if args.only in ("demo", "all"):
        run.demo()
    for budget in plan.budgets:
        if args.only in ("answerability", "all"):
            run.answerability(budget)
        if args.only in ("span", "all"):
            run.span(budget)
    if args.only != "demo":
        run.publish()
    return 0


if __name__ == "__main__":
    sys.exit(main())
