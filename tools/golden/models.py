"""Golden values for bertvision's model builders, computed with Keras (tf_keras), independently of the TS code.

Rebuilds the seed's heads (bertvision-spec.md §1, §3.1, §3.2) in Keras, the way the seed wrote them:
BertConcat = gamma * tensordot(softmax(w), x, last axis); MeanConcat = reduce_mean over the last axis;
AdapterPooler = reshape (B*S, E, L) -> transpose -> TimeDistributed(Dense(A)) (shared) or LocallyConnected1D(A, 1)
(unshared) -> tanh-GELU -> transpose -> reshape (B, S, A, L); skip = concat of x[..., -1]; span heads = a
position-wise Dense(2) split into start/end logits.

Writes test/fixtures/golden/models.json:
  * fullSizeCounts: Keras' own parameter counts (total/trainable/nonTrainable) for every architecture at the seed size;
  * cases: small models whose weights come from a seeded 32-bit LCG (so the fixture stores seeds, not weights),
    fixed inputs and labels, Keras' outputs (inference mode), the training loss and its gradients (training mode)
    w.r.t. the BertConcat mix weights and the head kernel.

Run:  .venv/bin/python tools/golden/models.py           (rewrites the fixture)
      .venv/bin/python tools/golden/models.py --check   (recomputes; exit 1 unless the committed fixture agrees:
                                                          counts exactly, numbers within 1e-6)
      .venv/bin/python tools/golden/models.py --verify-saved DIR   (models saved by tools/golden/models-save.ts:
                                                          rebuild each in Keras from model.json + weights.bin alone and
                                                          compare predictions within 1e-5 · max(1, |y|))
"""

from __future__ import annotations

import json
import math
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np
import tensorflow as tf
import tf_keras as keras

from seed_keras import AdapterPooler, BertConcat, MeanConcat  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "golden", "models.json")

LCG_A = 1664525
LCG_C = 1013904223


def lcg_uniform(seed: int, n: int) -> np.ndarray:
    """n draws u in [-1, 1) (exact in float32): x <- (a*x + c) mod 2^32 before each draw, u = (x >> 8) / 2^23 - 1."""
    out = np.empty(n, dtype=np.float64)
    x = seed & 0xFFFFFFFF
    for i in range(n):
        x = (LCG_A * x + LCG_C) & 0xFFFFFFFF
        out[i] = (x >> 8) / 8388608.0 - 1.0
    return out


def lcg_values(spec: dict, n: int) -> np.ndarray:
    u = lcg_uniform(spec["seed"], n)
    if spec["abs"]:
        u = np.abs(u)
    return (spec["offset"] + spec["scale"] * u).astype(np.float32)


def skip_of(inp):
    return keras.layers.Lambda(lambda t: t[..., -1], name="skip")(inp)


# ---------------------------------------------------------------- binary heads (spec §3.1)


def binary_pooled_adapter(input_shape, adapter_dim, pool):
    s, e, n_layers = input_shape
    inp = keras.Input(shape=input_shape, name="activations")
    skip = skip_of(inp)
    x = BertConcat(name="bert_concat")(inp) if pool == "tenney" else MeanConcat(name="mean_concat")(inp)
    x = keras.layers.Reshape((s, e, 1), name="expand_layers")(x)
    x = AdapterPooler(adapter_dim, name="adapter_pooler")(x)
    x = keras.layers.Reshape((s, adapter_dim), name="flatten_adapter")(x)
    x = keras.layers.Concatenate(axis=-1, name="concat_skip")([x, skip])
    x = keras.layers.Flatten(name="flatten")(x)
    return keras.Model(inp, keras.layers.Dense(2, name="head")(x))


def tenney_small(input_shape):
    inp = keras.Input(shape=input_shape, name="activations")
    x = keras.layers.Flatten(name="flatten")(BertConcat(name="bert_concat")(inp))
    return keras.Model(inp, keras.layers.Dense(2, name="head")(x))


def conv_bn(x, filters, kernel, strides, padding, name, relu=True):
    x = keras.layers.Conv2D(filters, kernel, strides=strides, padding=padding, use_bias=False, name=name)(x)
    x = keras.layers.BatchNormalization(name=f"{name}_bn")(x)
    return keras.layers.Activation("relu", name=f"{name}_act")(x) if relu else x


def sep_bn(x, filters, name, relu_before=False):
    if relu_before:
        x = keras.layers.Activation("relu", name=f"{name}_act")(x)
    x = keras.layers.SeparableConv2D(filters, (1, 3), padding="same", use_bias=False, name=name)(x)
    return keras.layers.BatchNormalization(name=f"{name}_bn")(x)


def pool(x, name):
    return keras.layers.AveragePooling2D((1, 3), strides=(1, 2), padding="same", name=name)(x)


def residual(x, filters, name):
    x = keras.layers.Conv2D(filters, (1, 1), strides=(1, 2), padding="same", use_bias=False, name=name)(x)
    return keras.layers.BatchNormalization(name=f"{name}_bn")(x)


def xception_abbreviated(input_shape, cls_residual):
    inp = keras.Input(shape=input_shape, name="activations")
    x = conv_bn(inp, 64, (1, 3), (1, 3), "valid", "block1_conv1")
    a = conv_bn(x, 128, (1, 3), (1, 1), "valid", "block1_conv2")
    res = residual(a, 512, "block2_residual")
    x = keras.layers.Activation("relu", name="block2_sepconv1_act")(sep_bn(a, 256, "block2_sepconv1"))
    x = pool(sep_bn(x, 512, "block2_sepconv2"), "block2_pool")
    x = keras.layers.Add(name="block2_add")([x, res])
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    if cls_residual:
        cls = keras.layers.Flatten(name="flatten_skip")(skip_of(inp))
        x = keras.layers.Concatenate(axis=-1, name="concat_skip")([x, cls])
    return keras.Model(inp, keras.layers.Dense(2, name="head")(x))


def xception_full(input_shape):
    inp = keras.Input(shape=input_shape, name="activations")
    x = conv_bn(inp, 32, (1, 3), (1, 3), "valid", "block1_conv1")
    x = conv_bn(x, 64, (1, 3), (1, 1), "valid", "block1_conv2")
    for block, filters, first_relu in ((2, 128, False), (3, 256, True), (4, 728, True)):
        res = residual(x, filters, f"block{block}_residual")
        y = sep_bn(x, filters, f"block{block}_sepconv1", relu_before=first_relu)
        y = sep_bn(y, filters, f"block{block}_sepconv2", relu_before=True)
        x = keras.layers.Add(name=f"block{block}_add")([pool(y, f"block{block}_pool"), res])
    for block in range(5, 13):
        y = x
        for i in (1, 2, 3):
            y = sep_bn(y, 728, f"block{block}_sepconv{i}", relu_before=True)
        x = keras.layers.Add(name=f"block{block}_add")([y, x])
    res = residual(x, 1024, "block13_residual")
    y = sep_bn(x, 728, "block13_sepconv1", relu_before=True)
    y = sep_bn(y, 1024, "block13_sepconv2", relu_before=True)
    x = keras.layers.Add(name="block13_add")([pool(y, "block13_pool"), res])
    x = keras.layers.Activation("relu", name="block14_sepconv1_act")(sep_bn(x, 1536, "block14_sepconv1"))
    x = keras.layers.Activation("relu", name="block14_sepconv2_act")(sep_bn(x, 2048, "block14_sepconv2"))
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    return keras.Model(inp, keras.layers.Dense(2, name="head")(x))


# ---------------------------------------------------------------- span heads (spec §3.2)


def span_outputs(inp, x):
    logits = keras.layers.Dense(2, name="head")(x)
    start = keras.layers.Lambda(lambda t: t[..., 0], name="start_logits")(logits)
    end = keras.layers.Lambda(lambda t: t[..., 1], name="end_logits")(logits)
    return keras.Model(inp, [start, end])


def span_pooling(input_shape, pool_kind):
    inp = keras.Input(shape=input_shape, name="activations")
    x = BertConcat(name="bert_concat")(inp) if pool_kind == "tenney" else MeanConcat(name="mean_concat")(inp)
    return span_outputs(inp, x)


def span_adapter(input_shape, adapter_dim, shared, skip):
    s, e, n_layers = input_shape
    inp = keras.Input(shape=input_shape, name="activations")
    x = AdapterPooler(adapter_dim, shared_weights=shared, name="adapter_pooler")(inp)
    x = keras.layers.Reshape((s, adapter_dim * n_layers), name="flatten_adapter")(x)
    if skip:
        x = keras.layers.Concatenate(axis=-1, name="concat_skip")([x, skip_of(inp)])
    return span_outputs(inp, x)


def span_pooled_adapter(input_shape, adapter_dim, skip):
    s, e, _ = input_shape
    inp = keras.Input(shape=input_shape, name="activations")
    x = BertConcat(name="bert_concat")(inp)
    x = keras.layers.Reshape((s, e, 1), name="expand_layers")(x)
    x = AdapterPooler(adapter_dim, name="adapter_pooler")(x)
    x = keras.layers.Reshape((s, adapter_dim), name="flatten_adapter")(x)
    if skip:
        x = keras.layers.Concatenate(axis=-1, name="concat_skip")([x, skip_of(inp)])
    return span_outputs(inp, x)


BINARY_SEED = (1, 1024, 26)
SPAN_SEED = (386, 1024, 25)

# name -> (task, builder(input_shape, adapter_dim or None), seed adapter dim)
ARCHITECTURES = {
    "tenney-small": ("binary", lambda s, a: tenney_small(s), None),
    "adapter-pooler-tenney": ("binary", lambda s, a: binary_pooled_adapter(s, a, "tenney"), 386),
    "adapter-pooler-mean": ("binary", lambda s, a: binary_pooled_adapter(s, a, "mean"), 386),
    "xception-abbreviated": ("binary", lambda s, a: xception_abbreviated(s, False), None),
    "xception-abbreviated-cls": ("binary", lambda s, a: xception_abbreviated(s, True), None),
    "xception": ("binary", lambda s, a: xception_full(s), None),
    "learned-pooling": ("span", lambda s, a: span_pooling(s, "tenney"), None),
    "average-pooling": ("span", lambda s, a: span_pooling(s, "mean"), None),
    "adapter-386": ("span", lambda s, a: span_adapter(s, a, True, False), 386),
    "adapter-386-skip": ("span", lambda s, a: span_adapter(s, a, True, True), 386),
    "adapter-386-unshared": ("span", lambda s, a: span_adapter(s, a, False, False), 386),
    "adapter-386-unshared-skip": ("span", lambda s, a: span_adapter(s, a, False, True), 386),
    "adapter-64": ("span", lambda s, a: span_adapter(s, a, True, False), 64),
    "adapter-64-skip": ("span", lambda s, a: span_adapter(s, a, True, True), 64),
    "adapter-64-unshared": ("span", lambda s, a: span_adapter(s, a, False, False), 64),
    "adapter-64-unshared-skip": ("span", lambda s, a: span_adapter(s, a, False, True), 64),
    "learned-pooling-adapter-386": ("span", lambda s, a: span_pooled_adapter(s, a, False), 386),
    "learned-pooling-adapter-386-skip": ("span", lambda s, a: span_pooled_adapter(s, a, True), 386),
}

# Small golden cases: (architecture, input shape, adapter dim); the 386-wide adapters run with A = 4, the 64-wide with 3.
CASES = ([(n, (1, 16, 6), 4 if ARCHITECTURES[n][2] else None)
          for n in ("tenney-small", "adapter-pooler-tenney", "adapter-pooler-mean")]
         + [(n, (1, 48, 6), None) for n in ("xception-abbreviated", "xception-abbreviated-cls")]
         + [(n, (8, 16, 5), {386: 4, 64: 3, None: None}[dim]) for n, (task, _, dim) in ARCHITECTURES.items() if task == "span"])
BATCH = 3


def build(name, input_shape, adapter_dim):
    task, builder, seed_dim = ARCHITECTURES[name]
    return task, builder(tuple(input_shape), adapter_dim if adapter_dim is not None else seed_dim)


def count(model):
    trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
    non_trainable = int(sum(np.prod(w.shape) for w in model.non_trainable_weights))
    return {"total": trainable + non_trainable, "trainable": trainable, "nonTrainable": non_trainable}


def weight_spec(layer, index, weight_name, shape, seed):
    """How to fill one weight: offset + scale * u (|u| for variances), scale ~ 1/sqrt(fan-in)."""
    short = weight_name.split("/")[-1].split(":")[0]
    fan_in = int(np.prod(shape[:2] if short == "depthwise_kernel" else shape[:-1])) if len(shape) > 1 else 1
    spec = {"layer": layer, "index": index, "name": weight_name, "shape": list(shape), "seed": seed,
            "scale": 1.0 / math.sqrt(max(fan_in, 1)), "offset": 0.0, "abs": False}
    if short in ("gamma", "probes", "moving_variance"):
        spec.update(offset=1.0, scale=0.25, abs=short == "moving_variance")
    elif short in ("beta", "moving_mean", "bias"):
        spec.update(scale=0.25)
    elif short == "weights":
        spec.update(scale=1.0)
    return spec


def set_lcg_weights(model, case_index):
    specs = []
    for layer in model.layers:
        values = []
        for index, w in enumerate(layer.weights):
            spec = weight_spec(layer.name, index, w.name, tuple(int(d) for d in w.shape),
                               seed=1000 * (case_index + 1) + len(specs))
            values.append(lcg_values(spec, int(np.prod(w.shape))).reshape(w.shape))
            specs.append(spec)
        if values:
            layer.set_weights(values)
    return specs


def golden_case(case_index, name, input_shape, adapter_dim):
    task, model = build(name, input_shape, adapter_dim)
    specs = set_lcg_weights(model, case_index)
    rng = np.random.default_rng(20260 + case_index)
    x = (rng.integers(-128, 128, (BATCH, *input_shape)) / 64.0).astype(np.float32)  # exact, short in JSON
    out = {"architecture": name, "task": task, "inputShape": list(input_shape), "adapterDim": adapter_dim,
           "batch": BATCH, "weights": specs, "input": x.reshape(-1).tolist()}
    xt = tf.constant(x)
    if task == "binary":
        y = rng.integers(0, 2, BATCH)
        out["labels"] = y.tolist()
        out["outputs"] = {"logits": model(xt, training=False).numpy().reshape(-1).tolist()}
        loss_fn = lambda pred: keras.losses.CategoricalCrossentropy(from_logits=True)(tf.one_hot(y, 2), pred)
    else:
        s = input_shape[0]
        starts, ends = rng.integers(0, s, BATCH), rng.integers(0, s, BATCH)
        out["labels"] = {"start": starts.tolist(), "end": ends.tolist()}
        st, en = model(xt, training=False)
        out["outputs"] = {"start_logits": st.numpy().reshape(-1).tolist(), "end_logits": en.numpy().reshape(-1).tolist()}
        sce = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        loss_fn = lambda pred: sce(starts, pred[0]) + sce(ends, pred[1])
    targets = [(layer.name, i, w) for layer in model.layers for i, w in enumerate(layer.weights)
               if layer.name in ("bert_concat", "head") and i == 0]
    with tf.GradientTape() as tape:
        loss = loss_fn(model(xt, training=True))
    grads = tape.gradient(loss, [w for _, _, w in targets])
    out["loss"] = float(loss.numpy())
    out["gradients"] = [{"layer": ln, "index": i, "values": g.numpy().reshape(-1).tolist()}
                        for (ln, i, _), g in zip(targets, grads)]
    return out


def close(a, b, path="fixture"):
    """Differences between two fixtures: counts/strings exactly, floats within 1e-6 (relative above 1)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{path}: keys {sorted(a)} vs {sorted(b)}"]
        return [d for k in a for d in close(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: length {len(a)} vs {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in close(x, y, f"{path}[{i}]")]
    if isinstance(a, float) or isinstance(b, float):
        return [] if abs(a - b) <= 1e-6 * max(1.0, abs(a)) else [f"{path}: {a} vs {b}"]
    return [] if a == b else [f"{path}: {a!r} vs {b!r}"]


def verify_saved(root):
    """Rebuild each saved bertvision model in Keras from its files alone; 0 when every prediction agrees."""
    failures = 0
    for name in sorted(os.listdir(root)):
        d = os.path.join(root, name)
        with open(os.path.join(d, "model.json")) as f:
            model_json = json.load(f)
        meta = model_json["userDefinedMetadata"]["bertvision"]
        data = np.fromfile(os.path.join(d, model_json["weightsManifest"][0]["paths"][0]), dtype="<f4")
        saved, offset = {}, 0
        for spec in model_json["weightsManifest"][0]["weights"]:
            assert spec["dtype"] == "float32", spec
            n = int(np.prod(spec["shape"]))
            saved[spec["name"]] = data[offset:offset + n].reshape(spec["shape"])
            offset += n
        assert offset == data.size, f"{d}: weights.bin has {data.size} floats, manifest {offset}"
        _, model = build(meta["architecture"], meta["inputShape"], meta["adapterDim"])
        model.set_weights([saved[w.name.split(":")[0]] for w in model.weights])
        with open(os.path.join(d, "check.json")) as f:
            check = json.load(f)
        got = model(np.array(check["input"], dtype=np.float32).reshape(check["shape"]), training=False)
        got = [t.numpy().reshape(-1) for t in (got if isinstance(got, list) else [got])]
        expected = [np.array(e, dtype=np.float64) for e in check["outputs"]]  # NaN would arrive as None: fails
        diff = max(float(np.max(np.abs(g - e))) for g, e in zip(got, expected))
        scale = max(1.0, max(float(np.max(np.abs(e))) for e in expected))
        ok = len(got) == len(expected) and diff <= 1e-5 * scale
        failures += not ok
        print(f"{name:34s} {'OK ' if ok else 'BAD'} max |Δ| = {diff:.2e} (max |y| = {scale:.1f})", file=sys.stderr)
        keras.backend.clear_session()
    return failures


def main():
    if sys.argv[1:2] == ["--verify-saved"] and len(sys.argv) == 3:
        sys.exit(1 if verify_saved(sys.argv[2]) else 0)
    check = sys.argv[1:] == ["--check"]
    if sys.argv[1:] and not check:
        sys.exit(f"usage: {sys.argv[0]} [--check | --verify-saved DIR]")
    tf.random.set_seed(42)
    full = {}
    for name, (task, _, _) in ARCHITECTURES.items():
        _, model = build(name, BINARY_SEED if task == "binary" else SPAN_SEED, None)
        full[name] = count(model)
        print(f"{name:34s} {full[name]['total']:>12,d} trainable {full[name]['trainable']:>12,d}", file=sys.stderr)
        keras.backend.clear_session()
    cases = [golden_case(i, *c) for i, c in enumerate(CASES)]
    fixture = {
        "generator": "tools/golden/models.py",
        "versions": {"tensorflow": tf.__version__, "tf_keras": keras.__version__, "numpy": np.__version__},
        "rng": {"algorithm": "lcg32", "a": LCG_A, "c": LCG_C,
                "value": "x <- (a*x + c) mod 2^32 before each draw; u = (x >> 8) / 2^23 - 1; "
                         "w = offset + scale * (abs ? |u| : u), rounded to float32"},
        "fullSizeCounts": full,
        "cases": cases,
    }
    if check:
        with open(OUT) as f:
            committed = json.load(f)
        diffs = close({k: v for k, v in committed.items() if k != "versions"},
                      {k: v for k, v in json.loads(json.dumps(fixture)).items() if k != "versions"})
        for d in diffs[:20]:
            print(d, file=sys.stderr)
        print(f"{os.path.normpath(OUT)}: {'OK' if not diffs else f'{len(diffs)} differences'}", file=sys.stderr)
        sys.exit(1 if diffs else 0)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    tmp = OUT + ".tmp"
    with open(tmp, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
    os.replace(tmp, OUT)
    print(f"wrote {os.path.normpath(OUT)} ({os.path.getsize(OUT):,d} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
