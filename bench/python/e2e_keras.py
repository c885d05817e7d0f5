"""The Keras side of the end-to-end benchmark (bench/e2e.bench.ts) for binary heads, timed as a whole process: import
tf_keras and h5py, build the seed's binary head `--arch` (the structure of src/models/binary.ts and xception.ts),
`fit` one epoch over a tf.data pipeline reading the HDF5 store (a generator over h5py in a shuffled order → batch →
prefetch), Adam (lr 1e-3, eps 1e-7), sparse softmax cross-entropy, save the weights. Prints one JSON line:
parameters (count_params, BatchNorm statistics included), examples, loop_seconds, examples_per_s.

Usage: python bench/python/e2e_keras.py STORE --arch NAME --out FILE.weights.h5 [--batch 64] [--seed 0]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import h5py  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402

L = keras.layers


class BertConcat(L.Layer):
    """γ · Σ_l softmax(w)_l · x[..., l] (L + 1 parameters)."""

    def build(self, input_shape):
        self.w = self.add_weight(name="weights", shape=(input_shape[-1],), initializer="random_normal")
        self.t = self.add_weight(name="gamma", shape=(1,), initializer="ones")

    def call(self, inputs):
        return tf.tensordot(inputs, tf.nn.softmax(self.w), axes=([3], [0])) * self.t


def gelu_tanh(v):
    return 0.5 * v * (1 + tf.tanh(0.7978845608028654 * (v + 0.044715 * v**3)))


def conv_bn_relu(x, filters, stride, name):
    x = L.Conv2D(filters, (1, 3), strides=(1, stride), padding="valid", use_bias=False, name=name)(x)
    return L.Activation("relu", name=f"{name}_act")(L.BatchNormalization(name=f"{name}_bn")(x))


def sep_conv_bn(x, filters, name, relu_before):
    if relu_before:
        x = L.Activation("relu", name=f"{name}_act")(x)
    x = L.SeparableConv2D(filters, (1, 3), padding="same", use_bias=False, name=name)(x)
    return L.BatchNormalization(name=f"{name}_bn")(x)


def projection(x, filters, name):
    x = L.Conv2D(filters, 1, strides=(1, 2), padding="same", use_bias=False, name=name)(x)
    return L.BatchNormalization(name=f"{name}_bn")(x)


def pool(x, name):
    return L.AveragePooling2D((1, 3), strides=(1, 2), padding="same", name=name)(x)


def xception_abbreviated(x):
    x = conv_bn_relu(x, 64, 3, "block1_conv1")
    a = conv_bn_relu(x, 128, 1, "block1_conv2")
    shortcut = projection(a, 512, "block2_residual")
    y = L.Activation("relu")(sep_conv_bn(a, 256, "block2_sepconv1", False))
    y = pool(sep_conv_bn(y, 512, "block2_sepconv2", False), "block2_pool")
    return L.GlobalAveragePooling2D()(L.Add()([y, shortcut]))


def xception(x):
    x = conv_bn_relu(x, 32, 3, "block1_conv1")
    x = conv_bn_relu(x, 64, 1, "block1_conv2")
    for block, filters in ((2, 128), (3, 256), (4, 728)):
        shortcut = projection(x, filters, f"block{block}_residual")
        y = sep_conv_bn(x, filters, f"block{block}_sepconv1", block != 2)
        y = sep_conv_bn(y, filters, f"block{block}_sepconv2", True)
        x = L.Add()([pool(y, f"block{block}_pool"), shortcut])
    for block in range(5, 13):
        y = x
        for i in (1, 2, 3):
            y = sep_conv_bn(y, 728, f"block{block}_sepconv{i}", True)
        x = L.Add()([y, x])
    shortcut = projection(x, 1024, "block13_residual")
    y = sep_conv_bn(x, 728, "block13_sepconv1", True)
    y = sep_conv_bn(y, 1024, "block13_sepconv2", True)
    x = L.Add()([pool(y, "block13_pool"), shortcut])
    x = L.Activation("relu")(sep_conv_bn(x, 1536, "block14_sepconv1", False))
    x = L.Activation("relu")(sep_conv_bn(x, 2048, "block14_sepconv2", False))
    return L.GlobalAveragePooling2D()(x)


def build(name: str, shape) -> keras.Model:
    inp = keras.Input(shape=shape)
    skip = L.Lambda(lambda v: v[..., -1], name="skip")(inp)
    if name == "tenney-small":
        h = L.Flatten()(BertConcat()(inp))
    elif name.startswith("adapter-pooler-"):
        pooled = BertConcat()(inp) if name.endswith("tenney") else L.Lambda(lambda v: tf.reduce_mean(v, -1))(inp)
        a = L.Dense(386, activation=gelu_tanh,
                    kernel_initializer=keras.initializers.TruncatedNormal(stddev=1e-3))(pooled)
        h = L.Flatten()(L.Concatenate()([a, skip]))
    elif name == "xception-abbreviated":
        h = xception_abbreviated(inp)
    elif name == "xception-abbreviated-cls":
        h = L.Concatenate()([xception_abbreviated(inp), L.Flatten()(skip)])
    elif name == "xception":
        h = xception(inp)
    else:
        raise SystemExit(f"e2e_keras.py: no Keras version of {name!r} (binary heads only)")
    return keras.Model(inp, L.Dense(2, name="head")(h))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path)
    parser.add_argument("--arch", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    keras.utils.set_random_seed(args.seed)
    with h5py.File(args.store, "r") as f:
        shape = tuple(f["hidden_state_activations"].shape[1:])
        n = f["hidden_state_activations"].shape[0]
    model = build(args.arch, shape)
    model.compile(optimizer=keras.optimizers.Adam(1e-3, epsilon=1e-7),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    order = np.random.default_rng(args.seed).permutation(n)

    def examples():
        with h5py.File(args.store, "r") as f:
            x, y = f["hidden_state_activations"], f["is_impossible"]
            for i in order:
                yield x[i].astype(np.float32), y[i]

    data = tf.data.Dataset.from_generator(examples, output_signature=(
        tf.TensorSpec(shape, tf.float32), tf.TensorSpec((), tf.int64)))
    data = data.batch(args.batch).prefetch(tf.data.AUTOTUNE)
    started = time.perf_counter()
    history = model.fit(data, epochs=1, verbose=0)
    seconds = time.perf_counter() - started
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save_weights(str(args.out))
    print(json.dumps({"arch": args.arch, "task": "binary", "shape": list(shape), "parameters": model.count_params(),
                      "examples": int(n), "batch": args.batch, "loop_seconds": seconds, "examples_per_s": n / seconds,
                      "loss": float(history.history["loss"][-1])}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
