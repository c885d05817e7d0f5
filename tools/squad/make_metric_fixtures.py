"""Golden values for bertvision's SQuAD metric, computed with Python's own string and float semantics.

Writes test/fixtures/squad/metric-golden.json:
  - normalize: adversarial Unicode strings -> normalize_answer(s) and its tokens (Python str.lower, string.punctuation,
    re.sub(r'\\b(a|an|the)\\b', ' ', flags=re.UNICODE), str.split());
  - pairs: (gold, pred) -> exact, f1 as the official scorer defines them (official_algorithm.py, re-implemented
    from the prose of shared/reference/squad-v2-scoring.md §2, in plain Python);
  - codepoints: Python's whitespace code points, the ranges where re's \\w matches, and the ranges of code points
    assigned in Python's Unicode database (unicodedata.unidata_version), to compare classifications;
  - float_repr: repr(x) / json.dumps for awkward floats;
  - dumps: json.dumps(output, indent=2) and json.dumps(output) of every official output in
    data/squad/reference_eval_outputs.json (the exact text evaluate-v2.0.py prints / writes).
Run: cd tools/squad && ../../.venv/bin/python make_metric_fixtures.py [--check]
"""
import json
import pathlib
import random
import re
import sys
import unicodedata

from fixture_io import write_or_check
from official_algorithm import exact, f1, normalize_answer, tokens

ROOT = pathlib.Path(__file__).resolve().parents[2]
SQUAD = ROOT / "data" / "squad"
OUT = ROOT / "test" / "fixtures" / "squad" / "metric-golden.json"

ADVERSARIAL = [
    "", " ", "the", "A", ".", "The U.S.", "state-of-the-art", "2,000", "an apple a day", "théâtre", "éthe", "the é",
    "xthe", "the_the", "_the_", "the\u0301", "e\u0301the", "the\u00a0end", "a\u2003b", "a\u200bb", "a\ufeffb",
    "a\x1cb\x1dc\x1ed\x1ff", "a\x85b", "a\u2028b\u2029c", "a\u3000the\u3000b", "a\u180eb", "ΣΑΣ the ΟΔΟΣ", "ΟΔΟΣ.",
    "İstanbul", "ǅemal", "ǈ", "ß straße", "ﬁnal", "Ⅷ the Ⅻ", "the²", "²the", "٣the", "the٣", "an\u0660",
    "「the」", "the–end", "the—end", "’the’", "“The”", "·the·", "the…", "ꙮthe", "𝐀 the 𝐁", "𝔄𝔫 the", "🙂the🙂",
    "the\U0001f642", "\U0001f642 a \U0001f642", "\ud800", "x\udfffthe", "ｔｈｅ", "ＴＨＥ ａ", "A\tB\nC\rD\x0bE\x0cF",
    "\x00the\x00", "the\x7f", "Ꭰthe", "ꭰ", "ǰ", "ΐ", "ﬀ", "Å", "K", "Ω", "ϴ", "ẞ", "ⓐ the ⓑ", "ⅰ the",
    "a.an.the", "a,an;the", "the-the", "the'the", "(the)", "[a]", "{an}", "the\u2060end", "the\u00adend",
    "Ａ ＴＨＥ", "ﾃﾞ the", "Chữ Quốc ngữ", "the 1990s", "1,024.5", "$5", "5%", "#1", "@the", "the@", "~the~",
]
POOL = list("aAnNtThHeE .,-'\"_") + [
    "\u00a0", "\u2003", "\u200b", "\ufeff", "\x1c", "\x85", "\u3000", "\u0301", "é", "É", "Σ", "ς", "İ", "ß", "ﬁ",
    "²", "٣", "–", "’", "\u2028", "ǅ", "ꙮ", "𝐀", "🙂", "\u2060", "\u00ad", "Ⅷ", "ｔ", "\t", "\n",
]


# Ordered, nested, with ints, floats, empty containers, booleans, null and non-ASCII (json.dumps formatting check).
NESTED = {"10": [1, 2.5, {"b": [], "c": {}}], "a": {"x": None, "y": True, "z": False}, "é": "\U0001f642", "2": -0.0}


def codepoint_tables():
    word_ranges, assigned_ranges, spaces = [], [], []

    def add(ranges, cp):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])

    word = re.compile(r"\w", re.UNICODE)
    for cp in range(0x110000):
        ch = chr(cp)
        if unicodedata.category(ch) != "Cn":
            add(assigned_ranges, cp)
        if word.match(ch):
            add(word_ranges, cp)
        if ch.isspace():
            spaces.append(cp)
    return {"unidata_version": unicodedata.unidata_version, "whitespace": spaces, "word_ranges": word_ranges,
            "assigned_ranges": assigned_ranges}


def main():
    rng = random.Random(20261126)
    fuzz = ["".join(rng.choice(POOL) for _ in range(rng.randint(0, 14))) for _ in range(600)]
    strings = ADVERSARIAL + fuzz
    normalize = [[s, normalize_answer(s), tokens(s)] for s in strings]
    pairs = []
    for _ in range(800):
        g, p = rng.choice(strings), rng.choice(strings)
        if rng.random() < 0.3:  # overlapping pairs, so F1 takes non-trivial values
            p = g + " " + rng.choice(strings)
        pairs.append([g, p, exact(g, p), f1(g, p)])
    floats = [0.0, -0.0, 1.0, 100.0, 0.0002, 1e-05, 1.5e-05, 0.0001, 1e16, 1e15, 1234567890123456.0, 12345678901234567.0,
              1e22, 1.7976931348623157e308, 5e-324, 0.1, 1 / 3, 62.59971846114533, 0.00019999999494757503, -2.5e-07,
              123.456, 1e-4, 9.999999999999999e-05, 1e100, -1e-100]
    reference = json.loads((SQUAD / "reference_eval_outputs.json").read_text())
    dumps = {name: {"indent2": json.dumps(v["output"], indent=2), "plain": json.dumps(v["output"])}
             for name, v in reference.items() if isinstance(v, dict) and "args" in v}
    result = {
        "generator": "tools/squad/make_metric_fixtures.py",
        "python": sys.version.split()[0],
        "adversarial_count": len(ADVERSARIAL),
        "normalize": normalize,
        "pairs": pairs,
        "codepoints": codepoint_tables(),
        "float_repr": [[x, repr(x), json.dumps(x)] for x in floats],
        "nested": {"indent4": json.dumps(NESTED, indent=4), "plain": json.dumps(NESTED)},
        "json_strings": [[s, json.dumps(s)] for s in ADVERSARIAL + ["\x7f\x00\x1f\b\f", "\U0001f642\ud800", "\u2028"]],
        "dumps": dumps,
    }
    write_or_check(OUT, json.dumps(result, ensure_ascii=True, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
