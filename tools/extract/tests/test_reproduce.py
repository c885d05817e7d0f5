"""tools/reproduce end to end on a tiny model and three small articles: every stage runs through the real tools
(fine-tune, extract, the built ``bertvision`` bin, the official metric), results.json has a row per number, and a
rerun skips every completed stage."""

from __future__ import annotations

import copy
import json
import shutil
import sys
from pathlib import Path

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "tools" / "reproduce"))
import reproduce  # noqa: E402
import stages  # noqa: E402
from plan import Plan  # noqa: E402

BUILT = (REPO / "dist" / "cli" / "main.js").is_file() and shutil.which("node") is not None


@pytest.mark.skipif(not BUILT, reason="needs the built CLI (npm run build) and node")
def test_reproduction_pipeline_runs_and_resumes(tiny_bert: Path, squad_file: Path, tmp_path: Path) -> None:
    article = json.loads(squad_file.read_text())["data"][0]
    articles = []
    for title in ("A", "B", "C"):
        copied = copy.deepcopy(article)
        copied["title"] = title
        for q in copied["paragraphs"][0]["qas"]:
            q["id"] = f"{title}-{q['id']}"
        articles.append(copied)
    squad = tmp_path / "squad.json"
    squad.write_text(json.dumps({"version": "v2.0", "data": articles}))
    split = tmp_path / "split.json"
    split.write_text(json.dumps({"parts": {"train": {"titles": ["A", "B"]}, "eval": {"titles": ["C"]}}}))
    plan = Plan(work=tmp_path / "work", publish=tmp_path / "published", demo=tmp_path / "demo", squad=squad,
                split=split, model_path=str(tiny_bert), max_seq_length=64, doc_stride=32, finetune_epochs=1.0,
                save_every=0.5, batch_size=2, precision="fp32", budgets=(1.0,),
                span_architectures=("learned-pooling",), binary_architectures=("tenney-small",), seeds=(0,),
                head_epochs=2, holdout_articles=1, head_train_questions=3)
    stages.finetune(plan)
    run = reproduce.Reproduction(plan)
    run.demo()
    for budget in plan.budgets:
        run.answerability(budget)
        run.span(budget)
    run.demo_span()
    run.publish()
    assert (plan.demo / "span-head-learned-pooling" / "model.json").is_file()
    assert (plan.demo / "span-eval-5q.safetensors").is_file()
    results = json.loads((plan.publish / "results.json").read_text())
    systems = sorted({(r["system"], r["fine_tune_epochs"]) for r in results["rows"]})
    assert systems == sorted((s, b) for s in ("bert", "head", "ensemble", "bert-answerability", "head-answerability")
                             for b in (1.0,))
    for row in results["rows"]:
        if row["system"] in ("bert", "head", "ensemble"):
            assert row["total"] == 3 and {"exact", "f1", "HasAns_total", "NoAns_total", "best_f1"} <= set(row)
            predictions = json.loads(Path(row["predictions"]).read_text())
            assert sorted(predictions) == ["C-q-france", "C-q-none", "C-q-west"]
        else:
            assert row["questions"] == 3 and 0 <= row["accuracy"] <= 1
    assert (plan.demo / "cls-train-3q.h5").is_file() and (plan.demo / "cls-eval.h5").is_file()
    # a rerun finds every stage complete: each stage returns the record its first run wrote
    first = {t["stage"]: t for t in run.timings}
    again = reproduce.Reproduction(plan)
    for budget in plan.budgets:
        again.answerability(budget)
    assert len(again.timings) == 5 and all(t == first[t["stage"]] for t in again.timings)
