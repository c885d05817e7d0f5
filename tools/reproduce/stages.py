"""The reproduction's stages. Each writes its outputs atomically and records ``<output>.done.json`` (command, wall
time); a stage whose marker exists is skipped, so an interrupted run continues where it stopped."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

from plan import REPO, Plan, atomic_write_json, checkpoint_for

PYTHON = sys.executable
BIN = ["node", str(REPO / "dist" / "cli" / "main.js")]


def use_built_cli(plan: Plan) -> None:
    """Run ``bertvision`` from a copy of dist/ taken now (``<work>/bertvision-dist``), so rebuilding the package while
    the reproduction runs cannot change or break the commands of its later stages."""
    target = plan.work / "bertvision-dist"
    temp = plan.work / ".bertvision-dist.partial"
    shutil.rmtree(temp, ignore_errors=True)
    shutil.copytree(REPO / "dist", temp)
    shutil.rmtree(target, ignore_errors=True)
    os.replace(temp, target)
    BIN[1] = str(target / "cli" / "main.js")
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_WAIT_POLICY": "PASSIVE"}


class StageMissing(Exception):
    """A stage that has not run, met in publish-only mode (``ONLY_DONE``)."""


# publish-only mode (reproduce.py --publish-only): a stage without its marker raises StageMissing instead of running
ONLY_DONE = False


def marker(output: Path) -> Path:
    return output.with_name(output.name + ".done.json")


def stage(name: str, output: Path, run: Callable[[Path], list[list[str]]], log: Callable[[str], None]) -> dict:
    """Run ``run(temp)`` (it returns the commands it ran) unless ``output`` is complete; ``temp`` is renamed to
    ``output`` when it returns. Returns the stage's record (name, commands, seconds)."""
    done = marker(output)
    if done.is_file():
        return json.loads(done.read_text(encoding="utf-8"))
    if ONLY_DONE:
        raise StageMissing(name)
    output.parent.mkdir(parents=True, exist_ok=True)
    temp = output.with_name(f".{output.name}.partial{output.suffix}")
    if temp.is_dir():
        shutil.rmtree(temp)
    elif temp.exists():
        temp.unlink()
    log(f"stage {name}: running -> {output.relative_to(REPO) if output.is_relative_to(REPO) else output}")
    started = time.time()
    commands = run(temp)
    if output.is_dir():
        shutil.rmtree(output)
    os.replace(temp, output)
    record = {"stage": name, "output": str(output), "commands": [" ".join(c) for c in commands],
              "seconds": round(time.time() - started, 1)}
    atomic_write_json(record, done)
    log(f"stage {name}: done in {record['seconds']:.0f} s")
    return record


def run_command(command: list[str], stdout: Path | None = None) -> list[str]:
    """Run a command from the repository root, failing loudly; stdout optionally saved to a file."""
    with open(stdout, "w", encoding="utf-8") if stdout else open(os.devnull, "w") as sink:
        subprocess.run(command, cwd=REPO, env=ENV, check=True, stdout=sink if stdout else None)
    return command


def finetune(plan: Plan) -> list[str]:
    """tools/finetune to ``plan.finetune_epochs`` (it resumes from its newest checkpoint by itself)."""
    return run_command([PYTHON, "tools/finetune/finetune.py", "--model", plan.model, "--squad", str(plan.squad),
                        "--split-file", str(plan.split), "--split-part", "train",
                        "--output-dir", str(plan.finetune_dir), "--epochs", f"{plan.finetune_epochs:g}",
                        "--save-every", f"{plan.save_every:g}", "--batch-size", str(plan.batch_size),
                        "--learning-rate", f"{plan.learning_rate:g}", "--max-seq-length", str(plan.max_seq_length),
                        "--doc-stride", str(plan.doc_stride), "--precision", plan.precision, "--quiet"])


def extract(plan: Plan, budget: float, split_file: Path, part: str, cls_only: bool, temp: Path,
            question_limit: int | None = None) -> list[list[str]]:
    checkpoint = checkpoint_for(plan, budget)
    command = [PYTHON, "tools/extract/extract.py", "--model", str(checkpoint),
               "--model-id", f"{plan.model_name}-squad2-devtrain-e{budget:g}", "--squad", str(plan.squad),
               "--split-file", str(split_file), "--split-part", part, "--output", str(temp),
               "--max-seq-length", str(plan.max_seq_length), "--doc-stride", str(plan.doc_stride), "--quiet",
               "--batch-size", "16"]
    if cls_only:
        command.append("--cls-only")
    if question_limit is not None:
        command += ["--question-limit", str(question_limit)]
    return [run_command(command)]


def bert_predictions(store: Path, squad_part: Path, temp: Path) -> list[list[str]]:
    """The checkpoint's own QA head over the eval store, decoded by bertvision's transformers-exact decoder."""
    return [run_command(BIN + ["ensemble", str(store), "--bert", "--squad", str(squad_part), "--out", str(temp),
                               "--json"], temp.with_suffix(".stdout.json"))]


def train_head(architecture: str, seed: int, plan: Plan, train: Path, dev: Path, squad_dev: Path | None,
               temp: Path) -> list[list[str]]:
    name, _, width = architecture.partition(":")
    span = squad_dev is not None  # span heads get the SQuAD JSON of head-dev
    epochs, patience = (plan.span_head_epochs, plan.head_patience) if span else (plan.head_epochs,
                                                                              plan.binary_head_patience)
    command = BIN + ["train", str(train), "--arch", name, "--out", str(temp), "--dev", str(dev),
                     "--epochs", str(epochs), "--patience", str(patience), "--seed", str(seed)]
    if not span:
        command += ["--monitor", plan.binary_monitor]
    if squad_dev is not None:
        command += ["--squad", str(squad_dev)]
    if width:
        command += ["--adapter-dim", width]
    return [run_command(command + ["--json"], temp.with_name(temp.name + ".train.json"))]


def predict(model: Path, store: Path, squad_part: Path, temp: Path) -> list[list[str]]:
    return [run_command(BIN + ["predict", str(store), "--model", str(model), "--squad", str(squad_part),
                               "--out", str(temp), "--json"], temp.with_name(temp.name + ".stdout.json"))]


def ensemble(store: Path, models: list[Path], squad_part: Path, temp: Path) -> list[list[str]]:
    command = BIN + ["ensemble", str(store), "--bert", "--squad", str(squad_part), "--out", str(temp), "--json"]
    for model in models:
        command += ["--model", str(model)]
    return [run_command(command, temp.with_name(temp.name + ".stdout.json"))]
