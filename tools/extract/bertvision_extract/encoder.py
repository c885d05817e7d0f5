"""Loading a HF BERT-family encoder (with or without a QA head) and running it for stacked hidden states."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from transformers import AutoConfig, AutoModel, AutoModelForQuestionAnswering, AutoTokenizer, PreTrainedTokenizerFast

from .errors import ExtractError

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "tf_model.h5", "model.safetensors.index.json")


@dataclass
class LoadedEncoder:
    """A model ready to run plus what the store metadata records about it."""

    model: torch.nn.Module
    tokenizer: PreTrainedTokenizerFast
    model_id: str
    model_revision: str
    tokenizer_id: str
    has_qa_head: bool
    pooler: torch.nn.Module | None  # the base model's pooler, when it has one
    num_layers: int
    hidden_size: int
    device: torch.device


@dataclass
class BatchOutput:
    """One batch's outputs as float32 numpy arrays."""

    hidden: np.ndarray  # [B, S, H, L]: embeddings, layer_1 … layer_K on the last axis
    pooled: np.ndarray | None  # [B, H] pooler output, when the model has a pooler
    start_logits: np.ndarray | None  # [B, S] when the model has a QA head
    end_logits: np.ndarray | None


def weights_revision(model_dir: Path) -> str:
    """``sha256:<hex>`` of the first weights file found in a local model directory."""
    for name in WEIGHT_FILES:
        path = model_dir / name
        if path.is_file():
            digest = hashlib.sha256()
            with open(path, "rb") as handle:
                while block := handle.read(1 << 20):
                    digest.update(block)
            return f"sha256:{digest.hexdigest()}"
    raise ExtractError(f"no weights file ({', '.join(WEIGHT_FILES)}) in the model directory", str(model_dir))


def _hub_revision(model_name: str, revision: str | None) -> str:
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(model_name, revision=revision, local_files_only=True)).name
    except Exception as err:  # offline cache miss etc.
        raise ExtractError(f"model {model_name!r} is neither a local directory nor in the HF cache: {err}") from err


def pick_device(name: str) -> torch.device:
    """``auto`` (default in the CLI) = CUDA when available, else CPU; or an explicit torch device string."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ExtractError(f"device {name!r} requested but CUDA is not available")
    return torch.device(name)


def load_fast_tokenizer(name: str) -> PreTrainedTokenizerFast:
    """AutoTokenizer's fast tokenizer for ``name``; ExtractError when only a slow one exists (no offset mappings)."""
    try:
        tokenizer = AutoTokenizer.from_pretrained(name, use_fast=True)
    except (OSError, ValueError) as err:
        raise ExtractError(f"cannot load a tokenizer from {name!r}: {err}") from err
    if not isinstance(tokenizer, PreTrainedTokenizerFast):
        raise ExtractError(f"tokenizer {name!r} has no fast (Rust) version: offset mappings need one")
    return tokenizer


def load_encoder(
    model_name: str, device: torch.device, model_id: str | None = None, revision: str | None = None,
    tokenizer_name: str | None = None,
) -> LoadedEncoder:
    """Load model + fast tokenizer. ``model_id`` (default: the hub id, or the directory name) is what the store
    records; the revision is the hub commit, or ``sha256:`` of the weights file for a local directory."""
    local = Path(model_name)
    tokenizer = load_fast_tokenizer(tokenizer_name or model_name)
    try:
        config = AutoConfig.from_pretrained(model_name, revision=revision)
    except (OSError, ValueError) as err:
        raise ExtractError(f"cannot load a model config from {model_name!r}: {err}") from err
    architectures = config.architectures or []
    has_qa_head = any(a.endswith("ForQuestionAnswering") for a in architectures)
    loader = AutoModelForQuestionAnswering if has_qa_head else AutoModel
    # float32 compute whatever dtype the weights are stored in (float16 is only the storage dtype of the store)
    model = loader.from_pretrained(model_name, revision=revision, output_hidden_states=True, dtype=torch.float32)
    model.eval().to(device)
    recorded_id = model_id or (local.resolve().name if local.is_dir() else model_name)
    return LoadedEncoder(
        model=model, tokenizer=tokenizer, model_id=recorded_id,
        model_revision=weights_revision(local) if local.is_dir() else _hub_revision(model_name, revision),
        tokenizer_id=tokenizer_name or recorded_id, has_qa_head=has_qa_head,
        pooler=getattr(model.base_model, "pooler", None), num_layers=int(config.num_hidden_layers),
        hidden_size=int(config.hidden_size), device=device,
    )


@torch.inference_mode()
def run_batch(encoder: LoadedEncoder, input_ids: np.ndarray, attention_mask: np.ndarray,
              token_type_ids: np.ndarray | None) -> BatchOutput:
    """Run one batch of windows; hidden states of every layer stacked layers-last, in float32."""
    arrays = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids}
    inputs = {name: torch.from_numpy(a.astype(np.int64)).to(encoder.device) for name, a in arrays.items() if a is not None}
    out = encoder.model(**inputs)
    hidden = torch.stack(out.hidden_states, dim=-1).float().cpu().numpy()
    pooled = None if encoder.pooler is None else encoder.pooler(out.hidden_states[-1]).float().cpu().numpy()
    if encoder.has_qa_head:
        return BatchOutput(hidden, pooled, out.start_logits.float().cpu().numpy(), out.end_logits.float().cpu().numpy())
    return BatchOutput(hidden, pooled, None, None)
