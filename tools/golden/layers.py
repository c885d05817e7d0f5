"""Golden values for bertvision's tfjs layers, computed by Keras 2 (tf_keras) / TensorFlow / NumPy.

Re-creates the seed's layers (cbenge509/BERTVision, code/tensorflow/utils/model_zoo.py, as described in
reference/bertvision-spec.md §1) in Keras at small sizes, feeds fixed inputs and weights from a seeded NumPy RNG,
and records outputs and gradients of the scalar loss sum(output * R) for a fixed R, for every case the TypeScript
tests check. Writes test/fixtures/golden/layers.json.

Run from the repository root:
  .venv/bin/python tools/golden/layers.py           (rewrites the fixture, atomically)
  .venv/bin/python tools/golden/layers.py --check   (recomputes; exit 1 unless the committed fixture is identical,
                                                     byte for byte: the generator is deterministic)
"""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # deterministic float32 reductions

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402

from seed_keras import AdapterPooler, BertConcat, MeanConcat, gelu_tanh  # noqa: E402

SEED = 20200802
OUT = Path(__file__).resolve().parents[2] / "test" / "fixtures" / "golden" / "layers.json"
rng = np.random.default_rng(SEED)


def normal(shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def enc(array):
    """A tensor as {shape, data} with float32 values (flat, row-major)."""
    a = np.asarray(array, dtype=np.float32)
    return {"shape": list(a.shape), "data": [float(v) for v in a.reshape(-1)]}


# --- helpers ------------------------------------------------------------------------------------------------------


def run_layer(layer, x, weights, transform=None):
    """Build `layer` on the (optionally transformed) input, set `weights`, and return output and gradients of
    sum(out * R) with respect to each weight and to the ORIGINAL input x."""
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        inner = transform(xt) if transform is not None else xt
        if not layer.built:
            layer(inner)  # build
            if weights:
                layer.set_weights(weights)
        out = layer(inner)
        r = normal(out.shape)
        loss = tf.reduce_sum(out * r)
    grads = tape.gradient(loss, layer.trainable_weights + [xt])
    return out.numpy(), r, [g.numpy() for g in grads]


def weight_dict(layer, values):
    names = [w.name.split("/")[-1].split(":")[0] for w in layer.trainable_weights]
    return {name: enc(v) for name, v in zip(names, values)}


cases = {}


def bert_concat_case(name, shape, layer_axis, subset):
    x = normal(shape)
    size = shape[layer_axis]
    selected = list(range(size)) if subset is None else subset
    w = normal((len(selected),), 0.8)
    gamma = np.array([1.3], np.float32)

    def to_reference_layout(t):
        # Reference: the seed's layer on the input with the layer axis moved last and the subset gathered.
        perm = [i for i in range(len(shape)) if i != layer_axis % len(shape)] + [layer_axis % len(shape)]
        return tf.gather(tf.transpose(t, perm), selected, axis=-1)

    layer = BertConcat(name="bert_concat")
    out, r, grads = run_layer(layer, x, [w, gamma], to_reference_layout)
    # The notebook's form reduce_sum(x * softmax(w), -1) * t must agree with tensordot.
    alt = tf.reduce_sum(to_reference_layout(x) * tf.nn.softmax(w), -1) * gamma
    assert np.allclose(alt.numpy(), out, atol=1e-5), name
    cases[name] = {
        "args": {"layerAxis": layer_axis, "layers": subset},
        "input": enc(x),
        "weights": {"weights": enc(w), "probes": enc(gamma)},
        "mixWeights": enc(tf.nn.softmax(w).numpy()),
        "output": enc(out),
        "R": enc(r),
        "grads": {"weights": enc(grads[0]), "probes": enc(grads[1]), "input": enc(grads[2])},
    }


def mean_concat_case(name, shape, layer_axis, subset):
    x = normal(shape)
    size = shape[layer_axis]
    selected = list(range(size)) if subset is None else subset
    perm = [i for i in range(len(shape)) if i != layer_axis % len(shape)] + [layer_axis % len(shape)]
    out, r, grads = run_layer(MeanConcat(), x, [], lambda t: tf.gather(tf.transpose(t, perm), selected, axis=-1))
    assert np.allclose(out, np.take(np.moveaxis(x, layer_axis, -1), selected, axis=-1).mean(-1), atol=1e-6)
    cases[name] = {
        "args": {"layerAxis": layer_axis, "layers": subset},
        "input": enc(x),
        "output": enc(out),
        "R": enc(r),
        "grads": {"input": enc(grads[0])},
    }


def adapter_case(name, shared, activation_name, activation):
    b, s, e, l, a = 2, 3, 8, 5, 4
    x = normal((b, s, e, l))
    if shared:
        kernel, bias = normal((e, a), 0.5), normal((a,), 0.3)
    else:
        kernel, bias = normal((l, e, a), 0.5), normal((l, a), 0.3)
    layer = AdapterPooler(a, shared_weights=shared, activation=activation, name="adapter_pooler")
    out, r, grads = run_layer(layer, x, [kernel, bias])
    # Independent check of the layout: the einsum of reference/bertvision-spec.md §10.
    pre = np.einsum("bsel,ea->bsal", x, kernel) + bias[None, None, :, None] if shared else (
        np.einsum("bsel,lea->bsal", x, kernel) + bias.T[None, None, :, :])
    assert np.allclose(activation(tf.constant(pre)).numpy(), out, atol=1e-5), name
    n_params = sum(int(np.prod(w.shape)) for w in layer.trainable_weights)
    cases[name] = {
        "args": {"adapterDim": a, "sharedWeights": shared, "activation": activation_name},
        "params": n_params,
        "input": enc(x),
        "weights": {"kernel": enc(kernel), "bias": enc(bias)},
        "output": enc(out),
        "R": enc(r),
        "grads": {"kernel": enc(grads[0]), "bias": enc(grads[1]), "input": enc(grads[2])},
    }


def select_channel_case(name, shape, index, axis):
    x = normal(shape)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        # The seed's skip is inp[..., -1]: plain (negative) indexing on the chosen axis.
        key = tuple([slice(None)] * (axis % len(shape)) + [index])
        out = xt[key]
        r = normal(out.shape)
        loss = tf.reduce_sum(out * r)
    grad = tape.gradient(loss, xt)
    cases[name] = {
        "args": {"index": index, "axis": axis},
        "input": enc(x),
        "output": enc(out.numpy()),
        "R": enc(r),
        "grads": {"input": enc(grad.numpy())},
    }


def split_start_end_case():
    x = normal((2, 3, 2))
    start, end = tf.unstack(tf.constant(x), axis=-1)  # the seed: split on the last axis, squeeze
    cases["split_start_end"] = {"input": enc(x), "start": enc(start.numpy()), "end": enc(end.numpy())}


def gelu_case():
    x = np.linspace(-5, 5, 41, dtype=np.float32)
    xt = tf.constant(x)
    out = {}
    for key, fn in (("tanh", lambda t: tf.nn.gelu(t, approximate=True)), ("erf", lambda t: tf.nn.gelu(t, approximate=False))):
        with tf.GradientTape() as tape:
            tape.watch(xt)
            y = fn(xt)
            total = tf.reduce_sum(y)
        out[key] = enc(y.numpy())
        out[f"{key}Grad"] = enc(tape.gradient(total, xt).numpy())
    assert np.allclose(gelu_tanh(xt).numpy(), out["tanh"]["data"], atol=1e-6)
    cases["gelu"] = {"input": enc(x), **out}


def tenney_small_case():
    """The seed's binary 'Tenney small': Input(1, E, L) -> BertConcat -> squeeze(1) -> Dense(2) (logits)."""
    e, l = 8, 5
    inp = keras.Input((1, e, l))
    h = BertConcat(name="bert_concat")(inp)
    h = keras.layers.Lambda(lambda t: tf.squeeze(t, axis=1))(h)
    logits = keras.layers.Dense(2, name="dense")(h)
    model = keras.Model(inp, logits)
    w, gamma = normal((l,), 0.8), np.array([0.9], np.float32)
    kernel, bias = normal((e, 2), 0.5), normal((2,), 0.1)
    model.set_weights([w, gamma, kernel, bias])
    x = normal((4, 1, e, l))
    with tf.GradientTape() as tape:
        out = model(x)
        r = normal(out.shape)
        loss = tf.reduce_sum(out * r)
    grads = tape.gradient(loss, model.trainable_weights)
    cases["tenney_small"] = {
        "params": model.count_params(),
        "input": enc(x),
        "weights": {"weights": enc(w), "probes": enc(gamma), "kernel": enc(kernel), "bias": enc(bias)},
        "output": enc(out.numpy()),
        "R": enc(r),
        "grads": {k: enc(g.numpy()) for k, g in zip(("weights", "probes", "kernel", "bias"), grads)},
    }


def _close(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-7)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    return a == b


def main():
    check = sys.argv[1:] == ["--check"]
    if sys.argv[1:] and not check:
        sys.exit(f"usage: {sys.argv[0]} [--check]")
    tf.random.set_seed(SEED)
    keras.utils.set_random_seed(SEED)
    bert_concat_case("bert_concat_last", (2, 3, 8, 5), -1, None)
    bert_concat_case("bert_concat_axis1", (2, 5, 3, 4), 1, None)
    bert_concat_case("bert_concat_subset", (2, 3, 8, 5), -1, [4, 1, 3])
    bert_concat_case("bert_concat_axis2_subset", (2, 3, 6, 4), 2, [0, 2, 5])
    mean_concat_case("mean_concat_last", (2, 3, 8, 5), -1, None)
    mean_concat_case("mean_concat_axis1_subset", (2, 5, 3, 4), 1, [3, 0, 4])
    adapter_case("adapter_shared_gelu_tanh", True, "gelu_tanh", gelu_tanh)
    adapter_case("adapter_unshared_gelu_tanh", False, "gelu_tanh", gelu_tanh)
    adapter_case("adapter_shared_gelu", True, "gelu", lambda t: tf.nn.gelu(t, approximate=False))
    adapter_case("adapter_unshared_linear", False, "linear", lambda t: t)
    select_channel_case("select_channel_last", (2, 3, 8, 5), -1, -1)
    select_channel_case("select_channel_axis1", (2, 5, 3, 4), 2, 1)
    split_start_end_case()
    gelu_case()
    tenney_small_case()
    payload = {
        "generator": "tools/golden/layers.py",
        "versions": {"tensorflow": tf.__version__, "tf_keras": keras.__version__, "numpy": np.__version__,
                     "python": sys.version.split()[0]},
        "seed": SEED,
        "loss": "sum(output * R); grads are d loss / d weight (and d loss / d input)",
        "cases": cases,
    }
    text = json.dumps(payload, separators=(",", ":")) + "\n"
    if check:
        # TensorFlow's CPU kernels (oneDNN, Eigen) pick code paths by CPU, so float32 results may differ in the last
        # bits between machines (float32 gradient sums with cancellation differed by 2e-5 relative): floats are compared
        # to 1e-4 relative, 1e-7 absolute (the TS tests hold gradients to 1e-4), everything else exactly.
        if not OUT.exists() or (OUT.read_text() != text and not _close(json.loads(OUT.read_text()), json.loads(text))):
            sys.exit(f"{OUT}: differs from what {payload['generator']} computes now; regenerate it and review the diff")
        print(f"{OUT}: reproducible ({len(cases)} cases)")
        return
    OUT.parent.mkdir(parents=True, exist_ok=True)
    tmp = OUT.with_suffix(".json.tmp")
    tmp.write_text(text)
    tmp.replace(OUT)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(cases)} cases)")


if __name__ == "__main__":
    main()
