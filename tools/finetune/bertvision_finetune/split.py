"""The fixed article-level split of the SQuAD 2.0 dev set into a training part and an evaluation part.

Method (documented in docs/extraction.md): sort the article titles, shuffle them with ``random.Random(seed)``, the
first ``eval_articles`` titles form the evaluation part, the rest the training part. Whole articles stay together,
so no context is shared between the parts.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from bertvision_extract.atomic import write_json_atomic
from bertvision_extract.squad import load_examples, sha256_of_file

DEFAULT_SEED = 20200802  # the date the seed's paper was built (2020-08-02)
DEFAULT_EVAL_ARTICLES = 7  # 7 of the 35 dev articles, 20 %


def _part(titles: list[str], counts: dict[str, tuple[int, int]]) -> dict[str, Any]:
    answerable = sum(counts[t][0] for t in titles)
    unanswerable = sum(counts[t][1] for t in titles)
    return {"titles": titles, "articles": len(titles), "questions": answerable + unanswerable,
            "answerable": answerable, "unanswerable": unanswerable}


def make_split(squad_file: Path, seed: int = DEFAULT_SEED, eval_articles: int = DEFAULT_EVAL_ARTICLES) -> dict[str, Any]:
    """The split of ``squad_file`` as a JSON-ready dict (titles of each part in shuffled order, question counts)."""
    counts: dict[str, tuple[int, int]] = {}
    for ex in load_examples(squad_file):
        answerable, unanswerable = counts.get(ex.title, (0, 0))
        counts[ex.title] = (answerable + 1, unanswerable) if ex.answers else (answerable, unanswerable + 1)
    titles = sorted(counts)
    if not 0 < eval_articles < len(titles):
        raise ValueError(f"eval_articles must be between 1 and {len(titles) - 1}, not {eval_articles}")
    random.Random(seed).shuffle(titles)
    return {
        "description": "Fixed article-level split of the SQuAD 2.0 dev set (see docs/extraction.md).",
        "source": {"file": squad_file.name, "sha256": sha256_of_file(squad_file)},
        "method": f"sorted titles, random.Random({seed}).shuffle, first {eval_articles} = eval, rest = train",
        "seed": seed,
        "parts": {"train": _part(titles[eval_articles:], counts), "eval": _part(titles[:eval_articles], counts)},
    }


def write_split(split: dict[str, Any], target: Path) -> None:
    """Write the split JSON atomically (temporary file in the same directory, then rename)."""
    write_json_atomic(split, target)
