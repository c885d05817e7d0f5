"""End-to-end extraction on a tiny random BERT, checked against transformers run directly (another code path)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import AutoModel, AutoModelForQuestionAnswering, AutoTokenizer

from bertvision_extract.cli import main
from bertvision_extract.containers import open_reader
from bertvision_extract.encoder import load_encoder
from bertvision_extract.errors import ExtractError, IncompatibleStoreError
from bertvision_extract.extract import ExtractOptions, extract
from bertvision_extract.windows import WindowSettings

SETTINGS = WindowSettings(max_seq_length=48, doc_stride=16)


def _direct(model_dir: Path, qa: bool, squad_file: Path):
    """transformers' own tokenizer call and forward pass over every window of the (one-paragraph) SQuAD file;
    returns the model output and the embedding layer's output."""
    paragraph = json.loads(squad_file.read_text())["data"][0]["paragraphs"][0]
    questions = [qa["question"].lstrip() for qa in paragraph["qas"]]
    tok = AutoTokenizer.from_pretrained(model_dir)
    model = (AutoModelForQuestionAnswering if qa else AutoModel).from_pretrained(model_dir).eval()
    enc = tok(questions, [paragraph["context"]] * len(questions), truncation="only_second", max_length=48,
              stride=16, return_overflowing_tokens=True, padding="max_length", return_tensors="pt")
    enc.pop("overflow_to_sample_mapping")
    with torch.no_grad():
        embeddings = model.base_model.embeddings(input_ids=enc["input_ids"], token_type_ids=enc["token_type_ids"])
        return model(**enc), embeddings


def _read_all(path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    reader = open_reader(path)
    data = {name: reader.read(name, 0, shape[0]) for name, (shape, _) in reader.specs.items()}
    meta = reader.metadata
    reader.close()
    return meta, data


@pytest.mark.parametrize("out_name", ["s.h5", "s.safetensors", "s_npy"])
def test_span_store_last_layer_equals_last_hidden_state(tiny_bert: Path, squad_file: Path, tmp_path: Path,
                                                        out_name: str) -> None:
    encoder = load_encoder(str(tiny_bert), torch.device("cpu"))
    extract(encoder, ExtractOptions(squad_file, tmp_path / out_name, SETTINGS, batch_size=3, progress=False))
    meta, data = _read_all(tmp_path / out_name)
    direct, embeddings = _direct(tiny_bert, False, squad_file)
    hidden = data["hidden_state_activations"]
    assert hidden.dtype == np.float16 and hidden.shape == (direct.last_hidden_state.shape[0], 48, 32, 3)
    np.testing.assert_allclose(hidden[..., -1], direct.last_hidden_state.numpy(), rtol=2e-3, atol=2e-3)
    np.testing.assert_allclose(hidden[..., 0], embeddings.numpy(), rtol=2e-3, atol=2e-3)
    assert meta["channels"] == ["embeddings", "layer_1", "layer_2"] and meta["positions"] == "all"
    assert meta["example_ids"] == ["q-france", "q-west", "q-none"]
    assert meta["model_revision"].startswith("sha256:") and meta["dtype"] == "float16"
    assert "start_logits" not in data


def test_cls_store_has_pooled_channel_first(tiny_bert: Path, squad_file: Path, tmp_path: Path) -> None:
    encoder = load_encoder(str(tiny_bert), torch.device("cpu"))
    extract(encoder, ExtractOptions(squad_file, tmp_path / "c.h5", SETTINGS, dtype="float32", cls_only=True,
                                    progress=False))
    meta, data = _read_all(tmp_path / "c.h5")
    direct, _ = _direct(tiny_bert, False, squad_file)
    hidden = data["hidden_state_activations"]
    assert hidden.shape == (direct.pooler_output.shape[0], 1, 32, 4)
    np.testing.assert_allclose(hidden[:, 0, :, 0], direct.pooler_output.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(hidden[:, 0, :, -1], direct.last_hidden_state[:, 0].numpy(), rtol=1e-5, atol=1e-6)
    assert meta["channels"] == ["pooled", "embeddings", "layer_1", "layer_2"] and meta["positions"] == "cls"
    assert (data["offset_mapping"] == -1).all() and data["offset_mapping"].shape == (hidden.shape[0], 1, 2)


def test_qa_model_stores_its_own_logits(tiny_bert_qa: Path, squad_file: Path, tmp_path: Path) -> None:
    encoder = load_encoder(str(tiny_bert_qa), torch.device("cpu"))
    assert encoder.has_qa_head and encoder.pooler is None
    extract(encoder, ExtractOptions(squad_file, tmp_path / "q.safetensors", SETTINGS, progress=False))
    _, data = _read_all(tmp_path / "q.safetensors")
    direct, _ = _direct(tiny_bert_qa, True, squad_file)
    np.testing.assert_allclose(data["start_logits"], direct.start_logits.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(data["end_logits"], direct.end_logits.numpy(), rtol=1e-5, atol=1e-5)
    extract(encoder, ExtractOptions(squad_file, tmp_path / "qc.h5", SETTINGS, cls_only=True, progress=False))
    cls_meta, _ = _read_all(tmp_path / "qc.h5")
    assert cls_meta["channels"][0] == "embeddings" and cls_meta["pooler"].startswith("none")


def test_append_skips_known_questions_and_offsets_example_index(tiny_bert: Path, squad_file: Path,
                                                                 tmp_path: Path) -> None:
    encoder = load_encoder(str(tiny_bert), torch.device("cpu"))
    target = tmp_path / "a.h5"
    extract(encoder, ExtractOptions(squad_file, tmp_path / "full.h5", SETTINGS, progress=False))
    first = extract(encoder, ExtractOptions(squad_file, target, SETTINGS, question_limit=1, progress=False))
    second = extract(encoder, ExtractOptions(squad_file, target, SETTINGS, append=True, progress=False))
    assert (second.questions_skipped, second.questions_added) == (1, 2)
    assert second.total_windows == first.windows_added + second.windows_added
    full_meta, full = _read_all(tmp_path / "full.h5")
    meta, appended = _read_all(target)
    assert meta["example_ids"] == full_meta["example_ids"]
    for name, array in full.items():
        np.testing.assert_array_equal(appended[name], array)


def test_append_refuses_other_model_or_window_settings(tiny_bert: Path, tiny_bert_qa: Path, squad_file: Path,
                                                       tmp_path: Path) -> None:
    target = tmp_path / "a.h5"
    encoder = load_encoder(str(tiny_bert), torch.device("cpu"))
    extract(encoder, ExtractOptions(squad_file, target, SETTINGS, question_limit=1, progress=False))
    before = target.read_bytes()
    with pytest.raises(IncompatibleStoreError, match=r"a\.h5: refusing.*max_seq_length: store has 48, this run 64"):
        extract(encoder, ExtractOptions(squad_file, target, WindowSettings(64, 16), append=True, progress=False))
    other = load_encoder(str(tiny_bert_qa), torch.device("cpu"))
    with pytest.raises(IncompatibleStoreError, match="model_id: store has 'tiny-bert0', this run 'tiny-bert-qa0'"):
        extract(other, ExtractOptions(squad_file, target, SETTINGS, append=True, progress=False))
    renamed = load_encoder(str(tiny_bert), torch.device("cpu"), tokenizer_name=str(tiny_bert_qa))
    with pytest.raises(IncompatibleStoreError, match="tokenizer_id"):
        extract(renamed, ExtractOptions(squad_file, target, SETTINGS, append=True, progress=False))
    other_file = tmp_path / "other.json"
    other_file.write_text(squad_file.read_text() + " ")
    with pytest.raises(IncompatibleStoreError, match="refusing to append windows from .*other.json"):
        extract(encoder, ExtractOptions(other_file, target, SETTINGS, append=True, progress=False))
    assert target.read_bytes() == before


def test_float16_overflow_is_an_error_not_inf(tiny_bert: Path, squad_file: Path, tmp_path: Path) -> None:
    encoder = load_encoder(str(tiny_bert), torch.device("cpu"))
    with torch.no_grad():
        encoder.model.embeddings.LayerNorm.weight.mul_(1e6)
    with pytest.raises(ExtractError, match="overflow float16"):
        extract(encoder, ExtractOptions(squad_file, tmp_path / "o.h5", SETTINGS, progress=False))
    assert list(tmp_path.iterdir()) == []


def test_cli_help_and_bad_format(tiny_bert: Path, squad_file: Path, tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0 and "--cls-only" in capsys.readouterr().out
    assert main(["--model", str(tiny_bert), "--squad", str(squad_file), "-o", str(tmp_path / "x.h5"),
                 "--format", "safetensors"]) == 2
    assert main(["--model", str(tiny_bert), "--squad", str(tmp_path / "missing.json"), "-o",
                 str(tmp_path / "x.h5"), "--quiet"]) == 1
    assert "missing.json: file not found" in capsys.readouterr().err
    assert main(["--model", str(tmp_path / "no-model"), "--squad", str(squad_file), "-o", str(tmp_path / "x.h5")]) == 1
    assert "cannot load a tokenizer from" in capsys.readouterr().err
    assert main(["--model", str(tiny_bert), "--squad", str(squad_file), "-o", str(tmp_path / "x.h5"), "--quiet",
                 "--max-seq-length", "48", "--doc-stride", "16", "--question-limit", "2"]) == 0
    assert "from 2 questions" in capsys.readouterr().out
