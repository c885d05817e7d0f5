"""Write data/squad-dev-subset.json: the SQuAD 2.0 dev articles/paragraphs/questions that the shipped MiniLM stores
(data/minilm/*) cover, in the official file's structure and order, so that the examples and the CLI run on the
shipped data alone (contexts for span decoding, gold answers for the metric). SQuAD 2.0 is CC BY-SA 4.0
(Rajpurkar, Jia and Liang 2018); this subset keeps that licence (see data/README.md).

Run: .venv/bin/python tools/eval/make_squad_subset.py [--check]
"""
import json
import pathlib
import sys

import h5py
from safetensors import safe_open

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "squad"))
from fixture_io import write_or_check  # noqa: E402

SQUAD = ROOT / "data" / "squad" / "dev-v2.0.json"
OUT = ROOT / "data" / "squad-dev-subset.json"


def store_ids(path):
    if path.suffix == ".h5":
        with h5py.File(path, "r") as f:
            return json.loads(f.attrs["bertvision_metadata"])["example_ids"]
    with safe_open(str(path), framework="numpy") as f:
        return json.loads(f.metadata()["bertvision"])["example_ids"]


def main():
    wanted = set()
    for path in sorted((ROOT / "data" / "minilm").iterdir()):
        if path.suffix in (".h5", ".safetensors"):
            wanted.update(store_ids(path))
    source = json.load(open(SQUAD))
    data = []
    for article in source["data"]:
        paragraphs = []
        for p in article["paragraphs"]:
            qas = [qa for qa in p["qas"] if qa["id"] in wanted]
            if qas:
                paragraphs.append({"qas": qas, "context": p["context"]})
        if paragraphs:
            data.append({"title": article["title"], "paragraphs": paragraphs})
    found = sum(len(p["qas"]) for a in data for p in a["paragraphs"])
    if found != len(wanted):
        print(f"only {found} of {len(wanted)} store questions are in {SQUAD}", file=sys.stderr)
        return 1
    write_or_check(OUT, json.dumps({"version": source["version"], "data": data}) + "\n")
    return 0

if __name__ == "__main__":
    sys.exit(main())
