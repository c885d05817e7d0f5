"""Question+context windows exactly as transformers' run_qa.py builds them.

``prepare_train_features`` gives the span labels, ``prepare_validation_features`` the offsets (None for tokens that
are not context; stored here as -1). Both tokenise (question, context) with ``truncation="only_second"``,
``max_length``, ``stride`` and ``return_overflowing_tokens``, after left-stripping the question.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from transformers import PreTrainedTokenizerFast

from .errors import ExtractError
from .squad import Example


@dataclass(frozen=True)
class WindowSettings:
    """Windowing settings; defaults are run_qa.py's (384 tokens, stride 128, no question-length limit)."""

    max_seq_length: int = 384
    doc_stride: int = 128
    max_query_length: int | None = None


@dataclass
class Windows:
    """N tokenised windows, each padded to ``max_seq_length`` (S); int32 numpy arrays."""

    input_ids: np.ndarray  # [N, S] int32
    attention_mask: np.ndarray  # [N, S] int32
    token_type_ids: np.ndarray | None  # [N, S] int32, None when the tokenizer has none (RoBERTa, DistilBERT)
    offset_mapping: np.ndarray  # [N, S, 2] int32, -1 for non-context tokens
    start_positions: np.ndarray  # [N] int32, CLS index when the answer is not in the window
    end_positions: np.ndarray  # [N] int32
    is_impossible: np.ndarray  # [N] int32 (0/1)
    example_index: np.ndarray  # [N] int32, index into the example list given to build_windows

    def __len__(self) -> int:
        return int(self.input_ids.shape[0])


def _clip_question(tokenizer: PreTrainedTokenizerFast, question: str, max_query_length: int | None) -> str:
    question = question.lstrip()
    if max_query_length is None:
        return question
    enc = tokenizer(question, add_special_tokens=False, return_offsets_mapping=True)
    offsets = enc["offset_mapping"]
    return question if len(offsets) <= max_query_length else question[: offsets[max_query_length - 1][1]]


def _span_label(
    offsets: Sequence[tuple[int, int]], sequence_ids: Sequence[int | None], context_id: int, answer_start: int,
    answer_end: int, cls_index: int,
) -> tuple[int, int]:
    """run_qa's prepare_train_features labelling of one window (token indices, CLS when not fully inside)."""
    first = 0
    while sequence_ids[first] != context_id:
        first += 1
    last = len(sequence_ids) - 1
    while sequence_ids[last] != context_id:
        last -= 1
    if not (offsets[first][0] <= answer_start and offsets[last][1] >= answer_end):
        return cls_index, cls_index
    while first < len(offsets) and offsets[first][0] <= answer_start:
        first += 1
    while offsets[last][1] >= answer_end:
        last -= 1
    return first - 1, last + 1


def build_windows(
    tokenizer: PreTrainedTokenizerFast, examples: Sequence[Example], settings: WindowSettings,
    tokenize_batch: int = 512,
) -> Windows:
    """Tokenise ``examples`` into windows in example order (``tokenize_batch`` questions per tokenizer call).
    The tokenizer must be a fast one (offset mappings): load it with ``encoder.load_fast_tokenizer``."""
    if settings.doc_stride >= settings.max_seq_length:
        raise ExtractError(f"doc_stride ({settings.doc_stride}) must be smaller than max_seq_length")
    pad_on_right = tokenizer.padding_side == "right"
    context_id = 1 if pad_on_right else 0
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("ids", "mask", "types", "offsets", "labels")}
    example_index: list[int] = []
    for batch_start in range(0, len(examples), tokenize_batch):
        batch = examples[batch_start : batch_start + tokenize_batch]
        questions = [_clip_question(tokenizer, ex.question, settings.max_query_length) for ex in batch]
        contexts = [ex.context for ex in batch]
        try:
            enc = tokenizer(
                questions if pad_on_right else contexts, contexts if pad_on_right else questions,
                truncation="only_second" if pad_on_right else "only_first", max_length=settings.max_seq_length,
                stride=settings.doc_stride, return_overflowing_tokens=True, return_offsets_mapping=True,
                padding="max_length",
            )
        except Exception as err:  # tokenizers raises plain Exceptions, e.g. when a question alone is too long
            raise ExtractError(f"tokenising questions {batch_start}..{batch_start + len(batch) - 1} failed: {err}") from err
        for i, sample in enumerate(enc["overflow_to_sample_mapping"]):
            example = batch[sample]
            ids = enc["input_ids"][i]
            seq_ids = enc.sequence_ids(i)
            cls_index = ids.index(tokenizer.cls_token_id) if tokenizer.cls_token_id in ids else 0
            if example.answers:
                answer = example.answers[0]
                label = _span_label(enc["offset_mapping"][i], seq_ids, context_id, answer.start,
                                    answer.start + len(answer.text), cls_index)
            else:
                label = (cls_index, cls_index)
            offsets = [o if s == context_id else (-1, -1) for o, s in zip(enc["offset_mapping"][i], seq_ids)]
            parts["ids"].append(np.asarray(ids, dtype=np.int32))
            parts["mask"].append(np.asarray(enc["attention_mask"][i], dtype=np.int32))
            if "token_type_ids" in enc:
                parts["types"].append(np.asarray(enc["token_type_ids"][i], dtype=np.int32))
            parts["offsets"].append(np.asarray(offsets, dtype=np.int32))
            parts["labels"].append(np.asarray([label[0], label[1], int(label[0] == cls_index)], dtype=np.int32))
            example_index.append(batch_start + sample)
    if not parts["ids"]:
        raise ExtractError("no questions to extract (empty input, or every question was filtered out)")
    labels = np.stack(parts["labels"])
    return Windows(
        input_ids=np.stack(parts["ids"]), attention_mask=np.stack(parts["mask"]),
        token_type_ids=np.stack(parts["types"]) if parts["types"] else None,
        offset_mapping=np.stack(parts["offsets"]), start_positions=labels[:, 0].copy(),
        end_positions=labels[:, 1].copy(), is_impossible=labels[:, 2].copy(),
        example_index=np.asarray(example_index, dtype=np.int32),
    )
