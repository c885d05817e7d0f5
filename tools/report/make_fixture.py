"""Expected values for the report tests, computed with NumPy (outside the TypeScript code under test).

Writes test/fixtures/report/layer-mix.json: a softmax layer mix from seeded logits (25 layers, like BERT-large's
embeddings + 24 layers), its center of gravity (Tenney et al.: sum_l l * w_l), and the same for a subset of layers.
Run: .venv/bin/python tools/report/make_fixture.py
"""
import json
import pathlib

import numpy as np

rng = np.random.default_rng(2026)
logits = rng.normal(0.0, 1.0, size=25)
weights = np.exp(logits - logits.max())
weights /= weights.sum()
subset = np.array([0, 6, 12, 18, 24])
sub_w = weights[subset] / weights[subset].sum()
out = {
    "weights": weights.tolist(),
    "center_of_gravity": float(np.sum(np.arange(25) * weights) / np.sum(weights)),
    "subset_indices": subset.tolist(),
    "subset_weights": sub_w.tolist(),
    "subset_center_of_gravity": float(np.sum(subset * sub_w) / np.sum(sub_w)),
}
path = pathlib.Path(__file__).resolve().parents[2] / "test" / "fixtures" / "report" / "layer-mix.json"
path.write_text(json.dumps(out, indent=1) + "\n")
print(f"wrote {path}")
