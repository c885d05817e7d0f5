"""Span-QA fine-tuning of a BERT-family model on SQuAD 2.0-format data, for a fraction of an epoch.

Windows and labels are bertvision_extract's (run_qa.py's prepare_train_features). AdamW with linear warm-up and
linear decay; a checkpoint (model + tokenizer + ``bertvision_finetune.json``) at every ``save_every`` epochs.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm
from transformers import AutoModelForQuestionAnswering, PreTrainedModel, get_linear_schedule_with_warmup

from bertvision_extract.atomic import temp_sibling, write_json_atomic
from bertvision_extract.encoder import load_fast_tokenizer, pick_device
from bertvision_extract.squad import load_examples, load_split_titles, sha256_of_file
from bertvision_extract.windows import WindowSettings, build_windows

from . import __version__


@dataclass
class FinetuneOptions:
    """Fine-tuning settings. Defaults: 0.1 epoch, checkpoints every 0.01 epoch, batch 16, lr 1e-4, 10 % warm-up,
    device ``auto`` (CUDA when present, else CPU)."""

    model: str
    squad_file: Path
    output_dir: Path
    split_file: Path | None = None
    split_part: str | None = None
    windows: WindowSettings = field(default_factory=WindowSettings)
    epochs: float = 0.1
    save_every: float = 0.01
    batch_size: int = 16
    learning_rate: float = 1e-4
    warmup_fraction: float = 0.1
    weight_decay: float = 0.01
    seed: int = 42
    progress: bool = True
    device: str = "auto"


def save_steps(total_steps: int, steps_per_epoch: float, save_every: float) -> list[int]:
    """Steps after which a checkpoint is saved: every ``save_every`` epochs, and always after the last step."""
    every = save_every * steps_per_epoch
    steps = {min(total_steps, max(1, round(k * every))) for k in range(1, math.floor(total_steps / every + 1e-9) + 1)}
    return sorted(steps | {total_steps})


def finetune(options: FinetuneOptions) -> list[dict[str, Any]]:
    """Fine-tune and write checkpoints under ``options.output_dir``; returns the checkpoint records."""
    torch.manual_seed(options.seed)
    titles = load_split_titles(options.split_file, options.split_part or "train") if options.split_file else None
    examples = load_examples(options.squad_file, titles)
    tokenizer = load_fast_tokenizer(options.model)
    windows = build_windows(tokenizer, examples, options.windows)
    device = pick_device(options.device)
    model: PreTrainedModel = AutoModelForQuestionAnswering.from_pretrained(options.model, dtype=torch.float32).to(device)
    model.train()
    steps_per_epoch = len(windows) / options.batch_size
    total_steps = max(1, math.ceil(options.epochs * steps_per_epoch))
    checkpoints = set(save_steps(total_steps, steps_per_epoch, options.save_every))
    no_decay = ("bias", "LayerNorm.weight")
    groups = [
        {"params": [p for n, p in model.named_parameters() if not n.endswith(no_decay)], "weight_decay": options.weight_decay},
        {"params": [p for n, p in model.named_parameters() if n.endswith(no_decay)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=options.learning_rate)
    scheduler = get_linear_schedule_with_warmup(optimizer, round(options.warmup_fraction * total_steps), total_steps)
    order = np.random.default_rng(options.seed).permutation(len(windows))
    options.output_dir.mkdir(parents=True, exist_ok=True)
    if any(options.output_dir.glob("checkpoint-step-*")):
        raise FileExistsError(f"{options.output_dir}: holds checkpoints already; use a fresh --output-dir")
    records: list[dict[str, Any]] = []
    losses: list[float] = []
    started = time.time()
    bar = tqdm(total=total_steps, unit="step", disable=not options.progress, desc="fine-tune")
    for step in range(1, total_steps + 1):
        rows = order[((step - 1) * options.batch_size + np.arange(options.batch_size)) % len(windows)]
        batch = {"input_ids": windows.input_ids[rows], "attention_mask": windows.attention_mask[rows],
                 "start_positions": windows.start_positions[rows], "end_positions": windows.end_positions[rows]}
        if windows.token_type_ids is not None:
            batch["token_type_ids"] = windows.token_type_ids[rows]
        loss = model(**{k: torch.from_numpy(v.astype(np.int64)).to(device) for k, v in batch.items()}).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        losses.append(float(loss.item()))
        bar.update(1)
        bar.set_postfix(loss=f"{losses[-1]:.3f}")
        if step in checkpoints:
            records.append(_save(model, tokenizer, options, step, steps_per_epoch, losses, time.time() - started,
                                 len(windows)))
    bar.close()
    write_json_atomic({"options": _jsonable(options), "losses": losses, "checkpoints": records},
                 options.output_dir / "train_log.json")
    return records


def _jsonable(options: FinetuneOptions) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(options).items()}


def _save(model: PreTrainedModel, tokenizer: Any, options: FinetuneOptions, step: int, steps_per_epoch: float,
          losses: list[float], seconds: float, num_windows: int) -> dict[str, Any]:
    epoch = step / steps_per_epoch
    target = options.output_dir / f"checkpoint-step-{step:06d}"
    temp = temp_sibling(target, directory=True)
    model.save_pretrained(temp)
    tokenizer.save_pretrained(temp)
    window = losses[-min(len(losses), 10):]
    record = {"step": step, "epoch": round(epoch, 6), "path": target.name, "mean_loss_last_10": sum(window) / len(window),
              "seconds": round(seconds, 1), "train_windows": num_windows, "tool": f"bertvision-finetune {__version__}",
              "base_model": options.model, "source": {"file": options.squad_file.name,
                                                      "sha256": sha256_of_file(options.squad_file)},
              "split": None if options.split_file is None else {"file": options.split_file.name,
                                                                "part": options.split_part or "train"}}
    write_json_atomic(record, temp / "bertvision_finetune.json")
    os.replace(temp, target)
    return record
