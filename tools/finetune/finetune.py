#!/usr/bin/env python3
"""Fine-tune a BERT-family model for SQuAD 2.0 span QA: ``python tools/finetune/finetune.py --help``."""

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "extract")]

from bertvision_extract.windows import WindowSettings  # noqa: E402
from bertvision_finetune.train import FinetuneOptions, finetune  # noqa: E402


def main() -> int:
    d = FinetuneOptions("", Path(), Path())
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--model", required=True, help="HF model directory or hub id (offline cache)")
    parser.add_argument("--squad", type=Path, required=True, help="SQuAD 2.0-format JSON")
    parser.add_argument("--split-file", type=Path, help="split file (data/squad-dev-split.json) to train on one part")
    parser.add_argument("--split-part", default="train", help="part of the split to train on")
    parser.add_argument("--output-dir", type=Path, required=True, help="checkpoints and train_log.json go here")
    parser.add_argument("--epochs", type=float, default=d.epochs, help="training budget in epochs (may be < 1)")
    parser.add_argument("--save-every", type=float, default=d.save_every, help="checkpoint interval in epochs")
    parser.add_argument("--batch-size", type=int, default=d.batch_size)
    parser.add_argument("--learning-rate", type=float, default=d.learning_rate)
    parser.add_argument("--warmup-fraction", type=float, default=d.warmup_fraction)
    parser.add_argument("--weight-decay", type=float, default=d.weight_decay)
    parser.add_argument("--seed", type=int, default=d.seed)
    parser.add_argument("--max-seq-length", type=int, default=d.windows.max_seq_length)
    parser.add_argument("--doc-stride", type=int, default=d.windows.doc_stride)
    parser.add_argument("--precision", choices=("fp32", "bf16"), default=d.precision,
                        help="bf16: forward pass under torch's bfloat16 autocast (about 1.4x faster on CPUs with AVX-512 BF16)")
    parser.add_argument("--device", default=d.device, help="auto (CUDA when present, else CPU), cpu, cuda, cuda:1 …")
    parser.add_argument("--stop-after-steps", type=int, help="end this invocation after N more steps; rerun to resume")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args()
    if args.epochs <= 0 or args.save_every <= 0 or args.batch_size < 1:
        parser.error("--epochs and --save-every must be > 0 and --batch-size >= 1")
    options = FinetuneOptions(
        model=args.model, squad_file=args.squad, output_dir=args.output_dir, split_file=args.split_file,
        split_part=args.split_part, windows=WindowSettings(args.max_seq_length, args.doc_stride), epochs=args.epochs,
        save_every=args.save_every, batch_size=args.batch_size, learning_rate=args.learning_rate,
        warmup_fraction=args.warmup_fraction, weight_decay=args.weight_decay, seed=args.seed, progress=not args.quiet,
        device=args.device, precision=args.precision, stop_after_steps=args.stop_after_steps)
    if (options.output_dir / "run.json").is_file():
        print(f"{options.output_dir}: resuming the run recorded in run.json", file=sys.stderr)
    for record in finetune(options):
        print(f"{record['path']}: step {record['step']}, mean loss (last 10 steps) {record['mean_loss_last_10']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
