"""Checkpoints of a fine-tuning run: writing them atomically, fingerprinting the run, finding where to resume.

Layout of an output directory::

    run.json                       the run's fingerprint (every setting that shapes the weights)
    checkpoint-step-000123/        save_pretrained model + tokenizer + bertvision_finetune.json
        training_state.pt          only in the newest checkpoint: optimizer, scheduler, torch RNG, losses
    train_log.json                 written when the whole budget is done

Each checkpoint is built in a hidden temporary sibling and renamed into place, so a crash leaves the previous
checkpoint complete. The training state of older checkpoints is deleted only after the new one is in place.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from bertvision_extract.atomic import temp_sibling, write_json_atomic
from bertvision_extract.squad import sha256_of_file

from . import __version__

STATE_FILE = "training_state.pt"
# settings that do not change the weights a run produces
_NOT_FINGERPRINTED = ("output_dir", "progress", "stop_after_steps", "device")


class ResumeMismatchError(ValueError):
    """The output directory holds a run with other settings; lists each difference."""


@dataclass(frozen=True)
class ResumePoint:
    checkpoint: str  # directory name under the output directory
    step: int
    state_file: Path


def run_fingerprint(options: Any, num_windows: int) -> dict[str, Any]:
    """Every setting that shapes the run's weights, plus the data's identity (sha256) and window count."""
    values = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(options).items() if k not in _NOT_FINGERPRINTED}
    values["squad_sha256"] = sha256_of_file(options.squad_file)
    values["split_sha256"] = sha256_of_file(options.split_file) if options.split_file else None
    values["train_windows"] = num_windows
    values["squad_file"] = Path(options.squad_file).name
    values["split_file"] = Path(options.split_file).name if options.split_file else None
    return json.loads(json.dumps(values))  # tuples -> lists, as read back from run.json


def check_fingerprint(output_dir: Path, fingerprint: dict[str, Any]) -> None:
    """Record the fingerprint of a new run, or refuse to resume a run whose fingerprint differs."""
    path = output_dir / "run.json"
    if not path.is_file():
        if any(output_dir.glob("checkpoint-step-*")):
            raise FileExistsError(f"{output_dir}: holds checkpoints already but no run.json; use a fresh --output-dir")
        write_json_atomic(fingerprint, path)
        return
    recorded = json.loads(path.read_text(encoding="utf-8"))
    keys = sorted(set(recorded) | set(fingerprint))
    differences = [f"{k}: {recorded.get(k)!r} in {path.name}, {fingerprint.get(k)!r} now" for k in keys
                   if recorded.get(k) != fingerprint.get(k)]
    if differences:
        raise ResumeMismatchError(f"{output_dir}: cannot resume a run with other settings:\n  " + "\n  ".join(differences))


def find_resume_point(output_dir: Path) -> ResumePoint | None:
    """The newest checkpoint that holds a training state, or None for a fresh run."""
    for directory in sorted(output_dir.glob("checkpoint-step-*"), reverse=True):
        state = directory / STATE_FILE
        if state.is_file():
            return ResumePoint(directory.name, int(directory.name.rsplit("-", 1)[1]), state)
    return None


class CheckpointWriter:
    """Writes checkpoints (model, tokenizer, record, training state) atomically and lists the run's records."""

    def __init__(self, output_dir: Path, fingerprint: dict[str, Any], tokenizer: Any) -> None:
        self.output_dir = output_dir
        self.fingerprint = fingerprint
        self.tokenizer = tokenizer

    def save(self, model: Any, optimizer: torch.optim.Optimizer, scheduler: Any, step: int, steps_per_epoch: float,
             losses: list[float], seconds: float, num_windows: int) -> dict[str, Any]:
        target = self.output_dir / f"checkpoint-step-{step:06d}"
        temp = temp_sibling(target, directory=True)
        model.save_pretrained(temp)
        self.tokenizer.save_pretrained(temp)
        window = losses[-min(len(losses), 10):]
        record = {"step": step, "epoch": round(step / steps_per_epoch, 6), "path": target.name,
                  "mean_loss_last_10": sum(window) / len(window), "seconds": round(seconds, 1),
                  "train_windows": num_windows, "tool": f"bertvision-finetune {__version__}",
                  "base_model": self.fingerprint["model"], "precision": self.fingerprint["precision"],
                  "source": {"file": self.fingerprint["squad_file"], "sha256": self.fingerprint["squad_sha256"]},
                  "split": None if self.fingerprint["split_file"] is None else
                  {"file": self.fingerprint["split_file"], "part": self.fingerprint["split_part"] or "train"}}
        write_json_atomic(record, temp / "bertvision_finetune.json")
        torch.save({"step": step, "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                    "torch_rng": torch.get_rng_state(), "losses": losses, "seconds": seconds}, temp / STATE_FILE)
        _fsync_tree(temp)
        os.replace(temp, target)
        for older in self.output_dir.glob("checkpoint-step-*"):
            if older.name < target.name:
                (older / STATE_FILE).unlink(missing_ok=True)
        return record

    def records(self) -> list[dict[str, Any]]:
        """Every checkpoint's record in step order (this invocation's and earlier ones')."""
        return [json.loads((d / "bertvision_finetune.json").read_text(encoding="utf-8"))
                for d in sorted(self.output_dir.glob("checkpoint-step-*"))]


def _fsync_tree(directory: Path) -> None:
    for path in directory.iterdir():
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
