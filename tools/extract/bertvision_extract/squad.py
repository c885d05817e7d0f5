"""Reading SQuAD 2.0-format JSON into flat examples, optionally restricted to one part of a split file."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import SquadFormatError


@dataclass(frozen=True)
class Answer:
    """One gold answer: its text and character start in the context."""

    text: str
    start: int


@dataclass(frozen=True)
class Example:
    """One SQuAD question with its context; ``answers`` is empty for an unanswerable question."""

    qid: str
    title: str
    question: str
    context: str
    answers: tuple[Answer, ...]


def sha256_of_file(path: Path, chunk_bytes: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks of ``chunk_bytes`` (default 1 MiB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk_bytes):
            digest.update(block)
    return digest.hexdigest()


def _load_json(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise SquadFormatError("file not found", str(path)) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise SquadFormatError(f"not valid UTF-8 JSON ({err})", str(path)) from None


def _answer(raw: Any, qid: str, context: str, path: Path) -> Answer:
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str) or not isinstance(raw.get("answer_start"), int):
        raise SquadFormatError(f"question {qid}: an answer lacks a string 'text' or an int 'answer_start'", str(path))
    start, text = raw["answer_start"], raw["text"]
    if start < 0 or context[start : start + len(text)] != text:
        raise SquadFormatError(f"question {qid}: answer {text!r} is not at character {start} of its context", str(path))
    return Answer(text=text, start=start)


def load_examples(path: Path, titles: frozenset[str] | None = None) -> list[Example]:
    """All questions of a SQuAD 2.0 JSON in file order; with ``titles`` (default None = all), only those articles.

    Raises SquadFormatError naming the file for a missing file, invalid JSON, a missing field, a duplicate question
    id, or a gold answer whose text is not found at its ``answer_start``.
    """
    root = _load_json(path)
    if not isinstance(root, dict) or not isinstance(root.get("data"), list):
        raise SquadFormatError("no top-level 'data' list: not a SQuAD-format JSON", str(path))
    examples: list[Example] = []
    seen: set[str] = set()
    for article in root["data"]:
        title = article.get("title") if isinstance(article, dict) else None
        if not isinstance(title, str) or not isinstance(article.get("paragraphs"), list):
            raise SquadFormatError("an article lacks a string 'title' or a 'paragraphs' list", str(path))
        if titles is not None and title not in titles:
            continue
        for paragraph in article["paragraphs"]:
            context = paragraph.get("context") if isinstance(paragraph, dict) else None
            if not isinstance(context, str) or not isinstance(paragraph.get("qas"), list):
                raise SquadFormatError(f"article {title!r}: a paragraph lacks 'context' or 'qas'", str(path))
            for qa in paragraph["qas"]:
                qid = qa.get("id") if isinstance(qa, dict) else None
                if not isinstance(qid, str) or not isinstance(qa.get("question"), str):
                    raise SquadFormatError(f"article {title!r}: a question lacks a string 'id' or 'question'", str(path))
                if qid in seen:
                    raise SquadFormatError(f"duplicate question id {qid}", str(path))
                seen.add(qid)
                impossible = bool(qa.get("is_impossible", False))
                answers = () if impossible else tuple(_answer(a, qid, context, path) for a in qa.get("answers", []))
                examples.append(Example(qid, title, qa["question"], context, answers))
    return examples


def load_split_titles(split_path: Path, part: str) -> frozenset[str]:
    """The article titles of one part (e.g. ``"train"`` or ``"eval"``) of a split file like data/squad-dev-split.json."""
    root = _load_json(split_path)
    parts = root.get("parts") if isinstance(root, dict) else None
    if not isinstance(parts, dict):
        raise SquadFormatError("no 'parts' object: not a bertvision split file", str(split_path))
    entry = parts.get(part)
    if not isinstance(entry, dict) or not isinstance(entry.get("titles"), list):
        raise SquadFormatError(f"no part {part!r} with a 'titles' list (parts: {sorted(parts)})", str(split_path))
    return frozenset(str(t) for t in entry["titles"])
