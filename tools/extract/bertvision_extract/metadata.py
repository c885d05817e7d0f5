"""Store metadata (docs/store-format.md, "Metadata") and the compatibility rule between two stores."""

from __future__ import annotations

from typing import Any

from .errors import IncompatibleStoreError

FORMAT_NAME = "bertvision-activations"
FORMAT_VERSION = 1
#: Keys that must be equal for two stores to be appended to each other or used together.
COMPATIBILITY_KEYS = ("model_id", "model_revision", "tokenizer_id", "max_seq_length", "doc_stride",
                      "max_query_length", "positions", "channels")


def channel_names(num_layers: int, with_pooled: bool) -> list[str]:
    """``["embeddings", "layer_1", …, "layer_K"]``, with ``"pooled"`` first for a CLS store with a pooler."""
    names = ["embeddings", *(f"layer_{k}" for k in range(1, num_layers + 1))]
    return ["pooled", *names] if with_pooled else names


def check_compatible(existing: dict[str, Any], new: dict[str, Any], store_path: str) -> None:
    """Raise IncompatibleStoreError listing every compatibility key (and the dtype) on which the stores differ."""
    keys = (*COMPATIBILITY_KEYS, "dtype")
    diffs = [f"{k}: store has {existing.get(k)!r}, this run {new.get(k)!r}" for k in keys if existing.get(k) != new.get(k)]
    if existing.get("format") != FORMAT_NAME or existing.get("version") != FORMAT_VERSION:
        diffs.insert(0, f"format/version: store has {existing.get('format')!r}/{existing.get('version')!r}")
    if diffs:
        raise IncompatibleStoreError("refusing to append to a store made with other settings; " + "; ".join(diffs),
                                     store_path)
