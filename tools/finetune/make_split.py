#!/usr/bin/env python3
"""Write the fixed article split of SQuAD 2.0 dev: ``python tools/finetune/make_split.py --help``."""

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "extract")]

from bertvision_finetune.split import DEFAULT_EVAL_ARTICLES, DEFAULT_SEED, make_split, write_split  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--squad", type=Path, required=True, help="SQuAD 2.0 dev JSON")
    parser.add_argument("--output", type=Path, default=Path("data/squad-dev-split.json"))
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--eval-articles", type=int, default=DEFAULT_EVAL_ARTICLES)
    args = parser.parse_args()
    split = make_split(args.squad, args.seed, args.eval_articles)
    write_split(split, args.output)
    for name, part in split["parts"].items():
        print(f"{name}: {part['articles']} articles, {part['questions']} questions "
              f"({part['answerable']} answerable, {part['unanswerable']} unanswerable)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
