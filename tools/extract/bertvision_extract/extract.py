"""The extraction run: SQuAD questions -> windows -> encoder -> a store (new, or appended to a compatible one)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from . import TOOL_NAME
from .containers import StoreReader, StoreWriter, TensorSpec, open_reader, open_writer
from .answerability import window_answerability
from .encoder import LoadedEncoder, run_batch
from .errors import ExtractError, IncompatibleStoreError
from .metadata import FORMAT_NAME, FORMAT_VERSION, channel_names, check_compatible
from .squad import Example, load_examples, load_split_titles, sha256_of_file
from .windows import WindowSettings, Windows, build_windows

LABEL_TENSORS = ("start_positions", "end_positions", "is_impossible", "example_index")
ANSWERABILITY_TENSORS = ("null_score", "best_span_score")


@dataclass
class ExtractOptions:
    """What to extract and how. Defaults: float16, all positions, batch 8, no question limit, no split filter."""

    squad_file: Path
    output: Path
    windows: WindowSettings = field(default_factory=WindowSettings)
    dtype: str = "float16"
    cls_only: bool = False
    batch_size: int = 8
    question_limit: int | None = None
    split_file: Path | None = None
    split_part: str | None = None
    append: bool = False
    progress: bool = True


@dataclass
class ExtractSummary:
    """What a run wrote: windows and questions added, totals in the store."""

    windows_added: int
    questions_added: int
    questions_skipped: int
    total_windows: int
    output: Path


def _source(options: ExtractOptions) -> dict[str, Any]:
    source: dict[str, Any] = {"file": options.squad_file.name, "sha256": sha256_of_file(options.squad_file)}
    if options.split_file is not None:
        source["split"] = {"file": options.split_file.name, "sha256": sha256_of_file(options.split_file),
                           "part": options.split_part}
    return source


def build_metadata(encoder: LoadedEncoder, options: ExtractOptions, example_ids: list[str]) -> dict[str, Any]:
    """The store metadata of docs/store-format.md for this run."""
    with_pooled = options.cls_only and encoder.pooler is not None
    meta: dict[str, Any] = {
        "format": FORMAT_NAME, "version": FORMAT_VERSION, "model_id": encoder.model_id,
        "model_revision": encoder.model_revision, "tokenizer_id": encoder.tokenizer_id,
        "max_seq_length": options.windows.max_seq_length, "doc_stride": options.windows.doc_stride,
        "max_query_length": options.windows.max_query_length, "positions": "cls" if options.cls_only else "all",
        "channels": channel_names(encoder.num_layers, with_pooled), "dtype": options.dtype,
        "example_ids": example_ids, "source": _source(options), "created_by": TOOL_NAME,
    }
    if options.cls_only:
        meta["pooler"] = ("the model's own pooler (tanh(dense(last-layer CLS))) from the checkpoint weights"
                          if with_pooled else "none: the model has no pooler weights, so there is no 'pooled' channel")
    return meta


def _select_examples(options: ExtractOptions) -> list[Example]:
    titles = None
    if options.split_file is not None:
        if options.split_part is None:
            raise ExtractError("a split file needs a part name (--split-part)")
        titles = load_split_titles(options.split_file, options.split_part)
    examples = load_examples(options.squad_file, titles)
    return examples if options.question_limit is None else examples[: options.question_limit]


def _specs(n: int, s: int, encoder: LoadedEncoder, channels: int, dtype: np.dtype) -> dict[str, TensorSpec]:
    specs: dict[str, TensorSpec] = {"hidden_state_activations": ((n, s, encoder.hidden_size, channels), dtype)}
    specs.update({name: ((n,), np.dtype("int32")) for name in LABEL_TENSORS})
    specs["offset_mapping"] = ((n, s, 2), np.dtype("int32"))
    if encoder.has_qa_head:
        specs.update({name: ((n, s), np.dtype("float32")) for name in ("start_logits", "end_logits")})
        if s == 1:  # CLS-only: the full logits are not kept, so keep run_qa's two per-window scores
            specs.update({name: ((n,), np.dtype("float32")) for name in ANSWERABILITY_TENSORS})
    return specs


def _copy_existing(reader: StoreReader, writer: StoreWriter, rows_per_read: int) -> None:
    for name, (shape, _) in reader.specs.items():
        for start in range(0, shape[0], rows_per_read):
            writer.write(name, start, reader.read(name, start, rows_per_read))


def _write_windows(encoder: LoadedEncoder, windows: Windows, writer: StoreWriter, first_row: int,
                   example_offset: int, options: ExtractOptions) -> None:
    keep = 1 if options.cls_only else windows.input_ids.shape[1]
    dtype = np.dtype(options.dtype)
    bar = tqdm(total=len(windows), unit="window", disable=not options.progress, desc=options.output.name)
    for start in range(0, len(windows), options.batch_size):
        stop = min(start + options.batch_size, len(windows))
        types = None if windows.token_type_ids is None else windows.token_type_ids[start:stop]
        out = run_batch(encoder, windows.input_ids[start:stop], windows.attention_mask[start:stop], types)
        hidden = out.hidden[:, :keep]
        if options.cls_only and out.pooled is not None:
            hidden = np.concatenate([out.pooled[:, None, :, None], hidden], axis=-1)
        with np.errstate(over="ignore"):  # overflow is detected just below and reported as an error
            stored = hidden.astype(dtype)
        if not np.isfinite(stored).all():
            raise ExtractError(f"windows {start}..{stop - 1}: hidden states overflow {options.dtype} (use --dtype float32)")
        row = first_row + start
        writer.write("hidden_state_activations", row, stored)
        writer.write("offset_mapping", row, windows.offset_mapping[start:stop, :keep])
        if out.start_logits is not None and out.end_logits is not None:
            writer.write("start_logits", row, out.start_logits[:, :keep])
            writer.write("end_logits", row, out.end_logits[:, :keep])
            if options.cls_only:
                null, best = window_answerability(out.start_logits, out.end_logits, windows.offset_mapping[start:stop])
                writer.write("null_score", row, null)
                writer.write("best_span_score", row, best)
        bar.update(stop - start)
    bar.close()
    for name in LABEL_TENSORS:
        values = getattr(windows, name) + (example_offset if name == "example_index" else 0)
        writer.write(name, first_row, values.astype(np.int32))


def extract(encoder: LoadedEncoder, options: ExtractOptions) -> ExtractSummary:
    """Run the extraction. With ``options.append`` and an existing output, the store must be compatible
    (docs/store-format.md) and questions it already holds are skipped; the result replaces it atomically."""
    if options.dtype not in ("float16", "float32"):
        raise ExtractError(f"dtype must be float16 or float32, not {options.dtype!r}")
    if options.batch_size < 1:
        raise ExtractError(f"batch size must be at least 1, not {options.batch_size}")
    examples = _select_examples(options)
    reader = open_reader(options.output) if options.append and options.output.exists() else None
    try:
        metadata = build_metadata(encoder, options, [])
        old_ids: list[str] = []
        if reader is not None:
            check_compatible(reader.metadata, metadata, str(options.output))
            if reader.metadata.get("source") != metadata["source"]:
                raise IncompatibleStoreError(
                    f"refusing to append windows from {metadata['source']} to a store made from "
                    f"{reader.metadata.get('source')}: write a separate store instead", str(options.output))
            old_ids = list(reader.metadata.get("example_ids", []))
        known = set(old_ids)
        new_examples = [ex for ex in examples if ex.qid not in known]
        old_rows = reader.specs["hidden_state_activations"][0][0] if reader is not None else 0
        if not new_examples:
            return ExtractSummary(0, 0, len(examples), old_rows, options.output)
        windows = build_windows(encoder.tokenizer, new_examples, options.windows)
        metadata["example_ids"] = old_ids + [ex.qid for ex in new_examples]
        s = 1 if options.cls_only else options.windows.max_seq_length
        specs = _specs(old_rows + len(windows), s, encoder, len(metadata["channels"]), np.dtype(options.dtype))
        if reader is not None and set(reader.specs) != set(specs):
            raise IncompatibleStoreError(f"store tensors {sorted(reader.specs)} differ from this run's {sorted(specs)}",
                                         str(options.output))
        writer = open_writer(options.output, specs, metadata)
        try:
            if reader is not None:
                _copy_existing(reader, writer, rows_per_read=options.batch_size if s > 1 else 4096)
            _write_windows(encoder, windows, writer, old_rows, len(old_ids), options)
        except BaseException:
            writer.abort()
            raise
        if reader is not None:
            reader.close()
            reader = None
        writer.commit()
        return ExtractSummary(len(windows), len(new_examples), len(examples) - len(new_examples),
                              old_rows + len(windows), options.output)
    finally:
        if reader is not None:
            reader.close()
