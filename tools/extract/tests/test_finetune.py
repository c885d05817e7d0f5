"""tools/finetune: the checkpoint schedule, a real (tiny) fine-tuning run, and the committed dev split."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForQuestionAnswering

from bertvision_finetune.split import make_split
from safetensors.torch import load_file

from bertvision_finetune.checkpoints import ResumeMismatchError
from bertvision_finetune.train import FinetuneOptions, finetune, save_steps
from bertvision_extract.windows import WindowSettings

from conftest import DEV_SET, REPO


def test_save_steps_every_tenth_of_the_budget() -> None:
    # 0.1 epoch of 10,062 windows in batches of 16 = 63 steps; a checkpoint every 0.01 epoch = every 6.29 steps.
    assert save_steps(63, 10062 / 16, 0.01) == [6, 13, 19, 25, 31, 38, 44, 50, 57, 63]
    assert save_steps(5, 100.0, 0.1) == [5]  # budget shorter than one interval: only the final checkpoint
    assert save_steps(20, 10.0, 0.5) == [5, 10, 15, 20]


def test_finetune_learns_and_checkpoints(tiny_bert: Path, squad_file: Path, tmp_path: Path) -> None:
    options = FinetuneOptions(model=str(tiny_bert), squad_file=squad_file, output_dir=tmp_path / "run",
                              windows=WindowSettings(48, 16), epochs=6.0, save_every=2.0, batch_size=4,
                              learning_rate=3e-3, warmup_fraction=0.0, progress=False)
    records = finetune(options)
    log = json.loads((tmp_path / "run" / "train_log.json").read_text())
    assert [r["path"] for r in records] == [p.name for p in sorted((tmp_path / "run").glob("checkpoint-step-*"))]
    assert len(records) == 3 and records[-1]["epoch"] == pytest.approx(6.0, abs=0.5)
    assert sum(log["losses"][-3:]) < sum(log["losses"][:3])  # it learns the tiny set
    model = AutoModelForQuestionAnswering.from_pretrained(tmp_path / "run" / records[-1]["path"])
    assert isinstance(model.qa_outputs, torch.nn.Linear)
    assert [r["step"] for r in finetune(options)] == [r["step"] for r in records]  # complete: rerun trains nothing
    with pytest.raises(ResumeMismatchError, match="learning_rate: 0.003 in run.json, 0.001 now"):
        finetune(dataclasses.replace(options, learning_rate=1e-3))


def test_interrupted_run_resumes_to_the_same_weights(tiny_bert: Path, squad_file: Path, tmp_path: Path) -> None:
    """Stopped after 5 of 12 steps and rerun, a run ends with exactly the weights of an uninterrupted one (dropout on,
    so the RNG state must be restored too), in float32 and in bfloat16 autocast."""
    for precision in ("fp32", "bf16"):
        base = FinetuneOptions(model=str(tiny_bert), squad_file=squad_file, output_dir=tmp_path / f"whole-{precision}",
                               windows=WindowSettings(48, 16), epochs=4.0, save_every=1.0, batch_size=4,
                               learning_rate=3e-3, warmup_fraction=0.25, progress=False, precision=precision)
        whole = finetune(base)
        parted = dataclasses.replace(base, output_dir=tmp_path / f"parted-{precision}", stop_after_steps=5)
        first = finetune(parted)
        assert first[-1]["step"] < whole[-1]["step"]
        rest = finetune(dataclasses.replace(parted, stop_after_steps=None))
        assert [r["step"] for r in rest] == [r["step"] for r in whole]
        a = load_file(str(base.output_dir / whole[-1]["path"] / "model.safetensors"))
        b = load_file(str(parted.output_dir / rest[-1]["path"] / "model.safetensors"))
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
        assert len(list(parted.output_dir.glob("checkpoint-step-*/training_state.pt"))) == 1


def test_checkpoints_without_a_run_file_are_refused(tiny_bert: Path, squad_file: Path, tmp_path: Path) -> None:
    (tmp_path / "run" / "checkpoint-step-000001").mkdir(parents=True)
    options = FinetuneOptions(model=str(tiny_bert), squad_file=squad_file, output_dir=tmp_path / "run",
                              windows=WindowSettings(48, 16), epochs=1.0, batch_size=4, progress=False)
    with pytest.raises(FileExistsError, match="no run.json"):
        finetune(options)


@pytest.mark.skipif(not DEV_SET.is_file(), reason=f"SQuAD 2.0 dev set not at {DEV_SET}")
def test_committed_split_is_reproducible_and_disjoint() -> None:
    committed = json.loads((REPO / "data" / "squad-dev-split.json").read_text())
    assert committed == make_split(DEV_SET)
    train, evaluation = (set(committed["parts"][p]["titles"]) for p in ("train", "eval"))
    assert not train & evaluation and len(train | evaluation) == 35
    assert committed["parts"]["train"]["questions"] + committed["parts"]["eval"]["questions"] == 11873
