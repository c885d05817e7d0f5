"""``python tools/extract/extract.py``: the command-line interface of the extraction tool."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from .containers import container_of
from .encoder import load_encoder, pick_device
from .errors import ExtractError
from .extract import ExtractOptions, extract
from .windows import WindowSettings


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, not {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser (every default is shown by --help)."""
    parser = argparse.ArgumentParser(
        prog="extract.py", formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description="Tokenise SQuAD 2.0 questions into run_qa.py windows, run a HF BERT-family encoder with "
                    "output_hidden_states=True and write a bertvision activation store (docs/store-format.md).")
    parser.add_argument("--model", required=True, help="HF model directory or hub id (offline cache)")
    parser.add_argument("--model-id", help="model id to record (default: hub id, or the directory's name)")
    parser.add_argument("--revision", help="hub revision to load (local directories record sha256 of the weights)")
    parser.add_argument("--tokenizer", help="tokenizer directory or id (default: the model's)")
    parser.add_argument("--squad", required=True, type=Path, help="SQuAD 2.0-format JSON")
    parser.add_argument("--split-file", type=Path, help="split file (e.g. data/squad-dev-split.json) to filter articles")
    parser.add_argument("--split-part", help="part of the split file to keep: train or eval")
    parser.add_argument("--output", "-o", required=True, type=Path,
                        help="store path: *.h5/*.hdf5 (HDF5), *.safetensors, or a directory (npy)")
    parser.add_argument("--format", choices=("hdf5", "safetensors", "npy"),
                        help="container; must agree with the output name when given")
    parser.add_argument("--dtype", choices=("float16", "float32"), default="float16")
    parser.add_argument("--cls-only", action="store_true",
                        help="keep only the CLS position (S=1) and add the pooler output as channel 0 'pooled'")
    parser.add_argument("--max-seq-length", type=_positive, default=384)
    parser.add_argument("--doc-stride", type=_positive, default=128)
    parser.add_argument("--max-query-length", type=_positive, default=None, help="question token limit (default none)")
    parser.add_argument("--question-limit", type=_positive, help="only the first N questions (after the split filter)")
    parser.add_argument("--batch-size", type=_positive, default=8)
    parser.add_argument("--device", default="auto", help="auto (CUDA when present, else CPU), cpu, cuda, cuda:1 …")
    parser.add_argument("--append", action="store_true",
                        help="add to an existing compatible store, skipping questions it already holds")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, run the extraction and print a one-line summary; returns the exit status."""
    args = build_parser().parse_args(argv)
    if args.format is not None and container_of(args.output) != args.format:
        print(f"error: --format {args.format} does not match the output name {args.output} "
              f"(which means {container_of(args.output)})", file=sys.stderr)
        return 2
    try:
        encoder = load_encoder(args.model, pick_device(args.device), model_id=args.model_id, revision=args.revision,
                               tokenizer_name=args.tokenizer)
        options = ExtractOptions(
            squad_file=args.squad, output=args.output,
            windows=WindowSettings(args.max_seq_length, args.doc_stride, args.max_query_length),
            dtype=args.dtype, cls_only=args.cls_only, batch_size=args.batch_size, question_limit=args.question_limit,
            split_file=args.split_file, split_part=args.split_part, append=args.append, progress=not args.quiet)
        summary = extract(encoder, options)
    except ExtractError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"{summary.output}: +{summary.windows_added} windows from {summary.questions_added} questions "
          f"({summary.questions_skipped} already in the store); {summary.total_windows} windows in total")
    return 0
