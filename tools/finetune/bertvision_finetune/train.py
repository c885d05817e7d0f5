"""Span-QA fine-tuning of a BERT-family model on SQuAD 2.0-format data, for a fraction of an epoch or several.

Windows and labels are bertvision_extract's (run_qa.py's prepare_train_features). AdamW with linear warm-up and
linear decay; a checkpoint (model + tokenizer + ``bertvision_finetune.json``) at every ``save_every`` epochs.

Resumable: the newest checkpoint also holds ``training_state.pt`` (optimizer, scheduler, torch RNG, losses), and
``run.json`` in the output directory fingerprints every setting that shapes the run. Running the same command again
continues after the newest checkpoint and gives the weights an uninterrupted run gives; a different setting is
refused with each difference listed.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm
from transformers import AutoModelForQuestionAnswering, PreTrainedModel, get_linear_schedule_with_warmup

from bertvision_extract.atomic import write_json_atomic
from bertvision_extract.encoder import load_fast_tokenizer, pick_device
from bertvision_extract.squad import load_examples, load_split_titles
from bertvision_extract.windows import WindowSettings, build_windows

from .checkpoints import CheckpointWriter, ResumePoint, find_resume_point, run_fingerprint, check_fingerprint


@dataclass
class FinetuneOptions:
    """Fine-tuning settings. Defaults: 0.1 epoch, checkpoints every 0.01 epoch, batch 16, lr 1e-4, 10 % warm-up,
    float32 (``precision="bf16"`` runs the forward pass under torch's bfloat16 autocast, CPU or CUDA), device ``auto``
    (CUDA when present, else CPU). ``stop_after_steps`` ends this invocation early (the run resumes later); it does
    not change the run itself."""

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
    precision: str = "fp32"
    progress: bool = True
    device: str = "auto"
    stop_after_steps: int | None = None


def save_steps(total_steps: int, steps_per_epoch: float, save_every: float) -> list[int]:
    """Steps after which a checkpoint is saved: every ``save_every`` epochs, and always after the last step."""
    every = save_every * steps_per_epoch
    steps = {min(total_steps, max(1, round(k * every))) for k in range(1, math.floor(total_steps / every + 1e-9) + 1)}
    return sorted(steps | {total_steps})


def finetune(options: FinetuneOptions) -> list[dict[str, Any]]:
    """Fine-tune (or resume) and write checkpoints under ``options.output_dir``; returns every checkpoint record."""
    if options.precision not in ("fp32", "bf16"):
        raise ValueError(f"precision must be 'fp32' or 'bf16', not {options.precision!r}")
    titles = load_split_titles(options.split_file, options.split_part or "train") if options.split_file else None
    examples = load_examples(options.squad_file, titles)
    tokenizer = load_fast_tokenizer(options.model)
    windows = build_windows(tokenizer, examples, options.windows)
    device = pick_device(options.device)
    fingerprint = run_fingerprint(options, len(windows))
    options.output_dir.mkdir(parents=True, exist_ok=True)
    check_fingerprint(options.output_dir, fingerprint)
    resume = find_resume_point(options.output_dir)
    torch.manual_seed(options.seed)
    source = str(options.output_dir / resume.checkpoint) if resume else options.model
    model: PreTrainedModel = AutoModelForQuestionAnswering.from_pretrained(source, dtype=torch.float32).to(device)
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
    writer = CheckpointWriter(options.output_dir, fingerprint, tokenizer)
    state = _restore(resume, optimizer, scheduler, device)
    losses: list[float] = state["losses"]
    first_step = state["step"] + 1
    order = np.random.default_rng(options.seed).permutation(len(windows))
    last_step = total_steps if options.stop_after_steps is None else min(total_steps, state["step"] + options.stop_after_steps)
    started = time.time() - state["seconds"]
    bar = tqdm(total=total_steps, initial=state["step"], unit="step", disable=not options.progress, desc="fine-tune")
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=options.precision == "bf16")
    for step in range(first_step, last_step + 1):
        rows = order[((step - 1) * options.batch_size + np.arange(options.batch_size)) % len(windows)]
        batch = {"input_ids": windows.input_ids[rows], "attention_mask": windows.attention_mask[rows],
                 "start_positions": windows.start_positions[rows], "end_positions": windows.end_positions[rows]}
        if windows.token_type_ids is not None:
            batch["token_type_ids"] = windows.token_type_ids[rows]
        with autocast:
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
            writer.save(model, optimizer, scheduler, step, steps_per_epoch, losses, time.time() - started, len(windows))
    bar.close()
    records = writer.records()
    if records and records[-1]["step"] == total_steps:
        write_json_atomic({"options": fingerprint, "losses": losses, "checkpoints": records},
                          options.output_dir / "train_log.json")
    return records


def _restore(resume: ResumePoint | None, optimizer: torch.optim.Optimizer, scheduler: Any,
             device: torch.device) -> dict[str, Any]:
    """Optimizer, scheduler and RNG state of the resume point (weights were loaded from it already)."""
    if resume is None:
        return {"step": 0, "losses": [], "seconds": 0.0}
    state = torch.load(resume.state_file, map_location=device, weights_only=False)
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    torch.set_rng_state(state["torch_rng"])
    return {"step": int(state["step"]), "losses": list(state["losses"]), "seconds": float(state["seconds"])}
