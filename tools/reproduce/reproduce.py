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
        self.throughputs: list[dict] = []
        self.timings: list[dict] = []

    def run_stage(self, name: str, output: Path, run) -> Path:
        self.timings.append(stages.stage(name, output, run, log))
        return output

    def store(self, kind: str, part: str, budget: float) -> Path:
        limit = (self.plan.head_train_questions if kind == "cls" else self.plan.span_head_train_questions) \
            if part == "head-train" else None
        return self.run_stage(f"extract {kind} {part} e{budget:g}", self.plan.store(kind, part, budget, limit),
                              lambda temp: stages.extract(self.plan, budget, self.split, part, kind == "cls", temp, limit))

    # --- demo data -------------------------------------------------------------------------------------------
    def demo(self) -> None:
        train = self.store("cls", "head-train", 1.0)
        evaluation = self.store("cls", "eval", 1.0)
        self.plan.demo.mkdir(parents=True, exist_ok=True)
        size = "" if self.plan.head_train_questions is None else f"-{self.plan.head_train_questions}q"
        for source, name in ((train, f"cls-train{size}.h5"), (evaluation, "cls-eval.h5")):
            target = self.plan.demo / name
            temp = target.with_name(f".{name}.tmp")
            shutil.copyfile(source, temp)
            temp.replace(target)
        shutil.copyfile(self.squad["eval"], self.plan.demo / ".squad-eval.tmp")
        (self.plan.demo / ".squad-eval.tmp").replace(self.plan.demo / "squad-eval-part.json")
        log(f"demo data in {rel(self.plan.demo)}")

    def demo_span(self, budget: float = 1.0) -> None:
        """The span example's data: the span head with the best mean head-dev F1 over seeds (its seed-0 run) and the
        first ``demo_span_questions`` eval-part questions' span windows, with the backbone's own logits."""
        scores: dict[str, list[float]] = {}
        for architecture in self.plan.span_architectures:
            for seed in self.plan.seeds:
                history = self.plan.head_dir(architecture, seed, budget) / "history.json"
                if history.is_file():
                    scores.setdefault(architecture, []).append(json.loads(history.read_text())["best"]["value"])
        if not scores:
            log("demo span data: no span heads trained yet; skipped")
            return
        architecture = max(scores, key=lambda a: statistics.fmean(scores[a]))
        head = self.plan.head_dir(architecture, self.plan.seeds[0], budget) / "best-model"
        target = self.plan.demo / f"span-head-{architecture.replace(':', '-a')}"
        temp = target.with_name(f".{target.name}.tmp")
        shutil.rmtree(temp, ignore_errors=True)
        shutil.copytree(head, temp)
        shutil.rmtree(target, ignore_errors=True)
        temp.replace(target)
        # the demo page's Ask tab shows a head's learned layer mix: the learned-pooling head (seed 0) ships too
        ask = self.plan.head_dir("learned-pooling", self.plan.seeds[0], budget) / "best-model"
        if ask.is_dir():
            target = self.plan.demo / "ask-head-learned-pooling"
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(ask, target)
        limit = self.plan.demo_span_questions
        windows = self.run_stage(f"extract span demo e{budget:g}",
                                 self.plan.work / "stores" / f"span-eval-e{budget:g}-q{limit}.safetensors",
                                 lambda temp: stages.extract(self.plan, budget, self.split, "eval", False, temp, limit))
        published = self.plan.demo / f"span-eval-{limit}q.safetensors"
        shutil.copyfile(windows, published.with_name(f".{published.name}.tmp"))
        published.with_name(f".{published.name}.tmp").replace(published)
        log(f"demo span data in {rel(self.plan.demo)}: {target.name} (head-dev F1 {statistics.fmean(scores[architecture]):.2f}"
            f" over {len(scores[architecture])} seeds), {published.name}")

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
                try:
                    self.answerability_head(architecture, seed, budget, train, dev, evaluation, gold_eval, out)
                except stages.StageMissing as missing:
                    log(f"not run yet: {missing}")

    def answerability_head(self, architecture: str, seed: int, budget: float, train: Path, dev: Path,
                           evaluation: Path, gold_eval: dict, out: Path) -> None:
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
                try:
                    self.span_head(architecture, seed, budget, train, dev, evaluation)
                except stages.StageMissing as missing:
                    log(f"not run yet: {missing}")

    def span_head(self, architecture: str, seed: int, budget: float, train: Path, dev: Path, evaluation: Path) -> None:
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

    def throughput(self, budget: float = 1.0) -> None:
        """bertvision's training throughput on the real head-train span store against the same head in PyTorch reading
        it with h5py, both as whole processes, back to back (tools/reproduce/throughput.py)."""
        store = self.plan.store("span", "head-train", budget, self.plan.span_head_train_questions)
        if not stages.marker(store).is_file():
            return
        for architecture in ("learned-pooling", "adapter-64"):
            result = self.run_stage(f"throughput {architecture} e{budget:g}",
                                    self.plan.work / "throughput" / f"{architecture}-e{budget:g}.json",
                                    lambda temp: [stages.run_command([stages.PYTHON, "tools/reproduce/throughput.py",
                                                                      str(store), "--arch", architecture, "--bin",
                                                                      stages.BIN[1], "--json", str(temp)])])
            self.throughputs.append(json.loads(result.read_text(encoding="utf-8")))

    def publish(self) -> None:
        plan = {k: rel(v) if isinstance(v, Path) else v for k, v in dataclasses.asdict(self.plan).items()}
        atomic_write_json({"split": rel(self.plan.split), "part": "eval", "eval_squad": rel(self.squad["eval"]),
                           "plan": plan,
                           "rows": self.rows, "summary": summarise(self.rows), "stages": self.timings,
                           "throughput": self.throughputs},
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


def plan_override(item: str) -> tuple[str, object]:
    """``FIELD=VALUE`` → (field, value typed like the field's default: int, float, str, None, or a comma tuple)."""
    name, sep, text = item.partition("=")
    fields = {f.name: f for f in dataclasses.fields(Plan)}
    if not sep or name not in fields:
        raise ValueError(f"expected FIELD=VALUE with FIELD one of {', '.join(fields)}; got {item!r}")
    default = fields[name].default
    if text.lower() == "none":
        return name, None
    if isinstance(default, tuple):
        kind = type(default[0]) if default else str
        return name, tuple(kind(part) for part in text.split(",") if part)
    if isinstance(default, bool):
        return name, text.lower() in ("1", "true", "yes")
    if isinstance(default, (int, float)):
        return name, type(default)(text)
    if isinstance(default, Path):
        return name, Path(text)
    return name, text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=("demo", "answerability", "span", "all"), default="all")
    parser.add_argument("--budgets", help="comma-separated fine-tuning budgets in epochs (default: the plan's)")
    parser.add_argument("--no-finetune", action="store_true", help="use the checkpoints that exist; do not train")
    parser.add_argument("--publish-only", action="store_true",
                        help="run nothing: publish results.json from the stages already complete")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                        help="override one plan field (head_epochs=4, head_train_questions=1600, seeds=0,1 …)")
    args = parser.parse_args()
    overrides = {"budgets": tuple(float(b) for b in args.budgets.split(","))} if args.budgets else {}
    try:
        overrides.update(plan_override(item) for item in args.set)
        plan = Plan(**overrides)
    except (TypeError, ValueError) as error:
        parser.error(f"--set: {error}")
    if not (REPO / "dist" / "cli" / "main.js").is_file():
        parser.error("build bertvision first: npm run build")
    if not args.no_finetune and not args.publish_only:
        started = time.time()
        stages.finetune(plan)
        log(f"fine-tuning complete ({time.time() - started:.0f} s this run)")
    stages.ONLY_DONE = args.publish_only
    if not args.publish_only:
        stages.use_built_cli(plan)
    run = Reproduction(plan)
    steps = [("demo", run.demo)] if args.only in ("demo", "all") else []
    for budget in plan.budgets:  # span first: the seed's main claim
        if args.only in ("span", "all"):
            steps.append((f"span e{budget:g}", lambda b=budget: run.span(b)))
        if args.only in ("answerability", "all"):
            steps.append((f"answerability e{budget:g}", lambda b=budget: run.answerability(b)))
        if budget == 1.0 and args.only in ("demo", "all"):
            steps.append(("demo span", run.demo_span))  # needs the 1-epoch span heads
    if args.only in ("span", "all"):
        steps.append(("throughput", run.throughput))
    for name, step in steps:
        try:
            step()
        except stages.StageMissing as missing:
            log(f"{name}: not run yet ({missing})")
    if args.only != "demo":
        run.publish()
    return 0


if __name__ == "__main__":
    sys.exit(main())
