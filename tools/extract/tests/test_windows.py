"""Windows and labels follow run_qa.py: gold answers reproduced through offsets, CLS where the answer is absent."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from bertvision_extract.encoder import load_fast_tokenizer
from bertvision_extract.errors import ExtractError, SquadFormatError
from bertvision_extract.squad import load_examples
from bertvision_extract.windows import WindowSettings, build_windows


@pytest.fixture(scope="module")
def tokenizer(tiny_bert: Path):
    return load_fast_tokenizer(str(tiny_bert))


def test_long_context_splits_into_overlapping_windows(tokenizer, squad_file: Path) -> None:
    examples = load_examples(squad_file)
    windows = build_windows(tokenizer, examples, WindowSettings(max_seq_length=48, doc_stride=16))
    # The tokenizer's own overflow count for the first question is the number of windows of example 0.
    direct = tokenizer(examples[0].question.lstrip(), examples[0].context, truncation="only_second", max_length=48,
                       stride=16, return_overflowing_tokens=True)
    assert int((windows.example_index == 0).sum()) == len(direct["input_ids"]) > 1
    assert windows.input_ids.shape == (len(windows), 48)
    assert windows.offset_mapping.shape == (len(windows), 48, 2)
    # The question was left-stripped like run_qa.py: token 1 is the question's first word.
    assert tokenizer.convert_ids_to_tokens(int(windows.input_ids[0, 1])) == "in"


def test_labels_reproduce_the_gold_answer_text(tokenizer, squad_file: Path) -> None:
    examples = load_examples(squad_file)
    windows = build_windows(tokenizer, examples, WindowSettings(max_seq_length=48, doc_stride=16))
    found = set()
    for i in range(len(windows)):
        example = examples[int(windows.example_index[i])]
        start, end = int(windows.start_positions[i]), int(windows.end_positions[i])
        if start == 0:
            assert end == 0 and windows.is_impossible[i] == 1
            continue
        assert windows.is_impossible[i] == 0
        text = example.context[windows.offset_mapping[i, start, 0] : windows.offset_mapping[i, end, 1]]
        assert text == example.answers[0].text
        found.add(example.qid)
    assert found == {"q-france", "q-west"}
    assert windows.is_impossible[windows.example_index == 2].all()


def test_non_context_tokens_have_offset_minus_one(tokenizer, squad_file: Path) -> None:
    windows = build_windows(tokenizer, load_examples(squad_file), WindowSettings(max_seq_length=48, doc_stride=16))
    for i in range(len(windows)):
        ids = windows.input_ids[i]
        sep = np.flatnonzero(ids == tokenizer.sep_token_id)
        question_and_specials = np.r_[0 : sep[0] + 1, sep[1]:48]
        assert (windows.offset_mapping[i, question_and_specials] == -1).all()
        assert (windows.offset_mapping[i, sep[0] + 1 : sep[1]] >= 0).all()


def test_max_query_length_clips_the_question(tokenizer, squad_file: Path) -> None:
    windows = build_windows(tokenizer, load_examples(squad_file)[:1], WindowSettings(64, 16, max_query_length=3))
    first_sep = int(np.flatnonzero(windows.input_ids[0] == tokenizer.sep_token_id)[0])
    assert first_sep == 1 + 3


def test_stride_not_below_length_is_refused(tokenizer, squad_file: Path) -> None:
    with pytest.raises(ExtractError, match="doc_stride"):
        build_windows(tokenizer, load_examples(squad_file), WindowSettings(max_seq_length=32, doc_stride=32))


def test_bad_squad_files_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"data": [{"title": "T", "paragraphs": [{"context": "abc", "qas": [{"id": "x", "question": "q", '
                   '"answers": [{"text": "zz", "answer_start": 1}]}]}]}]}')
    with pytest.raises(SquadFormatError, match=r"bad\.json.*'zz' is not at character 1"):
        load_examples(bad)
    bad.write_text("{not json")
    with pytest.raises(SquadFormatError, match=r"bad\.json: not valid UTF-8 JSON"):
        load_examples(bad)
    with pytest.raises(SquadFormatError, match="file not found"):
        load_examples(tmp_path / "missing.json")
